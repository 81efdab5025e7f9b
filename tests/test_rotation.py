"""Fair rotation: the organisation's channels feature the units in turn, and the admins see
why a draft's unit was chosen ("last featured 12 days ago") in their own language."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from bot.chat.texts import texts_for
from bot.config import Config, Secrets, parse_settings
from bot.domain.posts import PostKind, PostStatus
from bot.domain.rotation import Candidate, Reason, pick_daily, pick_weekly
from bot.services import decisions, drafter
from bot.storage import db, people_rows, post_rows, recap_rows
from bot.storage.db import session_scope
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # a Sunday
UNITS = ["a", "b", "c", None]  # None: the organisation's own recaps, one more "unit"


def candidate(recap_id: int, unit: str | None, days: float = 0, score: float = 0.0) -> Candidate:
    return Candidate(recap_id, unit, T0 + timedelta(days=days), score)


# -- the rules, pure -----------------------------------------------------------------------


def simulate_weeks(
    submissions: list[list[tuple[str | None, float]]],
) -> list[tuple[str | None, set[str | None]]]:
    """Each week: the units' new recaps (unit, story score) join the unused ones of the last
    7 days; the rotation picks one and features its unit. Returns (chosen unit, units that
    had a fresh recap waiting) per week."""
    unused: list[Candidate] = []
    featured: dict[str | None, datetime] = {}
    weeks: list[tuple[str | None, set[str | None]]] = []
    next_id = 1
    for week, new in enumerate(submissions):
        now = T0 + timedelta(weeks=week)
        for offset, (unit, score) in enumerate(new):
            created = now - timedelta(days=6) + timedelta(hours=offset)
            unused.append(Candidate(next_id, unit, created, score))
            next_id += 1
        fresh = [c for c in unused if c.created_at >= now - timedelta(days=7)]
        choice = pick_weekly(fresh, featured)
        if choice is None:
            weeks.append((None, set()))
            continue
        [chosen] = [c for c in fresh if c.recap_id == choice.recap_id]
        assert choice.reason.unit == chosen.unit
        assert choice.reason.last_featured == featured.get(chosen.unit)
        assert choice.reason.waiting == len({c.unit for c in fresh} - {chosen.unit})
        weeks.append((chosen.unit, {c.unit for c in fresh}))
        unused.remove(chosen)
        featured[chosen.unit] = now
    return weeks


def test_ten_weeks_with_four_units_no_unit_twice_in_a_row_while_another_waits() -> None:
    rng = random.Random(7)
    submissions: list[list[tuple[str | None, float]]] = []
    for week in range(10):
        new: list[tuple[str | None, float]] = [("a", 5 + rng.random()) for _ in range(3)]
        new.append(("b", rng.random()))  # b writes once a week, weaker stories than a's
        if week % 2 == 0:
            new.append(("c", rng.random()))
        if week % 3 == 0:
            new.append((None, rng.random()))
        submissions.append(new)
    weeks = simulate_weeks(submissions)
    chosen = [unit for unit, _ in weeks]
    for (before, _), (after, waiting) in pairwise(weeks):
        assert after != before or waiting == {before}, chosen
    # The prolific unit with the best stories does not take the channel over: everyone who
    # wrote gets turns (c and the organisation write less often, so they feature less).
    counts = Counter(chosen)
    assert counts["a"] <= 4 and counts["b"] >= 2 and counts["c"] >= 2 and counts[None] >= 1
    assert chosen == ["a", "b", "c", None, "a", "b", "c", "a", "b", None]


def test_a_unit_alone_with_fresh_recaps_may_follow_itself() -> None:
    weeks = simulate_weeks([[("a", 1.0)], [("a", 1.0)], [("a", 1.0), ("b", 0.1)]])
    assert [unit for unit, _ in weeks] == ["a", "a", "b"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from(UNITS), st.floats(0, 10)), max_size=6),
        min_size=2,
        max_size=12,
    )
)
def test_the_weekly_rotation_rules_hold_for_any_submissions(
    submissions: list[list[tuple[str | None, float]]],
) -> None:
    weeks = simulate_weeks(submissions)
    last: dict[str | None, int] = {}
    previous: str | int | None = -1  # no story yet
    for week, (unit, waiting) in enumerate(weeks):
        if not waiting:
            continue
        assert unit in waiting
        if waiting != {previous}:
            assert unit != previous  # never twice in a row while another waits
            others = waiting - {previous}
            # ... and the unit featured longest ago among the others (never: first).
            assert last.get(unit, -1) == min(last.get(u, -1) for u in others)
        last[unit], previous = week, unit


def test_the_weekly_story_is_the_best_of_the_chosen_units_recaps() -> None:
    featured: dict[str | None, datetime] = {
        "a": T0 - timedelta(days=7),
        "b": T0 - timedelta(days=21),
    }
    candidates = [
        candidate(1, "a", score=9.0),  # a's is the best story, but b waited longer
        candidate(2, "b", days=-1, score=1.0),
        candidate(3, "b", days=-3, score=2.0),
        candidate(4, "b", days=-2, score=2.0),  # the newest of b's best two
    ]
    choice = pick_weekly(candidates, featured)
    assert choice is not None and choice.recap_id == 4
    assert choice.reason == Reason("b", T0 - timedelta(days=21), waiting=1)


def test_never_featured_units_come_first_and_tie_on_the_best_story() -> None:
    featured: dict[str | None, datetime] = {"a": T0 - timedelta(days=300)}
    candidates = [
        candidate(1, "a", score=9),
        candidate(2, "b", score=1),
        candidate(3, None, score=2),
    ]
    choice = pick_weekly(candidates, featured)
    assert choice is not None and choice.recap_id == 3
    assert choice.reason == Reason(None, None, waiting=2)
    assert pick_weekly([], featured) is None and pick_daily([], featured) is None


def test_the_daily_post_prefers_the_unit_featured_longest_ago_then_its_newest_recap() -> None:
    featured = {
        "a": T0 - timedelta(days=1),
        "b": T0 - timedelta(days=12),
        "c": T0 - timedelta(days=12),
        None: T0 - timedelta(days=3),
    }
    candidates = [
        candidate(1, "a", days=0),  # the newest recap, but a was featured yesterday
        candidate(2, "b", days=-5),
        candidate(3, "c", days=-2),  # b and c tie at 12 days: the newest of theirs
        candidate(4, "c", days=-9),
        candidate(5, None, days=-1),
    ]
    choice = pick_daily(candidates, featured)
    assert choice is not None and choice.recap_id == 3
    assert choice.reason == Reason("c", T0 - timedelta(days=12), waiting=3)
    # A unit never featured goes before all of them.
    choice = pick_daily([*candidates, candidate(6, "d", days=-30)], featured)
    assert choice is not None and choice.reason == Reason("d", None, waiting=4)


# -- through the services and the database ----------------------------------------------------

UNITS_TOML = "".join(f'[[units]]\nid = "{u}"\nname = "Unit {u.upper()}"\n' for u in "abc")
ORG_CHANNEL = '[[channels]]\nname = "org-tg"\ntype = "telegram"\nchat_id = "@org"\n'


def make_config(url: str, extra: str = "") -> Config:
    settings = parse_settings(ORG_CHANNEL + extra, source="test")
    return Config(settings, Secrets(None, None), None, url)


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    return engine


def add_recap(engine: Engine, unit: str | None, created: datetime, title: str) -> int:
    with session_scope(engine) as session:
        recap = recap_rows.add_recap(
            session,
            title=title,
            text="Sáng nay, 50 đoàn viên dọn sạch con hẻm.",
            cleaned="Sáng nay, 50 đoàn viên dọn sạch con hẻm.",
            source_url=None,
            source_name="test",
            unit=unit,
        )
        recap.created_at = created
        session.add(recap)
        session.flush()
        assert recap.id is not None
        return recap.id


def test_the_organisations_weekly_story_rotates_through_draft_and_approve(
    engine: Engine, database_url: str
) -> None:
    config = make_config(database_url, UNITS_TOML)
    chosen: list[str | None] = []
    for week in range(10):
        now = T0 + timedelta(weeks=week)
        for i in range(3):  # unit a writes three recaps a week, the others one
            add_recap(engine, "a", now - timedelta(days=1, hours=i), f"A {week}.{i}")
        for hours, unit in enumerate((None, "c", "b")):  # never featured: the newest first
            add_recap(engine, unit, now - timedelta(days=2, hours=-hours), f"{unit} {week}")
        with session_scope(engine) as session:
            post = drafter.draft(
                session, config, kind=PostKind.WEEKLY, recap_id=None, now=now, unit=None
            )
            assert post.id is not None and post.rotation_waiting == 3
            decisions.approve(session, config, post_id=post.id, by=None, now=now)
            chosen.append(post.unit)
    assert chosen == ["a", "b", "c", None] * 2 + ["a", "b"]
    with session_scope(engine) as session:
        featured = recap_rows.last_featured(session, kind=PostKind.WEEKLY)
        assert set(featured) == {"a", "b", "c", None}
        assert all(at.tzinfo is not None for at in featured.values())
        assert recap_rows.last_featured(session, kind=PostKind.DAILY) == {}


def test_only_approved_posts_for_the_organisation_count_as_featured(
    engine: Engine, database_url: str
) -> None:
    config = make_config(database_url, UNITS_TOML + '[[units]]\nid = "d"\nname = "D"\n')
    now = T0
    for unit in ("a", "b", "c", "d"):
        add_recap(engine, unit, now - timedelta(days=1), f"old {unit}")
    with session_scope(engine) as session:
        made = {}
        for unit in ("a", "b", "c", "d"):
            [recap] = recap_rows.unused_recaps(
                session, kind=PostKind.DAILY, since=now - timedelta(days=9), unit=unit
            )
            made[unit] = drafter.draft(
                session, config, kind=PostKind.DAILY, recap_id=recap.id, now=now
            )
        approved = decisions.approve(session, config, post_id=made["a"].id, by=None, now=now)
        decisions.reject(session, post_id=made["b"].id, by=None, now=now)  # rejected
        # c: still pending; d: drafted for its own channels is not the organisation's.
        own = post_rows.get_post(session, post_id=made["d"].id)
        own.audience = "d"
        session.add(own)
        featured = recap_rows.last_featured(session, kind=PostKind.DAILY)
        assert set(featured) == {"a"}
        assert approved.post.slot is not None and featured["a"] == approved.post.slot


def test_without_units_drafting_is_unchanged(engine: Engine, database_url: str) -> None:
    config = make_config(database_url)
    add_recap(engine, None, T0 - timedelta(days=2), "older")
    newest = add_recap(engine, None, T0 - timedelta(days=1), "newer")
    with session_scope(engine) as session:
        post = drafter.draft(session, config, kind=PostKind.DAILY, recap_id=None, now=T0)
        assert (post.recap_id, post.rotation_waiting, post.rotation_last_featured) == (
            newest,
            None,
            None,
        )


# -- the approval request says why, in each admin's language ----------------------------------

ANN, LAN = 5201, 5202


def test_the_approval_request_explains_the_rotation_in_english_and_vietnamese(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        tg.add_user(ANN, "Ann", language_code="en")
        tg.add_user(LAN, "Lan", language_code="vi")
        (workdir / "config.toml").write_text(
            f'[telegram]\napi_url = "{tg.api_url}"\nadmins = [{ANN}, {LAN}]\n'
            + ORG_CHANNEL
            + '[[units]]\nid = "cnvc"\nname = "Khối Công nhân viên chức"\n'
            + '[[units]]\nid = "phuong"\nname = "Đoàn phường"\n',
            encoding="utf-8",
        )
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        engine = db.make_engine("sqlite:///goodnews.db")
        now = datetime.now(UTC)
        # Featured before: cnvc 12 days ago, phuong 3 days ago (published daily posts).
        for unit, days in (("cnvc", 12), ("phuong", 3)):
            recap_id = add_recap(engine, unit, now - timedelta(days=days + 1), f"Cũ {unit}")
            with session_scope(engine) as session:
                post = post_rows.add_post(
                    session,
                    kind=PostKind.DAILY,
                    title=f"Cũ {unit}",
                    body="Đã đăng.",
                    link=None,
                    hashtags=(),
                    recap_id=recap_id,
                    unit=unit,
                )
                post.status, post.slot = PostStatus.PUBLISHED, now - timedelta(days=days)
                session.add(post)
        add_recap(engine, "cnvc", now - timedelta(hours=5), "Công nhân viên chức hiến máu")
        add_recap(engine, "phuong", now - timedelta(hours=1), "Đoàn phường trồng cây")
        with session_scope(engine) as session:  # the admins' languages, as their apps said
            people_rows.remember_language(session, user_id=ANN, language_code="en-US")
            people_rows.remember_language(session, user_id=LAN, language_code="vi")

        # phuong's recap is the newest, but cnvc waited longer: cnvc is featured.
        drafted = cli("draft")
        assert "fair rotation: cnvc's turn, last featured " in drafted.stderr
        assert "1 other unit(s) waiting" in drafted.stderr
        [to_ann] = tg.messages(ANN)
        [to_lan] = tg.messages(LAN)
        assert to_ann["plain_text"].splitlines()[2] == (
            "🔄 Khối Công nhân viên chức: last featured 12 days ago · 1 other unit waiting"
        )
        assert to_lan["plain_text"].splitlines()[2] == (
            "🔄 Khối Công nhân viên chức: lần gần nhất lên kênh chung cách đây 12 ngày"
            " · 1 đơn vị khác đang chờ"
        )
        assert "Công nhân viên chức hiến máu" in to_ann["plain_text"]

        # An explicit recap is the admins' own choice: no rotation line.
        cli("draft", "--kind", "weekly", "--recap", "1")
        assert not any("🔄" in m["plain_text"] for m in tg.messages(ANN)[1:])


def test_the_rotation_line_in_each_case() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    en, vi = texts_for("en", tz), texts_for("vi", tz)
    at = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi
    assert en.rotation_line("A & B", None, 0, at) == "🔄 A &amp; B: never featured yet"
    assert vi.rotation_line("Tổ chức", None, 0, at) == "🔄 Tổ chức: chưa từng lên kênh chung"
    assert en.rotation_line("X", at - timedelta(hours=2), 0, at) == "🔄 X: last featured today"
    # 23:00 the evening before, local time: one day ago, though not 24 hours.
    assert en.rotation_line("X", at - timedelta(hours=11), 2, at) == (
        "🔄 X: last featured 1 day ago · 2 other units waiting"
    )
    assert en.rotation_line("X", at + timedelta(days=2), 1, at) == (
        "🔄 X: already scheduled to be featured at 10:00, Tuesday 1 Dec 2026 (GMT+7)"
        " · 1 other unit waiting"
    )
