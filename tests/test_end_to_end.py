"""The whole product on the real libraries: recap → draft → admin approves in Telegram chat →
the post reaches a Telegram channel and a Facebook Page at its slot.

python-telegram-bot and facebook-sdk talk HTTP to the fake Bot API and Graph API servers in
``tests/fakes``; the worker is a real ``goodnews run`` process. Every test runs on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bot.storage import db
from bot.storage.models import Publication
from tests import running
from tests.conftest import Cli
from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram

ADMIN, OTHER_ADMIN, STRANGER = 111111111, 222222222, 999999999
CHANNEL_ID, CHANNEL = -1001234567890, "goodnews_vn"
PAGE_ID, PAGE_TOKEN = "1029384756", "EAAGtestpagetoken"

RECAP = """Tuổi trẻ phường Hồ Tây trao 50 suất quà & học bổng “Tết ấm”
08:15 | 28/11/2026
TNTĐ - Sáng 28/11, Đoàn Thanh niên phường Hồ Tây trao 50 suất quà và học bổng cho học sinh \
có hoàn cảnh khó khăn.
Toàn cảnh buổi trao quà
Mỗi suất gồm sách vở, áo ấm và 500.000 đồng cho các em có điểm trung bình > 8,0.
Chị Nguyễn Thu Hà, Bí thư Đoàn phường, cho biết chương trình sẽ được duy trì hằng năm.
Minh Anh
Bản quyền thuộc Tin Nắng Thủ Đô
"""
URL = "https://tinnang.example/tet-am?a=1&b=2"

#: The lead says it all: a daily post is one or two sentences, a second only if it adds more
#: than the reader's jump costs.
BODY = (
    "Sáng 28/11, Đoàn Thanh niên phường Hồ Tây trao 50 suất quà và học bổng cho học sinh có "
    "hoàn cảnh khó khăn."
)
#: Exactly what the channel must receive: Telegram HTML, escaped, bold title.
EXPECTED_TELEGRAM = (
    "<b>Tuổi trẻ phường Hồ Tây trao 50 suất quà &amp; học bổng “Tết ấm”</b>\n\n"
    + BODY.replace(">", "&gt;")
    + "\n\nhttps://tinnang.example/tet-am?a=1&amp;b=2\n\n#MoiNgayMotTinTot"
)
#: Exactly what the Page feed must receive: plain text, no markup.
EXPECTED_FACEBOOK = (
    "Tuổi trẻ phường Hồ Tây trao 50 suất quà & học bổng “Tết ấm”\n\n"
    + BODY
    + f"\n\n{URL}\n\n#MoiNgayMotTinTot"
)


@dataclass
class World:
    tg: FakeTelegram
    graph: FakeGraph
    cli: Cli
    env: dict[str, str]
    folder: Path
    database_url: str

    def queue(self) -> list[dict[str, Any]]:
        return json.loads(self.cli("queue", "--all", "--json").stdout)  # type: ignore[no-any-return]

    def post(self, post_id: int) -> dict[str, Any]:
        return next(p for p in self.queue() if p["id"] == post_id)


@pytest.fixture
def world(workdir: Path, database_url: str) -> Iterator[World]:
    with FakeTelegram() as tg, FakeGraph() as graph:
        tg.add_user(ADMIN, "Lan", username="lan_admin")
        tg.add_user(OTHER_ADMIN, "Minh")
        tg.add_user(STRANGER, "Mallory")
        tg.add_channel(CHANNEL_ID, CHANNEL, "Tin tốt mỗi ngày")
        graph.add_page(PAGE_ID, PAGE_TOKEN, name="Tin tốt")
        (workdir / "config.toml").write_text(
            f"""
timezone = "Asia/Ho_Chi_Minh"
database_url = "sqlite:///ignored-because-DATABASE_URL-is-set.db"

[telegram]
api_url = "{tg.api_url}"
admins = [{ADMIN}, {OTHER_ADMIN}]
poll_timeout = 2

[facebook]
graph_url = "{graph.graph_url}"
api_version = "v24.0"
timeout = 5.0

[cadence]
daily_at = "07:30"
weekly_day = "sunday"
weekly_at = "19:00"

[[channels]]
name = "telegram-main"
type = "telegram"
chat_id = "@{CHANNEL}"

