"""Slot arithmetic: when the next daily or weekly slot falls, in the configured timezone.

Slots are wall-clock times in an IANA zone (``07:30 Asia/Ho_Chi_Minh``), turned into aware
UTC instants only at the edge, so a zone with daylight saving still gets its post at 07:30
local time on the change days.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import N_, UserError
from bot.domain.posts import PostKind

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: How far ahead we look for a free slot before giving up: ten years of weekly slots.
_MAX_CANDIDATES = 520


@dataclass(frozen=True)
class Cadence:
    """When each kind of post goes out, in local time of ``timezone``.

    ``daily_at`` holds one or more times a day; ``skip`` holds local dates with no slot at
    all (holidays, blackouts such as Tết).
    """

    timezone: ZoneInfo
    daily_at: tuple[time, ...]
    weekly_day: int  # 0 = Monday, as datetime.weekday()
    weekly_at: time
    skip: frozenset[date] = frozenset()


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware UTC instant of wall-clock ``at`` on ``day`` in ``tz``.

    A wall time that does not exist (skipped by a DST jump) moves forward by the jump, as
    people expect of an alarm clock; an ambiguous one takes its first occurrence.
    """
    # PEP 495: with fold=0 a wall time in a gap is read with the offset from before the
    # jump (so it lands after it), and an ambiguous one is its first occurrence.
    local = datetime.combine(day, at).replace(tzinfo=tz, fold=0)
    return local.astimezone(UTC)


def slots_after(kind: PostKind, cadence: Cadence, after: datetime) -> Iterator[datetime]:
    """Slot instants of ``kind`` strictly later than ``after`` (aware), in order, without end."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    day = after.astimezone(cadence.timezone).date()
    times = sorted(cadence.daily_at) if kind is PostKind.DAILY else [cadence.weekly_at]
    while True:
        wanted = kind is PostKind.DAILY or day.weekday() == cadence.weekly_day
        if wanted and day not in cadence.skip:
            for at in times:
                instant = local_instant(day, at, cadence.timezone)
                if instant > after:
                    yield instant
        day += timedelta(days=1)


def next_free_slot(
    kind: PostKind, cadence: Cadence, *, after: datetime, taken: Collection[datetime]
) -> datetime:
    """The earliest slot of ``kind`` after ``after`` that no other post holds.

    ``taken`` holds the slots of other posts of the same kind; never a past slot is returned.
    """
    taken_utc = {t.astimezone(UTC) for t in taken}
    for count, slot in enumerate(slots_after(kind, cadence, after)):
        if slot not in taken_utc:
            return slot
        if count > _MAX_CANDIDATES + len(taken_utc):
            break
    raise RuntimeError("no free slot found")  # unreachable with a finite `taken`


def parse_skip_dates(entries: Iterable[str]) -> frozenset[date]:
    """``["2027-02-05", "2027-02-06..2027-02-12"]`` → the set of those local dates.

    Raises ValueError naming the entry that is not a date or a ``start..end`` range.
    """
    days: set[date] = set()
    for entry in entries:
        first, sep, last = entry.strip().partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if sep else start
        except ValueError:
            raise ValueError(
                f"expected a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD, got {entry!r}"
            ) from None
        if end < start:
            raise ValueError(f"the range {entry!r} ends before it starts")
        if (end - start).days > 366:
            raise ValueError(f"the range {entry!r} is longer than a year")
        days.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return frozenset(days)


def weekday_number(name: str) -> int:
    """``"sunday"`` → 6. Raises ValueError for anything else."""
    try:
        return WEEKDAYS.index(name.strip().lower())
    except ValueError:
        raise ValueError(f"expected one of {', '.join(WEEKDAYS)}, got {name!r}") from None


def format_local(instant: datetime, tz: ZoneInfo) -> str:
    """A slot as people read it: ``Sun 2026-11-29 19:00 +07``."""
    local = instant.astimezone(tz)
    offset = local.strftime("%z")
    short = offset[:3] if offset.endswith("00") else f"{offset[:3]}:{offset[3:]}"
    return f"{local:%a %Y-%m-%d %H:%M} {short}"


#: The years goodnews reckons with: far enough either way for any real schedule, and clear
#: of the ends of Python's calendar (year 1 and 9999), where a day more or less overflows.
YEARS = (2000, 2100)


def check_year(option: str, day: date) -> None:
    """A one-line UserError for a date outside :data:`YEARS`."""
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise UserError(
            N_("{option}: {day} is outside the years {first}-{last}"),
            option=option,
            day=day.isoformat(),
            first=YEARS[0],
            last=YEARS[1],
        )
