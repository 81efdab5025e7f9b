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
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.domain.slots import local_instant, slots_after
from bot.storage.models import Post, Publication, Recap

VIEWS = ("week", "month")


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

    @property
    def empty_count(self) -> int:
        return sum(1 for c in self.cells if c.empty)


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
    held = _held(session, start=start, end=end, channels=channels)
    days = {
        span.first + timedelta(days=n): Day(
            span.first + timedelta(days=n),
            span.view == "week" or (span.first + timedelta(days=n)).month == span.anchor.month,
        )
        for n in range((span.last - span.first).days + 1)
    }
    for channel in channels:
        cadence = config.cadence_for(channel)
        for kind in PostKind:
            for slot in slots_after(kind, cadence, start - timedelta(microseconds=1)):
                if slot >= end:
                    break
                cell = held.pop((channel, kind, slot), None) or Cell(channel, kind, slot)
                days[_local_date(slot, tz)].cells.append(cell)
    for cell in held.values():  # pinned to an instant, or a slot the cadence no longer has
        days[_local_date(cell.at, tz)].cells.append(cell)
    for day in days.values():
        day.cells.sort(key=lambda c: (c.at, c.channel, c.kind.value))
    return list(days.values())


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def _held(
    session: Session, *, start: datetime, end: datetime, channels: Sequence[str]
) -> dict[tuple[str, PostKind, datetime], Cell]:
    """(channel, kind, instant) → the cell of the post there, cancelled ones left out."""
    rows = session.exec(
        select(Publication, Post)
        .join(Post, col(Post.id) == col(Publication.post_id))
        .where(
            col(Publication.due_at) >= start,
            col(Publication.due_at) < end,
            col(Publication.status) != PublicationStatus.CANCELLED,
            col(Publication.channel).in_(list(channels)),
        )
    ).all()
    tones = _tones(session, {post.recap_id for _, post in rows if post.recap_id is not None})
    cells: dict[tuple[str, PostKind, datetime], Cell] = {}
    for publication, post in rows:
        assert publication.due_at is not None
        cells[(publication.channel, publication.kind, publication.due_at)] = Cell(
            publication.channel,
            publication.kind,
            publication.due_at,
            post.id,
            post.title,
            _state(post.status, publication.status),
            tones.get(post.recap_id) if post.recap_id is not None else None,
        )
    return cells


def _state(post: PostStatus, publication: PublicationStatus) -> str:
    """What a person wants to know about the post on that channel."""
    if publication is PublicationStatus.SENT:
        return "published"
    if publication in (PublicationStatus.FAILED, PublicationStatus.UNKNOWN):
        return publication.value
    return post.value


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
