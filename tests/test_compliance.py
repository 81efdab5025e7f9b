"""The compliance arithmetic, on plain records: expected days, published days and weeks,
streaks, and the reason of each miss, including daylight saving time and skip dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Config, Secrets, parse_settings
from bot.domain.compliance import (
    Outcome,
    Paused,
    PauseEvent,
    Reason,
    Rejection,
    RotationShare,
    UnitCompliance,
    UnitHistory,
    by_rotation,
    compliance,
    pause_intervals,
    rotation_share,
)
from bot.domain.posts import PostKind
from bot.domain.posts import PublicationStatus as S
from bot.domain.slots import Cadence, local_instant

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
LATER = datetime(2030, 1, 1, tzinfo=UTC)  # every slot of the tests has come by then
DAILY, WEEKLY = PostKind.DAILY, PostKind.WEEKLY


def cadence(
    tz: ZoneInfo = HCM,
    daily: tuple[time, ...] = (time(7, 30),),
    weekly_day: int = 6,
    skip: frozenset[date] = frozenset(),
) -> Cadence:
    return Cadence(tz, daily, weekly_day, time(19), skip)


def run(
    start: date,
    end: date,
    *,
    outcomes: tuple[Outcome, ...] = (),
    rejections: tuple[Rejection, ...] = (),
    pauses: tuple[Paused, ...] = (),
    plan: Cadence | None = None,
    now: datetime = LATER,
) -> UnitCompliance:
    unit = UnitHistory(
        id="cnvc",
        name="Khối Công nhân viên chức",
        cadence=plan or cadence(),
        channels=frozenset({"cnvc-tg"}),
        outcomes=outcomes,
        rejections=rejections,
        pauses=pauses,
    )
    return compliance(unit, start=start, end=end, now=now)


def sent(day: date, at: time = time(7, 30), tz: ZoneInfo = HCM, kind: PostKind = DAILY) -> Outcome:
    return Outcome(kind, S.SENT, local_instant(day, at, tz), "cnvc-tg")


MON = date(2026, 3, 2)  # a Monday
WEEK = [MON + timedelta(days=n) for n in range(7)]


def test_a_week_all_published_is_a_streak_of_seven() -> None:
    result = run(MON, WEEK[-1], outcomes=tuple(sent(d) for d in WEEK))
    assert (result.days_expected, result.days_published, result.streak) == (7, 7, 7)
    assert result.longest_streak == 7
    assert [(m.date, m.kind, m.reason) for m in result.misses] == [(WEEK[-1], WEEKLY, Reason.EMPTY)]
    assert (result.weekly_expected, result.weekly_published) == (1, 0)


def test_streak_ends_at_the_last_day_and_the_longest_run_is_kept() -> None:
    kept = [WEEK[0], WEEK[1], WEEK[2], WEEK[4], WEEK[5]]
    result = run(MON, WEEK[-1], outcomes=tuple(sent(d) for d in kept))
    assert (result.streak, result.longest_streak) == (0, 3)
    result = run(MON, WEEK[5], outcomes=tuple(sent(d) for d in kept))
    assert (result.streak, result.longest_streak) == (2, 3)


def test_skip_dates_are_not_expected_and_do_not_break_a_streak() -> None:
    plan = cadence(skip=frozenset({WEEK[2], WEEK[6]}))  # a Wednesday and the Sunday
    outcomes = tuple(sent(d) for d in WEEK if d not in plan.skip)
    result = run(MON, WEEK[-1], outcomes=outcomes, plan=plan)
    assert (result.days_expected, result.days_published, result.streak) == (5, 5, 5)
    assert result.weekly_expected == 0  # the weekly slot falls on a skipped day
    assert result.misses == ()


def test_an_empty_period_and_a_period_backwards() -> None:
    only_skipped = run(WEEK[2], WEEK[2], plan=cadence(skip=frozenset({WEEK[2]})))
    assert (only_skipped.days_expected, only_skipped.streak, only_skipped.misses) == (0, 0, ())
    with pytest.raises(ValueError, match="after it ends"):
        run(WEEK[3], WEEK[2])


def test_slots_still_to_come_are_not_expected() -> None:
    now = local_instant(WEEK[3], time(7), HCM)  # Thursday, before its 07:30 slot
    result = run(MON, WEEK[-1], outcomes=tuple(sent(d) for d in WEEK[:3]), now=now)
    assert (result.days_expected, result.streak, result.weekly_expected) == (3, 3, 0)
    assert result.misses == ()


def test_the_local_date_counts_not_the_utc_one() -> None:
    # 00:30 in Ho Chi Minh City is 17:30 UTC the day before.
    plan = cadence(daily=(time(0, 30),))
    out = sent(WEEK[1], time(0, 30))
    assert out.due_at.astimezone(UTC).date() == WEEK[0]
    result = run(WEEK[0], WEEK[1], outcomes=(out,), plan=plan)
    assert [d.published for d in result.days] == [False, True]


@pytest.mark.parametrize(
    ("day", "at"),
    [
        (date(2026, 3, 29), time(2, 30)),  # spring forward: 02:30 does not exist in Berlin
        (date(2026, 10, 25), time(2, 30)),  # fall back: 02:30 happens twice
        (date(2026, 3, 29), time(23, 30)),  # late evening, after the jump
    ],
)
def test_daylight_saving_days_count_once_on_their_own_date(day: date, at: time) -> None:
    plan = cadence(tz=BERLIN, daily=(at,))
    out = sent(day, at, BERLIN)
    result = run(day - timedelta(days=1), day + timedelta(days=1), outcomes=(out,), plan=plan)
    assert [(d.date, d.published) for d in result.days] == [
        (day - timedelta(days=1), False),
        (day, True),
        (day + timedelta(days=1), False),
    ]


def test_two_slots_a_day_one_post_keeps_the_day() -> None:
    plan = cadence(daily=(time(7, 30), time(19, 30)))
    result = run(MON, MON, outcomes=(sent(MON, time(19, 30)),), plan=plan)
    assert (result.days_expected, result.days_published) == (1, 1)


def test_a_weekly_story_counts_for_its_iso_week() -> None:
    saturday = sent(WEEK[5], time(19), kind=WEEKLY)  # went out a day early
    result = run(MON, WEEK[-1] + timedelta(days=7), outcomes=(saturday,))
    assert [(w.date, w.published) for w in result.weeks] == [
        (WEEK[6], True),
        (WEEK[6] + timedelta(days=7), False),
    ]


def test_failed_outranks_rejected_and_unknown_counts_as_failed() -> None:
    failed = Outcome(DAILY, S.FAILED, local_instant(WEEK[0], time(7, 30), HCM), "cnvc-tg")
    unknown = Outcome(DAILY, S.UNKNOWN, local_instant(WEEK[1], time(7, 30), HCM), "cnvc-tg")
    reject = Rejection(DAILY, local_instant(WEEK[0], time(6), HCM))
    result = run(WEEK[0], WEEK[1], outcomes=(failed, unknown), rejections=(reject,))
    assert [m.reason for m in result.misses] == [Reason.FAILED, Reason.FAILED]


def test_a_rejection_counts_the_day_before_up_to_the_slot() -> None:
    evening_before = Rejection(DAILY, local_instant(WEEK[1], time(20), HCM))
    result = run(WEEK[0], WEEK[3], rejections=(evening_before,))
    # Monday: empty (nothing rejected before its slot); Tuesday: its slot had passed when
    # the draft was rejected at 20:00, so empty; Wednesday: rejected the evening before;
    # Thursday: two days later, empty.
    assert [m.reason for m in result.misses] == [
        Reason.EMPTY,
        Reason.EMPTY,
        Reason.REJECTED,
        Reason.EMPTY,
    ]
    weekly = Rejection(WEEKLY, local_instant(WEEK[3], time(9), HCM))
    story = run(MON, WEEK[-1] + timedelta(days=7), rejections=(weekly,))
    assert [(m.date, m.reason) for m in story.misses if m.kind is WEEKLY] == [
        (WEEK[6], Reason.REJECTED),
        (WEEK[6] + timedelta(days=7), Reason.EMPTY),  # last week's rejection is not this one's
    ]


def test_paused_outranks_everything_and_only_the_units_channels_count() -> None:
    start = local_instant(WEEK[0], time(20), HCM)
    end = local_instant(WEEK[2], time(20), HCM)
    pause = Paused("cnvc-tg", start, end)
    other = Paused("org-tg", None, None)  # another unit's channel, paused all along
    failed = Outcome(DAILY, S.FAILED, local_instant(WEEK[1], time(7, 30), HCM), "cnvc-tg")
    result = run(WEEK[0], WEEK[3], outcomes=(failed,), pauses=(pause, other))
    assert [m.reason for m in result.misses] == [
        Reason.EMPTY,
        Reason.PAUSED,
        Reason.PAUSED,
        Reason.EMPTY,
    ]


def test_pauses_from_the_audit_log_and_the_current_state() -> None:
    t = [datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=n) for n in range(6)]
    events = [
        PauseEvent("a", t[0], paused=True),
        PauseEvent("a", t[1], paused=True),  # paused twice: one interval
        PauseEvent("a", t[2], paused=False),
        PauseEvent("b", t[1], paused=False),  # resumed from a pause before the log: ignored
        PauseEvent("c", t[3], paused=True),  # still paused
    ]
    found = pause_intervals(events, paused_now={"c": t[3], "d": t[4]})
    assert sorted(found, key=lambda p: p.channel) == [
        Paused("a", t[0], t[2]),
        Paused("c", t[3], None),
        Paused("d", t[4], None),  # paused with no audit entry: since its state changed
    ]
    assert Paused("a", t[0], t[2]).covers(t[1]) and not Paused("a", t[0], t[2]).covers(t[2])


CONFIG = """
[cadence]
daily_at = "07:30"
weekly_day = "sunday"
skip_dates = ["2026-02-17"]
[[channels]]
name = "cnvc-tg"
type = "telegram"
chat_id = "@cnvc"
cadence = { daily_at = "06:00", weekly_day = "friday" }
[[units]]
id = "cnvc"
name = "Khối Công nhân viên chức"
channels = ["cnvc-tg"]
cadence = { weekly_day = "saturday", skip_dates = [] }
[[units]]
id = "phuong"
name = "Đoàn phường"
"""


def test_a_units_cadence_is_its_table_over_the_organisations() -> None:
    settings = parse_settings(CONFIG, source="test")
    config = Config(settings, Secrets(None, None), path=None, database_url="sqlite://")
    unit = config.cadence_for_unit("cnvc")
    assert (unit.daily_at, unit.weekly_day, unit.skip) == ((time(7, 30),), 5, frozenset())
    org = config.cadence_for_unit("phuong")
    assert (org.weekly_day, org.skip) == (6, frozenset({date(2026, 2, 17)}))
    assert config.cadence_for_unit(None) == config.cadence
    # The channel's own table is the channel's, not the unit's promise.
    assert config.cadence_for("cnvc-tg").daily_at == (time(6),)


def test_a_units_share_of_the_rotation_counts_each_post_once_on_the_shared_channels() -> None:
    """Featured: posts of the unit sent on the organisation's channels with their slot in the
    period, one post on two channels at one slot once; a failed one or one on the unit's
    own channel is no turn."""
    shared = frozenset({"org-tg", "org-fb"})

    def at(day: int, hour: int = 7) -> datetime:
        return local_instant(date(2026, 3, day), time(hour, 30), HCM)

    outcomes = [
        Outcome(DAILY, S.SENT, at(2), "org-tg"),
        Outcome(DAILY, S.SENT, at(2), "org-fb"),  # the same post on the Page
        Outcome(WEEKLY, S.SENT, at(8, 19), "org-tg"),
        Outcome(DAILY, S.FAILED, at(4), "org-tg"),
        Outcome(DAILY, S.SENT, at(5), "own-tg"),
        Outcome(DAILY, S.SENT, at(1), "org-tg"),  # before the period
    ]
    share = rotation_share(
        outcomes,
        channels=shared,
        tz=HCM,
        start=date(2026, 3, 2),
        end=date(2026, 3, 15),
        today=date(2026, 3, 12),  # the period runs on: days since count to today
        last_featured=at(8, 19),
        recaps_waiting=0,
    )
    assert share == RotationShare(
        featured=2, last_featured=date(2026, 3, 8), days_since=4, recaps_waiting=0
    )
    assert not share.idle
    never = rotation_share(
        [],
        channels=shared,
        tz=HCM,
        start=date(2026, 3, 2),
        end=date(2026, 3, 8),
        today=date(2026, 3, 20),
        last_featured=None,
        recaps_waiting=0,
    )
    assert (never.featured, never.last_featured, never.days_since, never.idle) == (
        0,
        None,
        None,
        True,
    )
    unit = by_rotation("a", "Đơn vị A", start=date(2026, 3, 2), end=date(2026, 3, 8), share=share)
    assert (unit.judged_by.value, unit.expected, unit.days_expected, unit.misses) == (
        "rotation",
        False,
        0,
        (),
    )
