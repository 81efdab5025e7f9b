"""The cadence as a promise: queueing by hand and by CSV, per-channel cadences, pause and
resume, catch-up after downtime, the reserve pool, moving posts, the 14-day board."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot import config as config_module
from bot.storage import db
from bot.storage.db import session_scope
from bot.storage.models import Event
from tests.conftest import Cli

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = """
timezone = "Asia/Ho_Chi_Minh"
[cadence]
daily_at = "07:30"
weekly_day = "sunday"
weekly_at = "19:00"
catch_up_grace = "2h"
[[channels]]
name = "tg"
type = "telegram"
chat_id = "@kenh"
cadence = { daily_at = ["08:00", "20:00"] }
[[channels]]
name = "fb"
type = "facebook"
page_id = "42"
"""


@pytest.fixture
def cli(run_cli: Cli, workdir: Path) -> Cli:
    (workdir / "config.toml").write_text(CONFIG, encoding="utf-8")
    run_cli("init")
    return run_cli


def posts(cli: Cli) -> dict[int, dict[str, Any]]:
    return {p["id"]: p for p in json.loads(cli("queue", "--all", "--json").stdout)}


def dues(post: dict[str, Any]) -> dict[str, datetime]:
    return {p["channel"]: datetime.fromisoformat(p["due_at"]) for p in post["publications"]}


def outbox(workdir: Path) -> list[str]:
    folder = workdir / "outbox"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_each_channel_keeps_its_own_cadence(cli: Cli) -> None:
    for n in range(3):
        cli("queue", "add", "--text", f"Tin số {n}\nNội dung {n}.", "--approved")
    by_channel = [dues(p) for p in posts(cli).values()]
    tg = [d["tg"].astimezone(HCM).strftime("%H:%M") for d in by_channel]
    fb = [d["fb"].astimezone(HCM).strftime("%H:%M") for d in by_channel]
    assert sorted(set(tg)) <= ["08:00", "20:00"] and set(fb) == {"07:30"}
    tg_times = sorted(d["tg"] for d in by_channel)
    fb_times = sorted(d["fb"] for d in by_channel)
    assert len(set(tg_times)) == 3 and len(set(fb_times)) == 3  # never two in one slot
    assert fb_times[1] - fb_times[0] == timedelta(days=1)


def test_pinned_post_goes_out_at_its_instant_and_takes_no_slot(cli: Cli, workdir: Path) -> None:
    at = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    cli(
        "queue",
        "add",
        "--text",
        "Ghim\nBài ghim giờ.",
        "--at",
        at.isoformat(),
        "--channel",
        "fb",
        "--approved",
    )
    cli("queue", "add", "--text", "Thường\nBài thường.", "--channel", "fb", "--approved")
    pinned, regular = posts(cli)[1], posts(cli)[2]
    assert dues(pinned) == {"fb": at}
    slot = dues(regular)["fb"]
    assert slot.astimezone(HCM).strftime("%H:%M") == "07:30"
    assert slot < at + timedelta(days=1)  # the pinned post did not take the next slot
    # The regular post's slot, the next 07:30, comes first between 04:30 and 07:30; it goes
    # out at its own time (a tick over 2 h later would find it missed and move it).
    if slot < at:
        assert "post 2 → fb: sent" in cli("tick", "--at", slot.isoformat()).stdout
    early = cli("tick", "-v", "--at", (at - timedelta(seconds=1)).isoformat())
    assert "post 1 " not in early.stdout and "post 2 " not in early.stdout
    cli("tick", "--at", at.isoformat())
    assert outbox(workdir) == (
        ["post-1-fb.json"] if slot > at else ["post-1-fb.json", "post-2-fb.json"]
    )


def test_queue_add_refuses_bad_input_and_stores_nothing(cli: Cli) -> None:
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases = [
        (["--text", "x", "--file", "f"], "give exactly one of --text or --file"),
        (["--text", "Tin\nNội dung", "--channel", "nope"], "no channel named 'nope'"),
        (["--text", "Tin\nNội dung", "--at", past], "is in the past"),
        (["--text", "   "], "the post has no text"),
        (["--text", "Tin\nNội dung", "--at", "soon"], "not an ISO 8601 instant"),
    ]
    for args, message in cases:
        result = cli("queue", "add", *args, ok=False)
        assert result.exit_code != 0 and message in result.stderr, (args, result.stderr)
    assert posts(cli) == {}


def test_csv_import_is_all_or_nothing_with_the_line_number(cli: Cli, workdir: Path) -> None:
    good = (
        "text,kind,at,channel\n"
        '"Tin một\nNội dung một.",daily,,\n'
        '"Chuyện tuần\nMột câu chuyện đẹp.",weekly,,fb\n'
        '"Tết\nChúc mừng năm mới.",daily,2027-02-17T08:00:00+07:00,tg;fb\n'
    )
    bad = good + '"Sai\nLoại sai.",monthly,,\n'
    (workdir / "bad.csv").write_text(bad, encoding="utf-8")
    result = cli("queue", "import", "bad.csv", "--approved", ok=False)
    assert result.stderr.strip() == (
        "Error: bad.csv line 8: kind must be daily or weekly, got 'monthly'"  # where it starts
    )
    assert posts(cli) == {}
    (workdir / "good.csv").write_text(good, encoding="utf-8")
    assert cli("queue", "import", "good.csv", "--approved").stdout.split() == ["1", "2", "3"]
    imported = posts(cli)
    assert imported[2]["kind"] == "weekly" and set(dues(imported[2])) == {"fb"}
    tet = datetime(2027, 2, 17, 8, tzinfo=HCM)
    assert dues(imported[3]) == {"tg": tet, "fb": tet}
    (workdir / "cols.csv").write_text("body,kind\nx,daily\n", encoding="utf-8")
    assert (
        "the first line must name the columns"
        in cli("queue", "import", "cols.csv", ok=False).stderr
    )


def test_pause_holds_a_channel_and_resume_catches_up(cli: Cli, workdir: Path) -> None:
    cli("queue", "add", "--text", "Tin\nNội dung.", "--approved")
    post = posts(cli)[1]
    fb_due = dues(post)["fb"]
    assert "paused: fb" in cli("pause", "fb").stderr
    assert "already paused" in cli("pause", "fb").stderr
    cli("tick", "--at", (fb_due + timedelta(minutes=1)).isoformat())
    assert "post-1-fb.json" not in outbox(workdir)
    assert "[paused]" in cli("queue").stdout
    assert "resumed: fb" in cli("resume", "fb").stderr
    cli("tick", "--at", (fb_due + timedelta(minutes=2)).isoformat())
    assert "post-1-fb.json" in outbox(workdir)


def test_missed_slots_within_grace_go_out_older_ones_move(cli: Cli, workdir: Path) -> None:
    cli("queue", "add", "--text", "Một\nTin một.", "--channel", "fb", "--approved")
    cli("queue", "add", "--text", "Hai\nTin hai.", "--channel", "fb", "--approved")
    first, second = (dues(posts(cli)[i])["fb"] for i in (1, 2))
    # The worker was down for the first slot, back 1 hour later: it goes out at once.
    result = cli("tick", "--at", (first + timedelta(hours=1)).isoformat())
    assert "post 1 → fb: sent" in result.stdout
    # Down for 3 hours past the second slot: it moves to the next free slot instead.
    late = second + timedelta(hours=3)
    result = cli("tick", "--at", late.isoformat())
    assert "post 2 on fb missed" in result.stderr and "moved to" in result.stderr
    # The admins hear it from the outbox, as when the worker finds it at its start.
    assert caught_up_events() == [f"caught-up:2:fb:{second.astimezone(UTC):%Y%m%dT%H%M}"]
    assert outbox(workdir) == ["post-1-fb.json"]
    moved = dues(posts(cli)[2])["fb"]
    assert moved == second + timedelta(days=1)
    cli("tick", "--at", moved.isoformat())
    assert outbox(workdir) == ["post-1-fb.json", "post-2-fb.json"]


def caught_up_events() -> list[str]:
    engine = db.make_engine(config_module.load().database_url)
    with session_scope(engine) as session:
        events = session.exec(select(Event).where(col(Event.key).startswith("caught-up:")))
        return [e.key for e in events]


def test_reserve_fills_a_slot_that_would_go_empty(cli: Cli, workdir: Path) -> None:
    cli("queue", "add", "--text", "Dự phòng\nBài dự phòng.", "--reserve", "--channel", "fb")
    assert posts(cli)[1]["slot"] is None and "(reserve)" in cli("queue").stdout
    slot = datetime.now(HCM).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=1)
    cli(
        "queue",
        "add",
        "--text",
        "Ghim\nGhim.",
        "--at",
        slot.isoformat(),
        "--channel",
        "fb",
        "--approved",
    )  # pinned posts do not fill the cadence slot
    result = cli("tick", "--at", (slot + timedelta(minutes=5)).isoformat())
    assert "post 1 → fb: sent" in result.stdout and "post 2 → fb: sent" in result.stdout
    assert posts(cli)[1]["status"] == "published"
    assert "nothing due" in cli("tick", "-v", "--at", (slot + timedelta(days=1)).isoformat()).stderr


def test_swap_post_now_and_unapprove(cli: Cli, workdir: Path) -> None:
    for n in (1, 2, 3):
        cli("queue", "add", "--text", f"Tin {n}\nNội dung {n}.", "--channel", "fb", "--approved")
    before = {i: dues(p)["fb"] for i, p in posts(cli).items()}
    cli("queue", "swap", "1")
    after = {i: dues(p)["fb"] for i, p in posts(cli).items()}
    assert (after[1], after[2], after[3]) == (before[2], before[1], before[3])
    assert "is the last scheduled" in cli("queue", "swap", "3", ok=False).stderr
    assert "pending again" in cli("unapprove", "2").stderr
    cli("queue", "add", "--text", "Tin 4\nNội dung 4.", "--channel", "fb", "--approved")
    assert dues(posts(cli)[4])["fb"] == before[1]  # the freed slot is taken again
    cli("queue", "now", "3")
    result = cli("tick")
    assert "post 3 → fb: sent" in result.stdout and outbox(workdir) == ["post-3-fb.json"]
    assert "only a scheduled post" in cli("queue", "now", "3", ok=False).stderr


def test_board_shows_fourteen_days_with_empty_slots(cli: Cli) -> None:
    cli("queue", "add", "--text", "Tin\nNội dung.", "--channel", "fb", "--approved")
    board = cli("queue").stdout
    lines = [line for line in board.splitlines() if line.startswith("  ")]
    board = board.split("\nPosts:\n")[0]
    days = [line for line in board.splitlines()[1:] if not line.startswith("  ")]
    # In the CLI's language (English here, "Th 2 07/12" in Vietnamese).
    weekday = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d/\d\d"
    assert len(days) in (14, 15) and all(re.fullmatch(weekday, d) for d in days)
    # One line per slot and post, its channels listed: the post on fb, the slot empty on tg.
    [post] = [line for line in lines if "#1 Tin" in line]
    assert post.endswith("· fb") and " daily " in post
    tg_daily = [line for line in lines if line.endswith("· tg") and " daily " in line]
    assert len(tg_daily) in (28, 29, 30) and all("(empty)" in line for line in tg_daily)
    assert board.splitlines()[0].startswith("Slots of the next 14 days (")


SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def test_empty_slot_tomorrow_gets_a_draft_and_one_warning(workdir: Path) -> None:
    from tests.fakes.telegram import FakeTelegram

    admin, officer = 111, 333
    with FakeTelegram() as tg:
        tg.add_user(admin, "Lan")
        tg.add_user(officer, "Hùng")
        (workdir / "config.toml").write_text(
            f'[telegram]\napi_url = "{tg.api_url}"\nadmins = [{admin}]\nofficers = [{officer}]\n'
            '[[channels]]\nname = "fb"\ntype = "facebook"\npage_id = "42"\n',
            encoding="utf-8",
        )
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        cli("recap", "add", str(SAMPLE))
        # The approval below runs on the real clock, so "tomorrow" is the next 07:30 to come
        # and the warning runs the evening before it (in the past after midnight).
        now = datetime.now(HCM)
        tomorrow_slot = now.replace(hour=7, minute=30, second=0, microsecond=0)
        if tomorrow_slot <= now:
            tomorrow_slot += timedelta(days=1)
        evening = (tomorrow_slot - timedelta(days=1)).replace(hour=18, minute=0)
        # Tomorrow's daily slot is empty: a draft goes to the admin, a warning to both.
        result = cli("warn", "--at", evening.isoformat())
        assert "warned:" in result.stderr
        request, warning = tg.messages(admin)
        assert request["plain_text"].startswith("📝 Bản nháp #1")
        assert "Ngày mai còn khung giờ chưa có bài" in warning["plain_text"]
        assert "07:30" in warning["plain_text"] and "#1" in warning["plain_text"]
        # The Page by the name people know (the config's until `check` asks), linked.
        assert " · fb · " in warning["plain_text"]
        links = [e["url"] for e in warning["entities"] if e["type"] == "text_link"]
        assert links == ["https://www.facebook.com/42"]
        [officer_warning] = tg.messages(officer)
        assert officer_warning["plain_text"] == warning["plain_text"]
        # The same empty slot is warned about once, however often the check runs.
        assert "warned about already" in cli("warn", "--at", evening.isoformat()).stderr
        assert len(tg.messages(admin)) == 2
        # Once approved, the draft fills the slot.
        cli("approve", "1")
        [post] = json.loads(cli("queue", "--json").stdout)
        assert datetime.fromisoformat(post["slot"]) == tomorrow_slot


@pytest.mark.parametrize("policy", ["reserve", "skip"])
def test_unanswered_draft_policy(run_cli: Cli, workdir: Path, policy: str) -> None:
    (workdir / "config.toml").write_text(
        f'[cadence]\nunanswered = "{policy}"\n'
        '[[channels]]\nname = "fb"\ntype = "facebook"\npage_id = "42"\n',
        encoding="utf-8",
    )
    run_cli("init")
    run_cli("queue", "add", "--text", "Dự phòng\nBài dự phòng.", "--reserve")
    run_cli("queue", "add", "--text", "Nháp\nBản nháp chưa ai duyệt.")  # left pending
    slot = datetime.now(HCM).replace(hour=7, minute=30, second=0, microsecond=0) + timedelta(days=1)
    result = run_cli("tick", "-v", "--at", (slot + timedelta(minutes=1)).isoformat())
    sent = outbox(workdir)
    assert "post-2-fb.json" not in sent  # an unapproved draft never goes out
    if policy == "reserve":
        assert sent == ["post-1-fb.json"] and "post 1 → fb: sent" in result.stdout
    else:
        assert sent == [] and "nothing due" in result.stderr


def test_stats_count_published_posts_and_the_cadence_kept(cli: Cli, workdir: Path) -> None:
    from bot.config import load
    from bot.services import queries
    from bot.storage import db
    from bot.storage.db import session_scope

    for n in (1, 2):
        cli("queue", "add", "--text", f"Tin {n}\nNội dung {n}.", "--channel", "fb", "--approved")
    first = dues(posts(cli)[1])["fb"]
    cli("tick", "--at", first.isoformat())
    engine = db.make_engine(load(None, environ={}).database_url)
    with session_scope(engine) as session:
        later = queries.stats(
            session, load(None, environ={}), now=first + timedelta(days=1, hours=1)
        )
    assert later.published_month + later.published_week >= 1
    # Two fb slots have passed by then: one filled (post 1), one missed (post 2 not sent);
    # tg's two daily slots a day passed empty too.
    assert later.kept_week is not None and 0 < later.kept_week < 50
