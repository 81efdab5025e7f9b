"""The dashboard's calendar: every cadence slot of a week or a month on each channel, with
the post holding it (title, state, its recap's tone when there is one), empty slots flagged,
and the drafts waiting for a decision.

One query for the period's publications, whatever the number of channels: the month for
42 channels is a few thousand cells, built in memory.
"""

from __future__ import annotations

import calendar as std_calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlmodel import Session

from bot.config import Config
from bot.domain.posts import PostKind, PublicationStatus
from bot.domain.slots import Cadence, local_instant, slots_after
from bot.services.access import audiences
from bot.services.views import PostView
from bot.storage import post_rows, publication_rows

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


@dataclass(frozen=True)
class Day:
    date: date
    in_period: bool  # False: a day of the grid's first or last week outside the month
    cells: tuple[Cell, ...]


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


@dataclass(frozen=True)
class Calendar:
    span: Period
    days: tuple[Day, ...]
    #: Drafts waiting for a decision, oldest first.
    waiting: tuple[PostView, ...]
    #: The empty slots still to come in the period (past ones are misses, for the report).
    empty: int


def calendar(
    session: Session,
    config: Config,
    *,
    user_id: int,
    admin: bool,
    view: str,
    anchor: date,
    unit: str | None,
    now: datetime,
) -> Calendar:
    """The ``view`` ("month", else a week) around ``anchor`` as this person sees it: an
    admin every channel (or ``unit``'s only), an officer their unit's."""
    seen = audiences(config, user_id, admin)
    if seen is None and unit is not None and unit in {u.id for u in config.units}:
        seen = {unit}
    channels = [
        c.name
        for c in config.channels
        if seen is None or config.audience_of_channel(c.name) in seen
    ]
    span = period(view if view in VIEWS else "week", anchor)
    days = _days(session, config, span=span, channels=channels)
    waiting = tuple(
        PostView.of(p)
        for p in post_rows.pending_posts(session)
        if seen is None or p.audience in seen
    )
    empty = sum(1 for d in days if d.in_period for c in d.cells if c.empty and c.at > now)
    return Calendar(span, days, waiting, empty)


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


def _days(
    session: Session, config: Config, *, span: Period, channels: Sequence[str]
) -> tuple[Day, ...]:
    """The days of ``span``, each with its slots on ``channels`` in time order."""
    tz = config.tz
    start = local_instant(span.first, time(0), tz)
    end = local_instant(span.last + timedelta(days=1), time(0), tz)
    every = len(channels) == len(config.channels)
    held = _held(session, start=start, end=end, channels=None if every else channels)
    dates = [span.first + timedelta(days=n) for n in range((span.last - span.first).days + 1)]
    cells: dict[date, list[Cell]] = {day: [] for day in dates}
    for channel in channels:
        for kind, slot, local in _slots(config.cadence_for(channel), start, end):
            cell = held.pop((channel, kind, slot), None) or Cell(channel, kind, slot)
            cells[local].append(cell)
    for cell in held.values():  # pinned to an instant, or a slot the cadence no longer has
        cells[cell.at.astimezone(tz).date()].append(cell)
    return tuple(
        Day(
            day,
            span.view == "week" or day.month == span.anchor.month,
            tuple(sorted(cells[day], key=lambda c: (c.at, c.channel, c.kind.value))),
        )
        for day in dates
    )


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
            found.append((kind, slot, slot.astimezone(cadence.timezone).date()))
    return tuple(found)


def _held(
    session: Session, *, start: datetime, end: datetime, channels: Sequence[str] | None
) -> dict[tuple[str, PostKind, datetime], Cell]:
    """(channel, kind, instant) → the cell of the post there, cancelled ones left out."""
    cells: dict[tuple[str, PostKind, datetime], Cell] = {}
    rows = publication_rows.calendar_rows(session, start=start, end=end, channels=channels)
    for channel, kind, due_at, published, post_id, title, status, tone in rows:
        assert due_at is not None
        cells[(channel, _KINDS[kind], due_at)] = Cell(
            channel, _KINDS[kind], due_at, post_id, title, _state(status, published), tone or None
        )
    return cells


def _state(post: str, publication: str) -> str:
    """What a person wants to know about the post on that channel."""
    if publication == PublicationStatus.SENT.value:
        return "published"
    if publication in _OUTCOMES:
        return publication
    return post
