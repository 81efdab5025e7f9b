"""/post N and /pending in chat, through a running `goodnews run`: a post's card with the
buttons its state allows; cancel and take down after a confirmation; others refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.rewriting import KEY_VARIABLE
from tests import running
from tests.fakes.completions import FakeCompletions
from tests.fakes.telegram import FakeTelegram
from tests.test_rewriting import GOOD, TEXT, TITLE

ADMIN, STRANGER, CHANNEL = 111, 999, -100500
SENTENCE = "Đoàn viên phường Láng Hạ vớt 2 tấn rác trên kênh Thanh Nhàn, người dân tiếp sức. "
POST_ABOVE = "⬆️ Nội dung bài ở tin nhắn phía trên (quá dài để hiện cả ở đây)."


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def test_post_card_cancel_and_take_down_from_chat(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        tg.add_user(STRANGER, "Mallory")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]\n")
        cli("queue", "add", "--text", "Tin một\nBài sẽ đăng.", "--approved")
        cli("unapprove", "1")  # the admin gets a copy of the draft, then approves it again
        cli("approve", "1")
        [copy] = tg.messages(ADMIN)
        first = json.loads(cli("post", "show", "1", "--json").stdout)
        cli(
            "tick",
            "--at",
            (datetime.fromisoformat(first["slot"]) + timedelta(minutes=1)).isoformat(),
        )
        [went_out] = tg.messages(CHANNEL)
        cli("queue", "add", "--text", "Tin hai\nBài chờ duyệt.")
        cli("queue", "add", "--text", "Tin ba\nBài đã duyệt.", "--approved")
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            assert "post" in [c["command"] for c in tg.commands({"type": "chat", "chat_id": ADMIN})]

            # /pending: each draft with its approval buttons.
            tg.push_message(ADMIN, "/pending")
            draft = tg.wait_for_messages(ADMIN, 2)[1]
            assert draft["plain_text"].startswith("📝 Bản nháp #2")
            assert buttons(draft)["✅ Duyệt"] == "approve:2"

            # /post 3 (scheduled): unapprove or cancel; cancel asks first.
            tg.push_message(ADMIN, "/post 3")
            card = tg.wait_for_messages(ADMIN, 3)[2]
            assert card["plain_text"].startswith("Bài #3 · Tin tốt mỗi ngày · đã lên lịch")
            assert buttons(card) == {"✏️ Sửa": "pe:3", "↩️ Huỷ duyệt": "pu:3", "🗑 Huỷ bài": "pc:3"}
            tg.push_callback(ADMIN, ADMIN, card["message_id"], "pc:3")
            tg.wait_until(
                lambda: buttons(tg.message(ADMIN, card["message_id"])).get("Đồng ý huỷ bài"),
                timeout=10,
                describe=lambda: str(tg.callback_answers()),
            )
            # Someone who is not an admin cannot press it.
            tg.push_callback(STRANGER, ADMIN, card["message_id"], "pC:3")
            tg.push_callback(ADMIN, ADMIN, card["message_id"], "pC:3")
            tg.wait_until(
                lambda: "đã huỷ" in tg.message(ADMIN, card["message_id"])["plain_text"] or None,
                timeout=10,
                describe=lambda: str(tg.message(ADMIN, card["message_id"])),
            )
            assert buttons(tg.message(ADMIN, card["message_id"])) == {}
            answers = [a.get("text") for a in tg.callback_answers().values()]
            assert "Bạn không có quyền duyệt bài." in answers

            # /post 1 (out on the channel): correct it, after a confirmation.
            tg.push_message(ADMIN, "/post 1")
            card = tg.wait_for_messages(ADMIN, 4)[3]
            assert f"https://t.me/c/500/{went_out['message_id']}" in card["plain_text"]
            assert buttons(card) == {"✏️ Sửa": "pe:1", "🗑 Gỡ bài": "pr:1"}
            tg.push_callback(ADMIN, ADMIN, card["message_id"], "pe:1")
            question = tg.wait_for_messages(ADMIN, 5)[4]
            assert question["plain_text"].startswith("✏️ Nội dung sửa cho bài #1")
            tg.push_message(ADMIN, "Tin một\nĐã sửa: 350 người.", reply_to=question["message_id"])
            confirm = tg.wait_for_messages(ADMIN, 6)[5]
            assert confirm["plain_text"].startswith("Sửa bài #1 trên mọi kênh đã đăng?")
            assert "Đã sửa: 350 người." in confirm["plain_text"]
            tg.push_callback(ADMIN, ADMIN, confirm["message_id"], "pS:1")
            told = tg.wait_for_messages(ADMIN, 7, timeout=10)[6]
            assert told["plain_text"] == "Đã sửa bài #1 trên tg."
            assert "350 người" in tg.messages(CHANNEL)[0]["plain_text"]
            # The admin's copy of the draft reads the corrected text too.
            tg.wait_until(
                lambda: "350 người" in tg.message(ADMIN, copy["message_id"])["plain_text"] or None,
                timeout=10,
                describe=lambda: str(tg.message(ADMIN, copy["message_id"])["plain_text"]),
            )
            tg.wait_until(  # answered: the confirmation's buttons go
                lambda: buttons(tg.message(ADMIN, confirm["message_id"])) == {} or None,
                timeout=10,
                describe=lambda: str(tg.message(ADMIN, confirm["message_id"])["reply_markup"]),
            )
            # Take it down, after a confirmation.
            tg.push_callback(ADMIN, ADMIN, card["message_id"], "pr:1")
            tg.wait_until(
                lambda: buttons(tg.message(ADMIN, card["message_id"])).get("Đồng ý gỡ bài"),
                timeout=10,
                describe=lambda: "no confirmation",
            )
            tg.push_callback(ADMIN, ADMIN, card["message_id"], "pR:1")
            told = tg.wait_for_messages(ADMIN, 8, timeout=10)[7]
            assert told["plain_text"] == "Đã gỡ bài #1 khỏi tg."
            assert tg.messages(CHANNEL) == []

            tg.push_message(ADMIN, "/post mười")
            assert tg.wait_for_messages(ADMIN, 9)[8]["plain_text"] == (
                "Gửi /post kèm số bài, ví dụ /post 12."
            )
            tg.push_message(STRANGER, "/post 3")
            [refusal] = tg.wait_for_messages(STRANGER, 1)
            assert refusal["plain_text"] == "Lệnh này chỉ dành cho quản trị viên."

            # /help and /start by role: an admin's work and commands, a follower's own.
            tg.push_message(ADMIN, "/help")
            admin_help = tg.wait_for_messages(ADMIN, 10)[9]["plain_text"]
            assert admin_help.startswith("Tôi là bot") and "Bạn là quản trị viên" in admin_help
            assert "/post — " in admin_help and "/pending — " in admin_help
            tg.push_message(ADMIN, "/start")
            assert tg.wait_for_messages(ADMIN, 11)[10]["plain_text"] == admin_help
            tg.push_message(STRANGER, "/help")
            stranger_help = tg.wait_for_messages(STRANGER, 2)[1]["plain_text"]
            assert "Gửi /start" in stranger_help and "/today — " in stranger_help
            assert "/pending" not in stranger_help
            assert running.stop(proc) == 0
        assert json.loads(cli("post", "show", "3", "--json").stdout)["status"] == "cancelled"
        assert json.loads(cli("post", "show", "1", "--json").stdout)["status"] == "retracted"


def test_pending_and_post_send_a_draft_as_the_admins_request_does(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /pending and /post N send the request every admin got: a rewritten draft offers its
    # extractive version, a post too long to share the request's message comes just above it.
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    long_body = (SENTENCE * 60)[:4000].rsplit(" ", 1)[0] + "."
    with FakeTelegram() as tg, FakeCompletions() as llm:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]\n")
        with (workdir / "config.toml").open("a", encoding="utf-8") as config:
            config.write(
                f'[drafting.rewrite]\nenabled = true\nbase_url = "{llm.base_url}"\n'
                f'model = "{llm.model}"\n'
            )
        (workdir / "tin.txt").write_text(f"{TITLE}\n{TEXT}\n", encoding="utf-8")
        cli("recap", "add", "tin.txt")
        llm.answer(GOOD)
        cli("draft")  # post 1, rewritten: its request reaches the admin
        [asked] = tg.messages(ADMIN)
        assert buttons(asked)["📄 Dùng bản trích nguyên văn"] == "extractive:1"
        cli("queue", "add", "--text", f"Tuổi trẻ Láng Hạ làm sạch kênh\n{long_body}")  # post 2
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(ADMIN, "/pending")
            sent = tg.wait_for_messages(ADMIN, 4, timeout=10)[1:]
            [request] = [m for m in sent if m["plain_text"].startswith("📝 Bản nháp #1")]
            assert buttons(request) == buttons(asked)
            assert "extractive:1" in buttons(request).values()
            [long_request] = [m for m in sent if m["plain_text"].startswith("📝 Bản nháp #2")]
            above = sent[sent.index(long_request) - 1]
            assert above["plain_text"].startswith("Tuổi trẻ Láng Hạ làm sạch kênh")
            assert long_body[-200:] in above["plain_text"]
            assert long_request["plain_text"].endswith(POST_ABOVE)

            tg.push_message(ADMIN, "/post 2")
            above, long_request = tg.wait_for_messages(ADMIN, 6, timeout=10)[4:]
            assert long_body[-200:] in above["plain_text"]
            assert long_request["plain_text"].startswith("📝 Bản nháp #2")
            assert long_request["plain_text"].endswith(POST_ABOVE)
            assert "approve:2" in buttons(long_request).values()

            # The copy /pending sent is the one kept (the newest): pressing its extractive
            # button brings it to the extractive text.
            tg.push_callback(ADMIN, ADMIN, request["message_id"], "extractive:1")
            tg.wait_for_messages(
                ADMIN,
                1,
                timeout=10,
                predicate=lambda m: (
                    m["message_id"] == request["message_id"]
                    and "anh Nguyễn Văn An cùng 30" in m["plain_text"]
                ),
            )
            assert running.stop(proc) == 0


def test_a_failed_answer_to_a_correction_question_is_never_stored_as_a_recap(
    workdir: Path,
) -> None:
    # Telegram refuses the confirmation (flood limit): the error is logged and the owner
    # told, and the admin's reply goes no further (before, the next handler group stored
    # the new text as a recap).
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"owners = [{ADMIN}]\n")
        cli("queue", "add", "--text", "Tin một\nBài sẽ đăng.", "--approved")
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(ADMIN, "/post 1")
            [card] = tg.wait_for_messages(ADMIN, 1)
            tg.push_callback(ADMIN, ADMIN, card["message_id"], "pe:1")
            question = tg.wait_for_messages(ADMIN, 2)[1]
            assert question["plain_text"].startswith("✏️ Nội dung sửa cho bài #1")
            mark = tg.mark()
            tg.fail_next("sendMessage")  # 429: Too Many Requests
            tg.push_message(ADMIN, "Tin một\nĐã sửa: 350 người.", reply_to=question["message_id"])
            told = tg.wait_for_messages(ADMIN, 3, timeout=10)[2]
            assert told["plain_text"].startswith("goodnews gặp sự cố: RetryAfter")
            [refused] = [c for c in tg.calls("sendMessage", since=mark) if c.status == 429]
            assert str(refused.params["text"]).startswith("Lưu nội dung này cho bài #1?")
            # Updates are handled one at a time: once /post 1 is answered, the reply is done.
            tg.push_message(ADMIN, "/post 1")
            assert tg.wait_for_messages(ADMIN, 4)[3]["plain_text"].startswith("Bài #1")
            assert running.stop(proc) == 0
        assert len(tg.messages(ADMIN)) == 4  # no "recap received"
        assert cli("recap", "list").stdout == ""
        log = (workdir / "worker.log").read_text(encoding="utf-8")
        assert "while handling update" in log and "RetryAfter" in log


def _decided(tg: FakeTelegram, copies: list[int]) -> bool | None:
    """Whether every one of the admin's copies reads the approval, with no button left."""
    shown = [tg.message(ADMIN, copy) for copy in copies]
    done = all(m["plain_text"].startswith("✅ Đã duyệt bài #1") and not buttons(m) for m in shown)
    return done or None


