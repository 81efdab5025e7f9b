"""Slot arithmetic: next free slot of each kind, never in the past, right across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.posts import PostKind
from bot.domain.slots import (
    Cadence,
    format_local,
    local_instant,
    next_free_slot,
    parse_skip_dates,
    weekday_number,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")


def cadence(
    tz: ZoneInfo = HCM, daily: str = "07:30", weekly: str = "19:00", skip: tuple[str, ...] = ()
) -> Cadence:
    return Cadence(
        tz,
        tuple(time.fromisoformat(t) for t in daily.split(",")),
        weekday_number("sunday"),
        time.fromisoformat(weekly),
        parse_skip_dates(skip),
    )


def hcm(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HCM)


def test_daily_slot_is_later_today_when_before_the_time() -> None:
    slot = next_free_slot(PostKind.DAILY, cadence(), after=hcm("2026-11-30 06:00"), taken=[])
    assert slot == hcm("2026-11-30 07:30")
    assert slot.tzinfo is UTC


def test_daily_slot_already_past_moves_to_tomorrow_never_the_past() -> None:
    for now in ("2026-11-30 07:30", "2026-11-30 07:31", "2026-11-30 23:59"):
        slot = next_free_slot(PostKind.DAILY, cadence(), after=hcm(now), taken=[])
        assert slot == hcm("2026-12-01 07:30")


def test_taken_slots_are_skipped() -> None:
    taken = [hcm("2026-11-30 07:30"), hcm("2026-12-01 07:30")]
    slot = next_free_slot(PostKind.DAILY, cadence(), after=hcm("2026-11-30 06:00"), taken=taken)
    assert slot == hcm("2026-12-02 07:30")


def test_weekly_slot_is_next_sunday_evening() -> None:
    # 2026-11-29 is a Sunday.
    assert next_free_slot(
        PostKind.WEEKLY, cadence(), after=hcm("2026-11-29 18:00"), taken=[]
    ) == hcm("2026-11-29 19:00")
    assert next_free_slot(
        PostKind.WEEKLY, cadence(), after=hcm("2026-11-29 19:00"), taken=[]
    ) == hcm("2026-12-06 19:00")
    assert next_free_slot(
        PostKind.WEEKLY, cadence(), after=hcm("2026-12-01 09:00"), taken=[hcm("2026-12-06 19:00")]
    ) == hcm("2026-12-13 19:00")


@pytest.mark.parametrize(
    ("day", "wall", "utc"),
    [
        ("2026-03-28", "07:30", "2026-03-28T06:30:00+00:00"),  # CET, the day before the change
        ("2026-03-29", "07:30", "2026-03-29T05:30:00+00:00"),  # CEST from 02:00 that morning
        ("2026-10-25", "07:30", "2026-10-25T06:30:00+00:00"),  # back to CET
        ("2026-03-29", "02:30", "2026-03-29T01:30:00+00:00"),  # does not exist: 03:30 CEST
        ("2026-10-25", "02:30", "2026-10-25T00:30:00+00:00"),  # twice: the first (CEST) one
    ],
)
def test_local_instant_across_daylight_saving(day: str, wall: str, utc: str) -> None:
    got = local_instant(datetime.fromisoformat(day).date(), time.fromisoformat(wall), BERLIN)
    assert got == datetime.fromisoformat(utc)


def test_daily_slots_keep_local_time_across_the_dst_change() -> None:
    c = cadence(BERLIN)
    after = datetime(2026, 3, 28, 8, tzinfo=BERLIN)
    slot = next_free_slot(PostKind.DAILY, c, after=after, taken=[])
    assert slot.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z") == "2026-03-29 07:30 CEST"


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_free_slot(PostKind.DAILY, cadence(), after=datetime(2026, 1, 1), taken=[])  # noqa: DTZ001


def test_weekday_names() -> None:
    assert weekday_number("Sunday") == 6
    with pytest.raises(ValueError, match="monday"):
        weekday_number("sundae")


def test_format_local() -> None:
    assert format_local(hcm("2026-11-29 19:00"), HCM) == "Sun 2026-11-29 19:00 +07"
    india = ZoneInfo("Asia/Kolkata")
    assert format_local(datetime(2026, 1, 1, tzinfo=UTC), india) == "Thu 2026-01-01 05:30 +05:30"


def test_several_daily_times_fill_in_order() -> None:
    c = cadence(daily="19:30,07:30")
    after = hcm("2026-11-30 08:00")
    first = next_free_slot(PostKind.DAILY, c, after=after, taken=[])
    second = next_free_slot(PostKind.DAILY, c, after=after, taken=[first])
    third = next_free_slot(PostKind.DAILY, c, after=after, taken=[first, second])
    assert (first, second, third) == (
        hcm("2026-11-30 19:30"),
        hcm("2026-12-01 07:30"),
        hcm("2026-12-01 19:30"),
    )


def test_skip_dates_have_no_slots() -> None:
    c = cadence(skip=("2026-12-01", "2026-12-03..2026-12-05"))
    after = hcm("2026-11-30 08:00")
    taken: list[datetime] = []
    for _ in range(3):
        taken.append(next_free_slot(PostKind.DAILY, c, after=after, taken=taken))
    assert taken == [hcm("2026-12-02 07:30"), hcm("2026-12-06 07:30"), hcm("2026-12-07 07:30")]
    weekly = next_free_slot(PostKind.WEEKLY, cadence(skip=("2026-12-06",)), after=after, taken=[])
    assert weekly == hcm("2026-12-13 19:00")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("2026-13-01", "expected a date YYYY-MM-DD"),
        ("Tết", "expected a date"),
        ("2026-12-05..2026-12-01", "ends before it starts"),
        ("2026-01-01..2028-01-01", "longer than a year"),
    ],
)
def test_bad_skip_dates_are_named(entry: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_skip_dates([entry])
