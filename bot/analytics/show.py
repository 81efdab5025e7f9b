"""``goodnews stats``: the period's posts with their latest metrics, totals per unit and the
channels' subscribers, as a table, CSV or JSON. "Not available" is ``null`` in JSON, empty
in CSV and "—" in the table; never 0."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot import i18n
from bot.analytics import query
from bot.config import Config
from bot.domain.engagement import (
    METRICS,
    PostEngagement,
    UnitEngagement,
    unit_totals,
)
from bot.domain.errors import N_

FORMATS = ("table", "csv", "json")
#: The table shows this many posts, most liked first; JSON and CSV show them all.
TABLE_POSTS = 10
#: What JSON gives of each publication as it is (every metric, as CSV does), before when it
#: was measured (local time).
_PUBLICATION_FIELDS = ("channel", "url", "external_id", *METRICS)


@dataclass(frozen=True)
class Stats:
    start: date
    end: date
    posts: tuple[PostEngagement, ...]  # most liked first
    units: tuple[UnitEngagement, ...]
    channels: tuple[tuple[str, int | None], ...]


def build(
    session: Session, config: Config, *, start: date, end: date, unit: str | None = None
) -> Stats:
    """What went out from ``start`` to ``end`` (local days, both included)."""
    if unit is not None and config.units:
        config.unit(unit)  # an unknown unit is an error, not an empty answer
    posts = query.posts_on_days(session, config, start=start, end=end, unit=unit)
    ranked = sorted(posts, key=lambda p: (-(p.reactions or 0), p.post_id))
    return Stats(
        start=start,
        end=end,
        posts=tuple(ranked),
        units=tuple(unit_totals(posts)),
        channels=tuple(query.subscribers(session, config)),
    )


def render(stats: Stats, fmt: str, config: Config, language: str = i18n.SOURCE) -> str:
    if fmt == "json":
        return as_json(stats, config)
    if fmt == "csv":
        return as_csv(stats)
    return as_table(stats, language)


def as_json(stats: Stats, config: Config) -> str:
    def when(at: datetime | None) -> str | None:
        return at.astimezone(config.tz).isoformat() if at else None

    doc: dict[str, Any] = {
        "from": stats.start.isoformat(),
        "to": stats.end.isoformat(),
        "posts": [
            {
                "id": p.post_id,
                "title": p.title,
                "unit": p.unit,
                "kind": p.kind,
                "publications": [
                    {
                        **{name: getattr(m, name) for name in _PUBLICATION_FIELDS},
                        "measured_at": when(m.measured_at),
                    }
                    for m in p.publications
                ],
            }
            for p in stats.posts
        ],
        "units": [
            {"id": u.unit, "posts": u.posts, **{m: getattr(u, m) for m in METRICS}}
            for u in stats.units
        ],
        "channels": [{"name": name, "subscribers": count} for name, count in stats.channels],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def as_csv(stats: Stats) -> str:
    """One row per publication: the post, the channel and its latest metrics."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["post", "title", "unit", "kind", "channel", "url", *METRICS, "measured_at"])
    for p in stats.posts:
        for m in p.publications:
            writer.writerow(
                [
                    p.post_id,
                    p.title,
                    p.unit or "",
                    p.kind,
                    m.channel,
                    m.url or "",
                    *("" if m.get(x) is None else m.get(x) for x in METRICS),
                    m.measured_at.isoformat() if m.measured_at else "",
                ]
            )
    return out.getvalue().rstrip("\n")


def as_table(stats: Stats, language: str = i18n.SOURCE) -> str:
    """The top posts, each unit's totals and each channel's subscribers; words in
    ``language``, numbers as they are."""
    _ = i18n.translations(language).gettext
    words = [N_("post"), N_("title"), N_("unit"), N_("posts"), N_("org"), N_("channel")]
    w = {word: _(word) for word in (*words, N_("subscribers"))}
    metrics = " ".join(f"{_(METRIC_NAMES[m]):>9}" for m in METRICS)
    title = _("Top posts {start} – {end} (— : not available)")
    lines = [title.format(start=stats.start, end=stats.end)]
    lines.append(f"{w['post']:>5}  {w['title']:<40} {metrics}")
    for p in stats.posts[:TABLE_POSTS]:
        title = p.title if len(p.title) <= 40 else p.title[:39] + "…"
        lines.append(f"{p.post_id:>5}  {title:<40} " + _figures(p.sum(m) for m in METRICS))
    if not stats.posts:
        lines.append(_("(nothing published in this period)"))
    lines += ["", f"{w['unit']:<20} {w['posts']:>5} {metrics}"]
    for u in stats.units:
        lines.append(
            f"{u.unit or w['org']:<20} {u.posts:>5} " + _figures(getattr(u, m) for m in METRICS)
        )
    lines += ["", f"{w['channel']:<20} {w['subscribers']:>11}"]
    lines += [f"{name:<20} {query.shown(count):>11}" for name, count in stats.channels]
    lines += ["", _(TELEGRAM_VIEWS)]
    return "\n".join(lines)


def _figures(values: Iterable[int | None]) -> str:
    """The table's metric columns: numbers right-aligned, "—" where not available."""
    return " ".join(f"{query.shown(value):>9}" for value in values)


#: The metrics as the table's columns say them (English: the names themselves).
METRIC_NAMES = {
    "reactions": N_("reactions"),
    "comments": N_("comments"),
    "shares": N_("shares"),
    "views": N_("views"),
    "reach": N_("reach"),
}


TELEGRAM_VIEWS = N_(
    "Telegram gives bots no view counts for channel posts: their views are not available "
    "(null), never guessed. Reach counts Facebook's unique viewers and the followers who got "
    "the post by direct message."
)