@pytest.mark.parametrize("pressed", [0, 1], ids=["first-copy", "pending-copy"])
def test_every_copy_an_admin_got_follows_the_decision(workdir: Path, pressed: int) -> None:
    # The admin got the request, then /pending sent it again: approving it on either copy
    # brings both to the decision, without buttons (before, only the newest copy was kept,
    # and the other kept its live buttons and its stale text for good).
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]\n")
        cli("queue", "add", "--text", "Tin một\nBài chờ duyệt.", "--approved")
        cli("unapprove", "1")  # the admin gets the draft's request
        [asked] = tg.messages(ADMIN)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(ADMIN, "/pending")
            again = tg.wait_for_messages(ADMIN, 2, timeout=10)[1]
            assert again["plain_text"].startswith("📝 Bản nháp #1")
            assert buttons(again) == buttons(asked)
            copies = [asked["message_id"], again["message_id"]]
            tg.push_callback(ADMIN, ADMIN, copies[pressed], "approve:1")
            tg.wait_until(
                lambda: _decided(tg, copies),
                timeout=10,
                describe=lambda: str([tg.message(ADMIN, copy)["plain_text"] for copy in copies]),
            )
            assert running.stop(proc) == 0
        assert len(tg.messages(ADMIN)) == 2
        assert json.loads(cli("post", "show", "1", "--json").stdout)["status"] == "scheduled"


