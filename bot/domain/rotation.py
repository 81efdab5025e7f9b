"""Fair rotation: which unit's recap the organisation's own channels feature next.

When the config has member units, the organisation's channels take any unit's news; left to
"the newest recap", the unit that writes most would fill them. So a draft for the
organisation is chosen unit first, recap second:

- A unit is *featured* by a post for the organisation's channels (audience: the
  organisation) that was approved: scheduled, being published or published. Its *last
  featured* instant is the latest slot of such a post of the same kind. The daily rotation
  looks at daily posts and the weekly rotation at weekly stories, each on its own.
- The organisation's own recaps (no unit) take part as one more unit (:data:`ORGANISATION`).
- **Weekly story**: among the units with a fresh recap not yet used for the organisation's
  weekly story, never the unit of the previous story (the unit featured most recently) when
  another unit has one; of the rest, the unit featured longest ago, never-featured units
  first; then, among that unit's recaps (several units on a tie), the one with the most
  story potential, the newest on a tie.
- **Daily good news**: among the units with an unused recap, the unit featured longest ago
  (never-featured units first); its newest recap (the newest of the tied units' on a tie).

Pure: the caller gives the candidates and the last-featured instants, and gets back the
chosen recap with the :class:`Reason` shown to the admins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

#: The key of the organisation's own recaps (no unit) among the units.
ORGANISATION: None = None


@dataclass(frozen=True)
class Candidate:
    """A recap that may be drafted: its unit (None: the organisation's own), when it was
    stored, and its story potential (weekly; 0 for the daily post)."""

    recap_id: int
    unit: str | None
    created_at: datetime
    score: float = 0.0


@dataclass(frozen=True)
class Reason:
    """Why this recap: its unit, when that unit was last featured (None: never) and how many
    other units had a recap waiting."""

    unit: str | None
    last_featured: datetime | None
    waiting: int


@dataclass(frozen=True)
class Choice:
    recap_id: int
    reason: Reason


def pick_weekly(
    candidates: Sequence[Candidate], last_featured: Mapping[str | None, datetime]
) -> Choice | None:
    """The weekly story's recap (rules in the module docstring); None without candidates."""
    units = _units(candidates)
    if not units:
        return None
    previous = max(last_featured, key=lambda u: last_featured[u]) if last_featured else None
    if len(units) > 1 and last_featured and previous in units:
        units.remove(previous)  # no unit twice in a row while another waits
    tied = _longest_ago(units, last_featured)
    pool = [c for c in candidates if c.unit in tied]
    return _choice(max(pool, key=_by_score), candidates, last_featured)


def pick_daily(
    candidates: Sequence[Candidate], last_featured: Mapping[str | None, datetime]
) -> Choice | None:
    """The daily post's recap (rules in the module docstring); None without candidates."""
    units = _units(candidates)
    if not units:
        return None
    tied = _longest_ago(units, last_featured)
    pool = [c for c in candidates if c.unit in tied]
    return _choice(max(pool, key=_by_age), candidates, last_featured)


def _units(candidates: Sequence[Candidate]) -> list[str | None]:
    return list(dict.fromkeys(c.unit for c in candidates))


def _longest_ago(
    units: Sequence[str | None], last_featured: Mapping[str | None, datetime]
) -> set[str | None]:
    """The units featured longest ago: all the never-featured ones if there are any."""
    never = {u for u in units if u not in last_featured}
    if never:
        return never
    oldest = min(last_featured[u] for u in units)
    return {u for u in units if last_featured[u] == oldest}


def _by_age(candidate: Candidate) -> tuple[datetime, int]:
    return candidate.created_at, candidate.recap_id


def _by_score(candidate: Candidate) -> tuple[float, datetime, int]:
    return candidate.score, candidate.created_at, candidate.recap_id


def _choice(
    chosen: Candidate, candidates: Sequence[Candidate], last_featured: Mapping[str | None, datetime]
) -> Choice:
    others = {c.unit for c in candidates} - {chosen.unit}
    reason = Reason(chosen.unit, last_featured.get(chosen.unit), waiting=len(others))
    return Choice(chosen.recap_id, reason)
