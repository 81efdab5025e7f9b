"""A quorum of approvals: the draft is scheduled only once N admins approved, and every
admin's copy shows the votes as they arrive."""

from __future__ import annotations

import json
from pathlib import Path

from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

LAN, MINH, HA, CHANNEL = 111, 222, 333, -100200
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def test_two_of_three_admins_must_approve(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        for user, name in ((LAN, "Lan"), (MINH, "Minh"), (HA, "Hà")):
            tg.add_user(user, name)
        running.write_config(workdir, tg, CHANNEL, f"admins = [{LAN}, {MINH}, {HA}]\nquorum = 2")
        env = {"TELEGRAM_BOT_TOKEN": tg.token}
        cli = Cli(env)
        cli("init")
        cli("recap", "add", str(SAMPLE))
        cli("draft")
        [request] = tg.messages(LAN)

        def status() -> str:
            return str(json.loads(cli("queue", "--all", "--json").stdout)[0]["status"])

        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            mark = tg.mark()
            first = tg.push_callback(LAN, LAN, request["message_id"], "approve:1")
            tg.wait_for_calls("editMessageText", 3, since=mark, timeout=10)
            assert tg.callback_answers()[first["callback_query"]["id"]]["text"] == (
                "Đã ghi nhận phiếu duyệt (1/2)."
            )
            assert status() == "pending"
            for admin in (LAN, MINH, HA):
                [copy] = tg.messages(admin)
                assert copy["plain_text"].endswith("🗳 Phiếu duyệt 1/2: Lan")
                assert copy["reply_markup"]["inline_keyboard"]  # still open for votes

            mark = tg.mark()
            again = tg.push_callback(LAN, LAN, request["message_id"], "approve:1")
            tg.wait_for_calls("editMessageText", 3, since=mark, timeout=10)
            assert tg.callback_answers()[again["callback_query"]["id"]]["text"] == (
                "Đã ghi nhận phiếu duyệt (1/2)."  # the same admin twice is one vote
            )
            assert status() == "pending"

            mark = tg.mark()
            minh_copy = tg.messages(MINH)[0]
            tg.push_callback(MINH, MINH, minh_copy["message_id"], "approve:1")
            tg.wait_for_calls("editMessageText", 3, since=mark, timeout=10)
            assert status() == "scheduled"
            for admin in (LAN, MINH, HA):
                [copy] = tg.messages(admin)
                assert copy["plain_text"].startswith("✅ Đã duyệt #1 bởi Minh")
                assert not copy.get("reply_markup")
            assert running.stop(proc) == 0
        actions = [(e["actor"], e["action"]) for e in json.loads(cli("audit", "--json").stdout)]
        assert actions == [(LAN, "vote"), (MINH, "approve")]  # a repeated vote changes nothing
