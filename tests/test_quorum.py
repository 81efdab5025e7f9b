"""A quorum of approvals: the draft is scheduled only once N admins approved, and every
admin's copy shows the votes as they arrive."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests import running
from tests.factories import distinct_recap
from tests.fakes.telegram import FakeTelegram

LAN, MINH, HA, CHANNEL = 111, 222, 333, -100200
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def test_two_of_three_admins_must_approve(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        for user, name in ((LAN, "Lan"), (MINH, "Minh"), (HA, "Hà")):
            tg.add_user(user, name)
        cli, env = running.prepare(
            workdir, tg, CHANNEL, f"admins = [{LAN}, {MINH}, {HA}]\nquorum = 2"
        )
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
                assert copy["plain_text"].startswith("✅ Đã duyệt bài #1 · người duyệt: Minh")
                assert not copy.get("reply_markup")
            assert running.stop(proc) == 0
        actions = [(e["actor"], e["action"]) for e in json.loads(cli("audit", "--json").stdout)]
        assert actions == [(LAN, "vote"), (MINH, "approve")]  # a repeated vote changes nothing


def test_reschedule_offers_free_slots_and_post_now(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(LAN, "Lan")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{LAN}]")
        for n in range(3):
            cli("recap", "add", "-", input=distinct_recap(n))
        cli("draft", "--recap", "1")
        cli("approve", "1")  # takes the first daily slot
        cli("draft", "--recap", "2")
        cli("draft", "--recap", "3")
        _first, second, third = tg.messages(LAN)
        taken = json.loads(cli("queue", "--json").stdout)[0]["slot"]

        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            mark = tg.mark()
            tg.push_callback(LAN, LAN, second["message_id"], "resched:2")
            tg.wait_for_call("editMessageReplyMarkup", since=mark)
            rows = tg.message(LAN, second["message_id"])["reply_markup"]["inline_keyboard"]
            choices = [row[0]["callback_data"] for row in rows[:-1]]
            assert len(choices) == 3 and all(c.startswith("at:2:") for c in choices)
            assert [b["callback_data"] for b in rows[-1]] == ["at:2:0", "back:2"]
            offered = [datetime.fromtimestamp(int(c.split(":")[2]), UTC) for c in choices]
            assert datetime.fromisoformat(taken) not in offered  # only free slots
            assert offered == sorted(offered)

            mark = tg.mark()
            tg.push_callback(LAN, LAN, second["message_id"], choices[1])  # the second offer
            tg.wait_for_call("editMessageText", since=mark)
            mark = tg.mark()
            tg.push_callback(LAN, LAN, third["message_id"], "at:3:0")  # post now
            tg.wait_for_call("editMessageText", since=mark)
            assert running.stop(proc) == 0
        by_id = {p["id"]: p for p in json.loads(cli("queue", "--all", "--json").stdout)}
        assert datetime.fromisoformat(by_id[2]["slot"]) == offered[1]
        assert by_id[2]["status"] == "scheduled"
        cli("tick")  # "post now": due at once, whether or not the worker got to it first
        after = {p["id"]: p for p in json.loads(cli("queue", "--all", "--json").stdout)}
        assert after[3]["status"] == "published" and after[2]["status"] == "scheduled"
        assert len(tg.messages(CHANNEL)) == 1


def test_edit_rewrites_the_draft_and_offers_it_again(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(LAN, "Lan")
        tg.add_user(MINH, "Minh")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{LAN}, {MINH}]")
        cli("recap", "add", str(SAMPLE))
        cli("draft")
        [request] = tg.messages(LAN)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_callback(LAN, LAN, request["message_id"], "edit:1")
            question = tg.wait_for_messages(LAN, 2)[1]
            assert question["plain_text"].startswith("✏️ Nội dung mới cho bài #1?")
            tg.push_message(LAN, "Chỉ một dòng", reply_to=question["message_id"])
            refused = tg.wait_for_messages(LAN, 3)[2]["plain_text"]
            assert refused == "hãy gửi tiêu đề ở dòng đầu và nội dung ở các dòng sau"
            mark = tg.mark()
            tg.push_message(
                LAN,
                "Tiêu đề mới & gọn\nNội dung viết lại < 600 ký tự.",
                reply_to=question["message_id"],
            )
            tg.wait_for_calls("editMessageText", 2, since=mark, timeout=10)
            assert tg.wait_for_messages(LAN, 4)[3]["plain_text"] == (
                "Đã cập nhật bản nháp; vui lòng duyệt lại."
            )
            for admin in (LAN, MINH):
                copy = tg.messages(admin)[0]
                assert "<b>Tiêu đề mới &amp; gọn</b>" in copy["text"]
                assert "Nội dung viết lại &lt; 600 ký tự." in copy["text"]
                assert copy["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == (
                    "approve:1"
                )
            assert running.stop(proc) == 0
        [post] = json.loads(cli("queue", "--json").stdout)
        assert post["title"] == "Tiêu đề mới & gọn" and post["status"] == "pending"
        edits = [e for e in json.loads(cli("audit", "--json").stdout) if e["action"] == "edit"]
        assert [(e["actor"], e["after"]) for e in edits] == [(LAN, "Tiêu đề mới & gọn")]


def test_a_revoked_admins_vote_no_longer_counts(workdir: Path) -> None:
    # Issue #17 (6): the owner grants Hà admin, Hà approves, the owner revokes Hà; Minh's
    # approval is then the only admin vote, short of the quorum of two.
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        for user, name in ((LAN, "Lan"), (MINH, "Minh"), (HA, "Hà")):
            tg.add_user(user, name)
        cli, env = running.prepare(
            workdir, tg, CHANNEL, f"owners = [{LAN}]\nadmins = [{MINH}]\nquorum = 2"
        )
        cli("recap", "add", str(SAMPLE))
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(LAN, f"/grant {HA} admin")
            tg.wait_for_messages(LAN, 1)
            cli("draft")
            [request] = tg.messages(HA)
            mark = tg.mark()
            tg.push_callback(HA, HA, request["message_id"], "approve:1")
            tg.wait_for_calls("editMessageText", 3, since=mark, timeout=10)
            tg.push_message(LAN, f"/revoke {HA} admin")
            tg.wait_for_messages(LAN, 3)  # the grant's reply, the request, the revoke's reply
            mark = tg.mark()
            tap = tg.push_callback(MINH, MINH, tg.messages(MINH)[0]["message_id"], "approve:1")
            tg.wait_for_calls("editMessageText", 3, since=mark, timeout=10)
            assert tg.callback_answers()[tap["callback_query"]["id"]]["text"] == (
                "Đã ghi nhận phiếu duyệt (1/2)."
            )
            for admin in (LAN, MINH):
                [copy] = [m for m in tg.messages(admin) if "#1" in m["plain_text"]]
                assert copy["plain_text"].endswith(
                    "🗳 Phiếu duyệt 1/2: Minh\nKhông tính phiếu (không còn là quản trị viên): Hà"
                ), copy["plain_text"]
            assert running.stop(proc) == 0
        [post] = json.loads(cli("queue", "--all", "--json").stdout)
        assert post["status"] == "pending"
