"""Roles checked in the database: owners grant and revoke in chat, and every change is in
the audit log (`goodnews audit`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests import running
from tests.factories import distinct_recap
from tests.fakes.telegram import FakeTelegram

OWNER, HELPER, STRANGER, CHANNEL = 100, 200, 300, -100700
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def test_owner_grants_and_revokes_and_the_audit_log_tells(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        for user, name in ((OWNER, "Chủ"), (HELPER, "Hà"), (STRANGER, "Lạ")):
            tg.add_user(user, name)
        cli, env = running.prepare(workdir, tg, CHANNEL, f"owners = [{OWNER}]\n")
        cli("recap", "add", str(SAMPLE))
        cli("recap", "add", "-", input=distinct_recap(2))
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(STRANGER, f"/grant {STRANGER} admin")
            [refused] = tg.wait_for_messages(STRANGER, 1)
            assert (
                refused["plain_text"]
                == "chỉ người quản lý bot (telegram.owners) mới đổi được quyền"
            )

            tg.push_message(OWNER, f"/grant {HELPER} admin")
            assert tg.wait_for_messages(OWNER, 1)[0]["plain_text"] == (
                f"Đã cấp quyền admin cho {HELPER}."
            )
            cli("draft", "--recap", "1")  # now the owner and the helper get the request
            [request] = tg.messages(HELPER)
            tap = tg.push_callback(HELPER, HELPER, request["message_id"], "approve:1")
            tg.wait_for_call(
                "answerCallbackQuery",
                lambda c: c.params.get("callback_query_id") == tap["callback_query"]["id"],
            )
            assert tg.callback_answers()[tap["callback_query"]["id"]]["text"].startswith("Đã duyệt")

            tg.push_message(OWNER, f"/revoke {HELPER} admin")
            tg.wait_for_messages(OWNER, 3)  # the draft request, then the two replies
            cli("draft", "--recap", "2")
            second = [m for m in tg.messages(HELPER) if "#2" in m["plain_text"]]
            assert second == []  # no longer an admin: not asked
            stale = tg.push_callback(HELPER, HELPER, request["message_id"], "reject:1")
            tg.wait_for_call(
                "answerCallbackQuery",
                lambda c: c.params.get("callback_query_id") == stale["callback_query"]["id"],
            )
            assert tg.callback_answers()[stale["callback_query"]["id"]]["text"] == (
                "Bạn không có quyền duyệt bài."
            )
            assert running.stop(proc) == 0
        entries = json.loads(cli("audit", "--json").stdout)
        assert [(e["actor"], e["action"]) for e in entries] == [
            (OWNER, "grant"),
            (HELPER, "approve"),
            (OWNER, "revoke"),
        ]
        assert entries[1]["post_id"] == 1 and entries[1]["before"] == "pending"
        assert entries[1]["after"].startswith("scheduled 20")
        assert [e["action"] for e in json.loads(cli("audit", "--post", "1", "--json").stdout)] == [
            "approve"
        ]
        assert "approve" in cli("audit", "--user", str(HELPER)).stdout
