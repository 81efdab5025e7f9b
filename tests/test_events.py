"""The events outbox (#11): what the admins must hear is recorded with the change that caused
it and delivered at least once, each recipient once. A send refused for now (429, 500) is
tried again later (#17.3); a `tick` SIGKILLed between the change and the message leaves the
message to the next run, which sends it once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import JSON, FakeTelegram

LAN, CHANNEL = 4102, -100410
TEXT = "Tin tốt: {n} bạn trẻ dọn sạch bờ sông\nSáng nay {n} đoàn viên nhặt rác ven sông Tô Lịch."
FAILED = "🚫 Bài #{n} chưa đăng được lên tg"
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def setup(tg: FakeTelegram, workdir: Path) -> tuple[Cli, dict[str, str]]:
    tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
    tg.add_user(LAN, "Lan")
    return running.prepare(workdir, tg, CHANNEL, f"admins = [{LAN}]\n")


def alerts(tg: FakeTelegram, n: int) -> list[str]:
    return [
        m["plain_text"] for m in tg.messages(LAN) if m["plain_text"].startswith(FAILED.format(n=n))
    ]


@pytest.mark.parametrize(
    ("status", "description"),
    [(429, "Too Many Requests: retry after 1"), (500, "Internal Server Error")],
)
def test_an_alert_refused_for_now_is_delivered_later_once(
    workdir: Path, status: int, description: str
) -> None:
    with FakeTelegram() as tg:
        cli, _env = setup(tg, workdir)
        cli("queue", "add", "--text", TEXT.format(n=1), "--approved")
        [post] = json.loads(cli("queue", "--json").stdout)
        tg.fail_next("sendMessage", status=400, description="Bad Request: message is too long")
        tg.fail_next("sendMessage", status=status, description=description)  # the alert
        cli("tick", "--at", post["slot"])
        assert alerts(tg, 1) == []  # refused for now, not forgotten
        running.tick_until(cli, post["slot"], lambda: alerts(tg, 1), "the alert's second try")
        cli("tick", "--at", post["slot"])
        assert len(alerts(tg, 1)) == 1
        assert tg.messages(CHANNEL) == []


def test_a_tick_killed_between_the_change_and_its_message_sends_it_once_after(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        cli, env = setup(tg, workdir)
        start = datetime.now().astimezone() + timedelta(hours=1)
        for n, at in ((1, start), (2, start + timedelta(minutes=1))):
            cli("queue", "add", "--text", TEXT.format(n=n), "--at", at.isoformat(), "--approved")
        due = (start + timedelta(minutes=2)).isoformat()
        # Post 1 fails (its alert is recorded with the failure); post 2 goes out but Telegram
        # holds the answer, and the tick is SIGKILLed while it waits: before any alert.
        tg.fail_next("sendMessage", status=400, description="Bad Request: message is too long")
        tg.delay_next("sendMessage", 60)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "tick", "--at", due],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            tg.wait_for_messages(CHANNEL, 1, timeout=30)
        finally:
            proc.kill()
            proc.wait()
        assert alerts(tg, 1) == []
        cli("tick", "--at", due)  # the next cron tick
        assert len(alerts(tg, 1)) == 1
        cli("tick", "--at", due)
        assert len(alerts(tg, 1)) == 1
        assert len(tg.messages(CHANNEL)) == 1  # post 2 was not sent twice either


def requests(tg: FakeTelegram, post_id: int) -> list[JSON]:
    """The approval requests (the draft with its Approve button) the admin received."""
    approve = f"approve:{post_id}"
    return [
        m
        for m in tg.messages(LAN)
        if any(
            button.get("callback_data") == approve
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        )
    ]


def test_an_unapprove_killed_after_its_commit_asks_the_admins_once_after(workdir: Path) -> None:
    """The change is committed, then the CLI is SIGKILLed while it opens the bot (Telegram
    holds the answer to getMe): no request went out. The next tick sends it, once, and the
    admin's copy is remembered (a decision edits it)."""
    with FakeTelegram() as tg:
        cli, env = setup(tg, workdir)
        cli("queue", "add", "--text", TEXT.format(n=1), "--approved")
        [post] = json.loads(cli("queue", "--json").stdout)
        tg.delay_next("getMe", 60)
        mark = tg.mark()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "unapprove", str(post["id"])],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            tg.wait_for_call("getMe", timeout=30, since=mark)
        finally:
            proc.kill()
            proc.wait()
        [again] = json.loads(cli("queue", "--json").stdout)
        assert again["status"] == "pending"  # the change was committed before the kill
        assert requests(tg, post["id"]) == []
        cli("tick")  # the next cron tick delivers what the outbox holds
        [request] = requests(tg, post["id"])
        cli("tick")
        assert len(requests(tg, post["id"])) == 1
        cli("approve", str(post["id"]))  # the copy kept is the one the decision edits
        edited = tg.message(LAN, request["message_id"])
        assert edited["edits"], edited
        assert requests(tg, post["id"]) == []  # its buttons are gone


def test_a_draft_refused_for_now_reaches_the_admin_at_the_next_tick(workdir: Path) -> None:
    with FakeTelegram() as tg:
        cli, _env = setup(tg, workdir)
        cli("recap", "add", str(SAMPLE))
        tg.fail_next("sendMessage", status=500, description="Internal Server Error")
        drafted = cli("draft")
        post_id = int(drafted.stdout.strip().splitlines()[-1])
        assert "no admin has the approval request yet" in drafted.stderr
        assert requests(tg, post_id) == []
        running.tick_until(cli, datetime.now().astimezone().isoformat(),
                   lambda: requests(tg, post_id), "the request's second try")  # fmt: skip
        cli("tick")
        assert len(requests(tg, post_id)) == 1


def test_a_chat_approve_killed_after_its_commit_edits_the_copy_once_after(workdir: Path) -> None:
    """The admin taps Approve; the decision is committed, then the worker is SIGKILLed while
    Telegram holds the answer to the tap, before any copy was edited. The restarted worker
    edits the admin's copy from the outbox, once."""
    with FakeTelegram() as tg:
        cli, env = setup(tg, workdir)
        cli("recap", "add", str(SAMPLE))
        cli("draft")
        [request] = requests(tg, 1)
        tg.delay_next("answerCallbackQuery", 60)
        with running.worker(workdir, env, log="killed.log") as proc:
            tg.wait_for_poller(timeout=20)
            mark = tg.mark()
            tg.push_callback(LAN, LAN, request["message_id"], "approve:1")
            tg.wait_for_call("answerCallbackQuery", timeout=30, since=mark)
            proc.kill()
            proc.wait()
        [post] = json.loads(cli("queue", "--json").stdout)
        assert post["status"] == "scheduled"  # the decision was committed before the kill
        assert tg.message(LAN, request["message_id"])["edits"] == []
        mark = tg.mark()
        with running.worker(workdir, env) as proc:
            running.until(
                lambda: tg.message(LAN, request["message_id"])["edits"],
                "the copy edited",
                proc=proc,
            )
            assert running.stop(proc) == 0
        copy = tg.message(LAN, request["message_id"])
        assert copy["plain_text"].startswith("✅ Đã duyệt bài #1 · người duyệt: Lan")
        assert not copy.get("reply_markup")
        assert len(copy["edits"]) == 1
        assert len(tg.calls("editMessageText", since=mark)) == 1  # delivered once