def test_the_copies_of_every_round_follow_the_post(workdir: Path) -> None:
    # Unapproved, a post is asked again: the admin's copy of the first round shows the draft
    # again and, once it is approved anew, the decision, as the new round's copy does.
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        cli, _env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]\n")
        cli("queue", "add", "--text", "Tin một\nBài chờ duyệt.", "--approved")
        cli("unapprove", "1")  # the first round
        cli("approve", "1")
        [first] = tg.messages(ADMIN)
        cli("unapprove", "1")  # the second round: a new copy, and the first one reopened
        first, second = tg.messages(ADMIN)
        for copy in (first, second):
            assert copy["plain_text"].startswith("📝 Bản nháp #1"), copy["plain_text"]
            assert buttons(copy)["✅ Duyệt"] == "approve:1"
        cli("approve", "1")
        assert _decided(tg, [first["message_id"], second["message_id"]])
        # A copy Telegram refuses for good (deleted by the admin) leaves the others to follow.
        cli("unapprove", "1")
        first, second, third = tg.messages(ADMIN)
        tg.fail_next(
            "editMessageText", status=400, description="Bad Request: message to edit not found"
        )
        cli("approve", "1")
        assert _decided(tg, [second["message_id"], third["message_id"]])
        assert buttons(tg.message(ADMIN, first["message_id"]))["✅ Duyệt"] == "approve:1"
        # The deleted copy is forgotten: the next change edits only the others.
        mark = tg.mark()
        cli("unapprove", "1")
        edited = {c.params["message_id"] for c in tg.calls("editMessageText", since=mark)}
        assert str(first["message_id"]) not in {str(m) for m in edited}
        assert {str(second["message_id"]), str(third["message_id"])} <= {str(m) for m in edited}