[[channels]]
name = "facebook-main"
type = "facebook"
page_id = "{PAGE_ID}"
""",
            encoding="utf-8",
        )
        env = {
            "TELEGRAM_BOT_TOKEN": tg.token,
            "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN,
            "DATABASE_URL": database_url,
        }
        cli = Cli(env)
        cli("init")
        (workdir / "recap.txt").write_text(RECAP, encoding="utf-8")
        yield World(tg, graph, cli, env, workdir, database_url)


class Worker:
    """``goodnews run`` as its own process, as a host would start it."""

    def __init__(self, world: World) -> None:
        env = {**os.environ, **world.env, "PYTHONUNBUFFERED": "1"}
        self.log = world.folder / "worker.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=world.folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self, timeout: float = 20.0) -> int:
        """Ctrl-C, as a person would press it; the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)


@pytest.fixture
def start_worker(world: World) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(world)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait()


def test_recap_to_channel_and_page_through_admin_approval_in_chat(
    world: World, start_worker: Callable[[], Worker]
) -> None:
    tg, graph, cli = world.tg, world.graph, world.cli
    assert cli("recap", "add", "recap.txt", "--url", URL).stdout.strip() == "1"
    drafted = cli("draft")
    assert drafted.stdout.strip() == "1"

    # Every admin gets the post exactly as it will look, its slot, and the two buttons.
    [request] = tg.messages(ADMIN)
    assert len(tg.messages(OTHER_ADMIN)) == 1
    assert request["parse_mode"] == "HTML"
    assert request["text"].endswith(EXPECTED_TELEGRAM)
    assert "Bản nháp #1" in request["plain_text"] and "Dự kiến đăng: 07:30" in request["plain_text"]
    buttons = [b["callback_data"] for b in request["reply_markup"]["inline_keyboard"][0]]
    assert buttons == ["approve:1", "resched:1", "reject:1"]
    assert request["reply_markup"]["inline_keyboard"][1][0]["callback_data"] == "edit:1"

    worker = start_worker()
    tg.wait_for_poller(timeout=20)

    # A stranger's tap changes nothing and is answered with a refusal.
    stranger = tg.push_callback(STRANGER, ADMIN, request["message_id"], "approve:1")
    tg.wait_for_call(
        "answerCallbackQuery",
        lambda c: c.params.get("callback_query_id") == stranger["callback_query"]["id"],
    )
    refusal = tg.callback_answers()[stranger["callback_query"]["id"]]
    assert refusal["text"] == "Bạn không có quyền duyệt bài." and refusal["show_alert"] is True
    assert world.post(1)["status"] == "pending"

    # A forged button is answered too, and changes nothing.
    forged = tg.push_callback(ADMIN, ADMIN, request["message_id"], "approve:1;DROP TABLE post")
    tg.wait_for_call(
        "answerCallbackQuery",
        lambda c: c.params.get("callback_query_id") == forged["callback_query"]["id"],
    )
    assert world.post(1)["status"] == "pending"

    # The admin approves: the post takes the next 07:30 slot, every admin's copy says so.
    before = datetime.now(UTC)
    mark = tg.mark()
    tap = tg.push_callback(ADMIN, ADMIN, request["message_id"], "approve:1")
    tg.wait_for_calls("editMessageText", 2, since=mark, timeout=10)
    answer = tg.callback_answers()[tap["callback_query"]["id"]]
    assert answer["text"].startswith("Đã duyệt. Đăng lúc 07:30")
    post = world.post(1)
    assert post["status"] == "scheduled"
    slot = datetime.fromisoformat(str(post["slot"]))
    assert before < slot <= before + timedelta(days=1)
    assert slot.strftime("%H:%M%z") == "07:30+0700"
    for admin in (ADMIN, OTHER_ADMIN):
        [copy] = tg.messages(admin)
        assert copy["plain_text"].startswith(
            "✅ Đã duyệt bài #1 · người duyệt: Lan\nSẽ đăng lúc 07:30"
        )
        assert copy["text"].endswith(EXPECTED_TELEGRAM)
        assert not copy.get("reply_markup")  # buttons gone once decided

    # Approving twice is harmless: same slot, a polite answer.
    again = tg.push_callback(ADMIN, ADMIN, request["message_id"], "approve:1")
    tg.wait_for_call(
        "answerCallbackQuery",
        lambda c: c.params.get("callback_query_id") == again["callback_query"]["id"],
    )
    assert tg.callback_answers()[again["callback_query"]["id"]]["text"] == (
        "Bài này đã được duyệt rồi."
    )
    assert world.post(1)["slot"] == post["slot"]

    assert worker.stop() == 0, worker.output()
    assert "stopped cleanly" in worker.output()
    assert tg.messages(CHANNEL_ID) == [] and graph.posts(PAGE_ID) == []

    # At the slot, the post reaches the channel and the Page, exactly once.
    cli("tick", "--at", (slot - timedelta(seconds=1)).isoformat())
    assert tg.messages(CHANNEL_ID) == [] and graph.posts(PAGE_ID) == []
    cli("tick", "--at", slot.isoformat())
    cli("tick", "--at", slot.isoformat())
    [sent] = tg.messages(CHANNEL_ID)
    assert sent["text"] == EXPECTED_TELEGRAM and sent["parse_mode"] == "HTML"
    assert sent["plain_text"].startswith("Tuổi trẻ phường Hồ Tây trao 50 suất quà & học bổng")
    [fb] = graph.posts(PAGE_ID)
    assert fb["message"] == EXPECTED_FACEBOOK and fb["link"] == URL
    published = world.post(1)
    assert published["status"] == "published"
    assert {p["channel"]: (p["status"], p["external_id"]) for p in published["publications"]} == {
        "telegram-main": ("sent", str(sent["message_id"])),
        "facebook-main": ("sent", fb["id"]),
    }


