"""Cadence compliance: did each unit keep its promise of one good news a day and one story a
week, and when it did not, why?

Pure computation over plain records (what went out, what was rejected, when channels were
paused); the caller reads them from the database. Every date is a local date in the
cadence's timezone.

Definitions (the README's ``goodnews report`` section says the same for people):

* A day is *expected* when it has at least one daily slot in the unit's cadence (skip dates
  have none) and one of its slots has come by ``now``.
* A day is *published* when a daily publication of one of the unit's posts, on any channel,
  was sent with its slot (``due_at``) on that local date. ``due_at``, not the moment the
  call finished: a ``goodnews tick --at`` simulation publishes at simulated instants while
  ``finished_at`` is the wall clock, and a post that went out late after a retry still
  kept its slot's day.
* A weekly slot is *published* when a weekly publication of the unit was sent with its slot
  in the same ISO week (local).
* A missed day or weekly slot gets the first reason that applies: ``paused`` (one of the
  unit's channels was paused at one of its slots), ``failed`` (a publication of that kind
  with its slot in that day, or that week for the story, ended failed or unknown),
  ``rejected`` (a post of that kind was rejected that day or the day before, up to the
  slot; for the story, after the week before's slot and up to its own), else ``empty slot``.
* ``streak``: the expected days, ending at the last one, all published; ``longest_streak``
  the longest such run in the period. Days that are not expected neither count nor break
  a run.

A unit without channels of its own that feeds the organisation's shared channels cannot keep
a cadence there (one daily slot, twenty units): it is judged by its share of the fair
rotation instead (:class:`RotationShare`), and the shared channels by the cadence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.posts import PostKind, PublicationStatus
from bot.domain.slots import Cadence, local_instant


class Reason(StrEnum):
    """Why a promised post did not go out, most telling first."""

    PAUSED = "paused"
    FAILED = "failed"
    REJECTED = "rejected"
    EMPTY = "empty slot"


#: Publication outcomes that mean the post did not go out (or nobody knows whether it did).
_FAILED = frozenset({PublicationStatus.FAILED, PublicationStatus.UNKNOWN})


@dataclass(frozen=True)
class Outcome:
    """A publication of one of the unit's posts, on one channel, with its slot."""

    kind: PostKind
    status: PublicationStatus
    due_at: datetime
    channel: str


@dataclass(frozen=True)
class Rejection:
    """A person rejected one of the unit's posts of ``kind`` at ``at``."""

    kind: PostKind
    at: datetime


@dataclass(frozen=True)
class PauseEvent:
    """A channel paused (or resumed) at ``at``, as the audit log has it."""

    channel: str
    at: datetime
    paused: bool


@dataclass(frozen=True)
class Paused:
    """A channel paused from ``start`` (None: since before anything known) until ``end``
    (None: still paused)."""

    channel: str
    start: datetime | None
    end: datetime | None

    def covers(self, instant: datetime) -> bool:
        return (self.start is None or self.start <= instant) and (
            self.end is None or instant < self.end
        )


def pause_intervals(
    events: Iterable[PauseEvent], *, paused_now: Mapping[str, datetime | None]
) -> list[Paused]:
    """When each channel was paused, from the audit log's pause and resume entries.

    ``paused_now`` holds the channels paused at present and since when their state last
    changed (None: unknown). A channel paused now whose log does not end paused (paused
    before the audit log existed, or by hand in the database) counts as paused from then.
    """
    open_since: dict[str, datetime | None] = {}
    found: list[Paused] = []
    for event in sorted(events, key=lambda e: e.at):
        if event.paused:
            open_since.setdefault(event.channel, event.at)
        elif event.channel in open_since:
            found.append(Paused(event.channel, open_since.pop(event.channel), event.at))
        # A resume with no pause before it ends a pause from before the log began; since
        # when is unknown, so none is counted rather than a pause without a start.
    for channel, since in paused_now.items():
        # Paused since the log's last pause, if it has one; else since its state last changed.
        found.append(Paused(channel, open_since.pop(channel, since), None))
    # A channel the log leaves paused but that is not paused now was resumed outside the log;
    # when is unknown, so nothing after its last entry is counted as paused.
    return found


