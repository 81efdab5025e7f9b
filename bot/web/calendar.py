"""The calendar: every cadence slot of a week or a month on each channel, with the post
holding it (title, state, its recap's tone when there is one), empty slots flagged.

One query for the period's publications and one for their recaps, whatever the number of
channels: the month for 42 channels is a few thousand cells, built in memory.
"""

from __future__ import annotations

import calendar as std_calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import String, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.domain.slots import Cadence, local_instant, slots_after
from bot.storage.models import Post, Publication, Recap

VIEWS = ("week", "month")
_KINDS = {kind.value: kind for kind in PostKind}
_OUTCOMES = {PublicationStatus.FAILED.value, PublicationStatus.UNKNOWN.value}


@dataclass(frozen=True)
class Cell:
    """One slot on one channel (or a post pinned to an instant there)."""

    channel: str
    kind: PostKind
    at: datetime
    post_id: int | None = None
    title: str | None = None
    state: str | None = None  # the post's state on that channel; None: an empty slot
    tone: str | None = None

    @property
    def empty(self) -> bool:
        return self.post_id is None


@dataclass
class Day:
    date: date
    in_period: bool  # False: a day of the grid's first or last week outside the month
    cells: list[Cell] = field(default_factory=list)

    def to_fill(self, now: datetime) -> int:
        """Its empty slots still to come: those past are misses, nothing can fill them."""
        return sum(1 for c in self.cells if c.empty and c.at > now)


@dataclass(frozen=True)
class Period:
    view: str
    first: date  # the first day shown (a Monday)
    last: date  # the last day shown (a Sunday)
    anchor: date

    @property
    def previous(self) -> date:
        if self.view == "week":
            return self.anchor - timedelta(days=7)
        return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        if self.view == "week":
            return self.anchor + timedelta(days=7)
        days = std_calendar.monthrange(self.anchor.year, self.anchor.month)[1]
        return self.anchor.replace(day=1) + timedelta(days=days)


def period(view: str, anchor: date) -> Period:
    """Monday to Sunday around ``anchor``; for a month, the whole weeks that hold it."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return Period(view, first, first + timedelta(days=6), anchor)
    start = anchor.replace(day=1)
    end = start.replace(day=std_calendar.monthrange(start.year, start.month)[1])
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    return Period("month", first, last, anchor)


def build(
    session: Session,
    config: Config,
    *,
    span: Period,
    channels: Sequence[str],
) -> list[Day]:
    """The days of ``span``, each with its slots on ``channels`` in time order."""
    tz = config.tz
    start = local_instant(span.first, time(0), tz)
    end = local_instant(span.last + timedelta(days=1), time(0), tz)
    every = len(channels) == len(config.channels)
    held = _held(session, start=start, end=end, channels=None if every else channels)
    days = {
        span.first + timedelta(days=n): Day(
            span.first + timedelta(days=n),
            span.view == "week" or (span.first + timedelta(days=n)).month == span.anchor.month,
        )
        for n in range((span.last - span.first).days + 1)
    }
    for channel in channels:
        for kind, slot, local in _slots(config.cadence_for(channel), start, end):
            cell = held.pop((channel, kind, slot), None) or Cell(channel, kind, slot)
            days[local].cells.append(cell)
    for cell in held.values():  # pinned to an instant, or a slot the cadence no longer has
        days[_local_date(cell.at, tz)].cells.append(cell)
    for day in days.values():
        day.cells.sort(key=lambda c: (c.at, c.channel, c.kind.value))
    return list(days.values())


@lru_cache(maxsize=64)
def _slots(
    cadence: Cadence, start: datetime, end: datetime
) -> tuple[tuple[PostKind, datetime, date], ...]:
    """Each slot of the cadence in [start, end): its kind, instant and local date. The
    config does not change while the app runs, so a period's slots are computed once."""
    found = []
    for kind in PostKind:
        for slot in slots_after(kind, cadence, start - timedelta(microseconds=1)):
            if slot >= end:
                break
            found.append((kind, slot, _local_date(slot, cadence.timezone)))
    return tuple(found)


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def _held(
    session: Session, *, start: datetime, end: datetime, channels: Sequence[str] | None
) -> dict[tuple[str, PostKind, datetime], Cell]:
    """(channel, kind, instant) → the cell of the post there, cancelled ones left out.
    Plain rows, not ORM objects: a month of 42 channels is over a thousand of them."""
    as_text = {
        # Strings, not enum members: a thousand rows' worth of conversions saved.
        "kind": type_coerce(Publication.kind, String).label("kind_text"),
        "published": type_coerce(Publication.status, String).label("published_text"),
        "status": type_coerce(Post.status, String).label("status_text"),
    }
    query = (
        sa_select(
            col(Publication.channel),
            as_text["kind"],
            col(Publication.due_at),
            as_text["published"],
            col(Post.id),
            col(Post.title),
            as_text["status"],
            col(Post.recap_id),
        )
        .join(Post, col(Post.id) == col(Publication.post_id))
        .where(
            col(Publication.due_at) >= start,
            col(Publication.due_at) < end,
            col(Publication.status) != PublicationStatus.CANCELLED,
        )
    )
    if channels is not None:  # someone who sees some channels only
        query = query.where(col(Publication.channel).in_(list(channels)))
    rows = session.connection().execute(query).all()
    tones = _tones(session, {row[7] for row in rows if row[7] is not None})
    cells: dict[tuple[str, PostKind, datetime], Cell] = {}
    for channel, kind, due_at, published, post_id, title, status, recap_id in rows:
        assert due_at is not None
        cells[(channel, _KINDS[kind], due_at)] = Cell(
            channel,
            _KINDS[kind],
            due_at,
            post_id,
            title,
            _state(status, published),
            tones.get(recap_id) if recap_id is not None else None,
        )
    return cells


def _state(post: str, publication: str) -> str:
    """What a person wants to know about the post on that channel."""
    if publication == PublicationStatus.SENT.value:
        return "published"
    if publication in _OUTCOMES:
        return publication
    return post


def _tones(session: Session, recap_ids: set[int]) -> dict[int, str]:
    """The recaps' tone, where recaps have one (the tone work adds the column)."""
    if not recap_ids or not hasattr(Recap, "tone"):
        return {}
    recaps = session.exec(select(Recap).where(col(Recap.id).in_(sorted(recap_ids)))).all()
    found: dict[int, str] = {}
    for recap in recaps:
        tone = getattr(recap, "tone", None)
        if recap.id is not None and tone:
            found[recap.id] = str(getattr(tone, "value", tone))
    return found


def waiting(session: Session, *, audiences: set[str | None] | None) -> list[Post]:
    """Drafts waiting for a decision (for these audiences; None: all), oldest first."""
    posts = session.exec(
        select(Post).where(Post.status == PostStatus.PENDING).order_by(col(Post.id))
    ).all()
    return [p for p in posts if audiences is None or p.audience in audiences]


def by_channel(days: list[Day]) -> dict[str, int]:
    """How many empty slots each channel has in the period."""
    empty: dict[str, int] = defaultdict(int)
    for day in days:
        for cell in day.cells:
            if cell.empty:
                empty[cell.channel] += 1
    return dict(empty)
