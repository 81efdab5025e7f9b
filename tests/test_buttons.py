"""Buttons that no longer apply: pressed after the post went out, or forged. Nothing changes
and the presser is told why."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tests import running
from tests.fakes.telegram import Call, FakeTelegram

ADMIN, CHANNEL = 111, -100300
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def answered(query_id: str) -> Callable[[Call], bool]:
    return lambda call: call.params.get("callback_query_id") == query_id


def test_a_stale_or_forged_button_changes_nothing(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]")
        cli("recap", "add", str(SAMPLE))
        cli("draft")
        [request] = tg.messages(ADMIN)
        cli("approve", "1")
        [post] = json.loads(cli("queue", "--json").stdout)
        cli("tick", "--at", datetime.fromisoformat(post["slot"]).isoformat())
        assert len(tg.messages(CHANNEL)) == 1

        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            answers = {}
            for data in ("reject:1", "approve:1", "approve:999", "delete:1", "approve:1:x"):
                tap = tg.push_callback(ADMIN, ADMIN, request["message_id"], data)
                query_id = tap["callback_query"]["id"]
                tg.wait_for_call("answerCallbackQuery", answered(query_id))
                answers[data] = tg.callback_answers()[query_id]["text"]
            assert running.stop(proc) == 0
        assert answers == {
            "reject:1": "bài #1 đang ở trạng thái “đã đăng” nên không thể từ chối",
            "approve:1": "bài #1 đang ở trạng thái “đã đăng” nên không thể duyệt",
            "approve:999": "không có bài #999",
            "delete:1": "Nút này không còn hiệu lực.",
            "approve:1:x": "Nút này không còn hiệu lực.",
        }
        [after] = json.loads(cli("queue", "--all", "--json").stdout)
        assert after["status"] == "published" and len(tg.messages(CHANNEL)) == 1