@dataclass(frozen=True)
class UnitHistory:
    """What the report needs to know about one unit."""

    id: str
    name: str
    cadence: Cadence
    channels: frozenset[str]
    outcomes: Sequence[Outcome]
    rejections: Sequence[Rejection]
    pauses: Sequence[Paused]


@dataclass(frozen=True)
class Day:
    """An expected day and whether its good news went out; in ``weeks``, the day of a weekly
    slot that has come, and whether its week's story went out."""

    date: date
    published: bool


@dataclass(frozen=True)
class Miss:
    date: date
    kind: PostKind
    reason: Reason


class JudgedBy(StrEnum):
    """What a unit is held to: the cadence on its own channels, or its share of the
    rotation on the organisation's."""

    CADENCE = "cadence"
    ROTATION = "rotation"


@dataclass(frozen=True)
class RotationShare:
    """A unit's share of the organisation's shared channels over the period."""

    #: Its posts that went out there with their slot in the period.
    featured: int
    #: The local date of the latest, up to the period's end (None: never).
    last_featured: date | None
    #: Days from then to the period's end (or today, when the period runs on); None: never.
    days_since: int | None
    #: Its recaps not yet used for the organisation's good news (at the time of the report).
    recaps_waiting: int

    @property
    def idle(self) -> bool:
        """Not featured in the period and nothing waiting: the rotation had nothing of it."""
        return not self.featured and not self.recaps_waiting


def rotation_share(
    outcomes: Iterable[Outcome],
    *,
    channels: frozenset[str],
    tz: ZoneInfo,
    start: date,
    end: date,
    today: date,
    last_featured: datetime | None,
    recaps_waiting: int,
) -> RotationShare:
    """How often a unit's posts went out on ``channels`` (the organisation's) in the period:
    one post on two channels at one slot counts once."""
    slots = {
        (o.kind, o.due_at)
        for o in outcomes
        if o.status is PublicationStatus.SENT
        and o.channel in channels
        and start <= o.due_at.astimezone(tz).date() <= end
    }
    last = last_featured.astimezone(tz).date() if last_featured is not None else None
    return RotationShare(
        featured=len(slots),
        last_featured=last,
        days_since=(min(end, today) - last).days if last is not None else None,
        recaps_waiting=recaps_waiting,
    )


@dataclass(frozen=True)
class UnitCompliance:
    """One unit over one period (by the rotation, its cadence counts stay empty)."""

    id: str
    name: str
    start: date
    end: date
    days: tuple[Day, ...]
    weeks: tuple[Day, ...]
    misses: tuple[Miss, ...]
    streak: int
    longest_streak: int
    #: Its share of the shared channels; None: judged by the cadence on its own channels.
    rotation: RotationShare | None = None

    @property
    def judged_by(self) -> JudgedBy:
        return JudgedBy.CADENCE if self.rotation is None else JudgedBy.ROTATION

    @property
    def expected(self) -> bool:
        """Anything the cadence expected in the period."""
        return bool(self.days or self.weeks)

    @property
    def kept(self) -> bool:
        return self.days_published == self.days_expected and not self.weekly_missed

    @property
    def weekly_missed(self) -> bool:
        return self.weekly_published < self.weekly_expected

    @property
    def days_expected(self) -> int:
        return len(self.days)

    @property
    def days_published(self) -> int:
        return sum(day.published for day in self.days)

    @property
    def weekly_expected(self) -> int:
        return len(self.weeks)

    @property
    def weekly_published(self) -> int:
        return sum(week.published for week in self.weeks)

    def missed(self, reason: Reason) -> int:
        return sum(miss.reason is reason for miss in self.misses)


def by_rotation(
    unit_id: str, name: str, *, start: date, end: date, share: RotationShare
) -> UnitCompliance:
    """A unit judged by its share of the rotation: no cadence days, no misses."""
    return UnitCompliance(unit_id, name, start, end, (), (), (), 0, 0, rotation=share)