def test_reject_button_marks_the_post_rejected(
    world: World, start_worker: Callable[[], Worker]
) -> None:
    world.cli("recap", "add", "recap.txt")
    world.cli("draft")
    [request] = world.tg.messages(ADMIN)
    start_worker()
    world.tg.wait_for_poller(timeout=20)
    mark = world.tg.mark()
    world.tg.push_callback(OTHER_ADMIN, ADMIN, request["message_id"], "reject:1")
    world.tg.wait_for_calls("editMessageText", 2, since=mark, timeout=10)
    assert world.post(1)["status"] == "rejected"
    assert world.tg.messages(ADMIN)[0]["plain_text"].startswith(
        "❌ Đã từ chối bài #1 · người từ chối: Minh"
    )
    world.cli("tick", "--at", (datetime.now(UTC) + timedelta(days=8)).isoformat())
    assert world.tg.messages(CHANNEL_ID) == [] and world.graph.posts(PAGE_ID) == []


def test_the_worker_publishes_at_the_slot_by_itself(
    world: World, start_worker: Callable[[], Worker]
) -> None:
    world.cli("recap", "add", "recap.txt", "--url", URL)
    world.cli("draft")
    world.cli("approve", "1")
    # The clock cannot be moved inside another process: bring the slot to a few seconds from now.
    slot = datetime.now(UTC) + timedelta(seconds=4)
    engine = db.make_engine(world.database_url)
    with engine.begin() as conn:
        conn.execute(update(Publication).where(Publication.post_id == 1).values(due_at=slot))  # type: ignore[arg-type]
    worker = start_worker()
    [sent] = world.tg.wait_for_messages(CHANNEL_ID, 1, timeout=30)
    [fb] = world.graph.wait_for_posts(PAGE_ID, 1, timeout=30)
    assert sent["text"] == EXPECTED_TELEGRAM and fb["message"] == EXPECTED_FACEBOOK
    assert sent["date"] >= int(slot.timestamp())  # not before its slot
    running.until(
        lambda: world.post(1)["status"] == "published", "the post to be published", timeout=10
    )
    assert worker.stop() == 0, worker.output()
    assert len(world.tg.messages(CHANNEL_ID)) == 1 and len(world.graph.posts(PAGE_ID)) == 1


def test_cli_approval_edits_the_admins_messages(world: World) -> None:
    world.cli("recap", "add", "recap.txt")
    world.cli("draft")
    world.cli("approve", "1")
    [copy] = world.tg.messages(ADMIN)
    who = "người duyệt: quản trị viên (qua dòng lệnh)"
    assert copy["plain_text"].startswith(f"✅ Đã duyệt bài #1 · {who}")


def test_a_refused_telegram_token_is_one_line(world: World) -> None:
    world.cli("recap", "add", "recap.txt")
    bad = Cli({**world.env, "TELEGRAM_BOT_TOKEN": "999:wrong"})
    result = bad("draft", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)"
    )
    assert "999:wrong" not in result.output
    assert world.queue() == []  # nothing was stored