def compliance(unit: UnitHistory, *, start: date, end: date, now: datetime) -> UnitCompliance:
    """The unit's compliance from ``start`` to ``end`` (local dates, both included), counting
    only slots that have come by ``now``."""
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cadence, tz = unit.cadence, unit.cadence.timezone
    facts = _Facts.of(unit)
    days: list[Day] = []
    weeks: list[Day] = []
    misses: list[Miss] = []

    def published(kind: PostKind, day: date, slots: Sequence[datetime]) -> bool:
        """Whether the slots' post went out; when not, the miss is noted with its reason."""
        if facts.published(kind, day):
            return True
        misses.append(Miss(day, kind, facts.reason(kind, day, slots, tz)))
        return False

    for day in _dates(start, end):
        if day in cadence.skip:
            continue
        come = [s for at in cadence.daily_at if (s := local_instant(day, at, tz)) <= now]
        if come:
            days.append(Day(day, published(PostKind.DAILY, day, come)))
        if day.weekday() != cadence.weekly_day:
            continue
        slot = local_instant(day, cadence.weekly_at, tz)
        if slot <= now:
            weeks.append(Day(day, published(PostKind.WEEKLY, day, [slot])))
    streak, longest = _streaks([day.published for day in days])
    return UnitCompliance(
        id=unit.id,
        name=unit.name,
        start=start,
        end=end,
        days=tuple(days),
        weeks=tuple(weeks),
        misses=tuple(misses),
        streak=streak,
        longest_streak=longest,
    )


@dataclass(frozen=True)
class _Facts:
    """A unit's outcomes by :meth:`_period`, its rejections and its channels' pauses."""

    sent: frozenset[tuple[PostKind, date]]
    failed: frozenset[tuple[PostKind, date]]
    rejected: tuple[Rejection, ...]
    pauses: tuple[Paused, ...]

    @classmethod
    def of(cls, unit: UnitHistory) -> _Facts:
        tz = unit.cadence.timezone

        def ended(statuses: frozenset[PublicationStatus]) -> frozenset[tuple[PostKind, date]]:
            """The periods of the slots of the outcomes that ended in ``statuses``."""
            found = (o for o in unit.outcomes if o.status in statuses)
            return frozenset(cls._period(o.kind, o.due_at.astimezone(tz).date()) for o in found)

        return cls(
            sent=ended(frozenset({PublicationStatus.SENT})),
            failed=ended(_FAILED),
            rejected=tuple(unit.rejections),
            pauses=tuple(p for p in unit.pauses if p.channel in unit.channels),
        )

    @staticmethod
    def _period(kind: PostKind, day: date) -> tuple[PostKind, date]:
        """What a slot on ``day`` is kept by: a post of its kind on the day itself for the good
        news; in its ISO week (named by its Monday) for the story."""
        return kind, (day if kind is PostKind.DAILY else day - timedelta(days=day.weekday()))

    def published(self, kind: PostKind, day: date) -> bool:
        return self._period(kind, day) in self.sent

    def reason(self, kind: PostKind, day: date, slots: Sequence[datetime], tz: ZoneInfo) -> Reason:
        """Why nothing went out: the first of paused, failed, rejected that applies."""
        if any(p.covers(slot) for slot in slots for p in self.pauses):
            return Reason.PAUSED
        if self._period(kind, day) in self.failed:
            return Reason.FAILED
        # Rejected from the day before up to the slot (a rejection after it did not empty
        # it); for the story, since the week before's slot, whose own draft it was not.
        if kind is PostKind.DAILY:
            since = local_instant(day - timedelta(days=1), time(), tz)
        else:
            last = max(slots).astimezone(tz)
            since = local_instant(day - timedelta(days=7), last.time(), tz)
            since += timedelta(microseconds=1)
        if any(r.kind is kind and since <= r.at <= max(slots) for r in self.rejected):
            return Reason.REJECTED
        return Reason.EMPTY


def _dates(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _streaks(published: Sequence[bool]) -> tuple[int, int]:
    """(the run of True ending at the last item, the longest run of True)."""
    run = longest = 0
    for kept in published:
        run = run + 1 if kept else 0
        longest = max(longest, run)
    return run, longest
