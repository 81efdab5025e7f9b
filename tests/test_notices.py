"""What the admins are told when publishing goes wrong, and the buttons that settle it:
a failure (Retry), an unknown outcome (It went out / Send again), a channel held on its
credentials (once; `goodnews check` releases it). Each cause gives one message, in each
admin's language; nothing is sent again without a person's answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import Call, FakeTelegram

ANN, LAN, CHANNEL = 4101, 4102, -100410  # Ann's Telegram app is in English, Lan's in Vietnamese
TEXT = "Tin tốt: {n} bạn trẻ dọn sạch bờ sông\nSáng nay {n} đoàn viên nhặt rác ven sông Tô Lịch."


def answered(query_id: str) -> Callable[[Call], bool]:
    return lambda call: call.params.get("callback_query_id") == query_id


def queue(cli: Cli, n: int) -> str:
    """An approved post; its slot (ISO)."""
    cli("queue", "add", "--text", TEXT.format(n=n), "--approved")
    posts = json.loads(cli("queue", "--json").stdout)
    return str(next(p for p in posts if p["title"].startswith(f"Tin tốt: {n} "))["slot"])


def press(tg: FakeTelegram, user: int, message: dict[str, Any], data: str) -> str:
    """Press a button under ``message``; the toast the bot answered with."""
    tap = tg.push_callback(user, user, message["message_id"], data)
    query_id = tap["callback_query"]["id"]
    tg.wait_for_call("answerCallbackQuery", answered(query_id), timeout=20)
    return str(tg.callback_answers()[query_id]["text"])


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = message["params"]["reply_markup"]["inline_keyboard"]
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def setup(tg: FakeTelegram, workdir: Path) -> tuple[Cli, dict[str, str]]:
    tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
    tg.add_user(ANN, "Ann", language_code="en-GB")
    tg.add_user(LAN, "Lan")
    return running.prepare(workdir, tg, CHANNEL, f"admins = [{ANN}, {LAN}]\n")


def introduce(tg: FakeTelegram, user: int) -> None:
    """The person writes to the bot once, so it knows their language."""
    before = len(tg.messages(user))
    tg.push_message(user, "/help")
    tg.wait_for_messages(user, before + 1, timeout=20)


def test_a_failed_post_is_told_once_per_admin_in_their_language_and_retried(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        cli, env = setup(tg, workdir)
        slot = queue(cli, 1)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            introduce(tg, ANN)
            introduce(tg, LAN)
            tg.fail_next("sendMessage", status=400, description="Bad Request: message is too long")
            cli("tick", "--at", slot)
            cli("tick", "--at", slot)  # the same cause again: no second message
            [to_ann] = tg.wait_for_messages(ANN, 2)[1:]
            [to_lan] = tg.wait_for_messages(LAN, 2)[1:]
            # The channel as people know it: the worker asked Telegram for its title.
            assert to_ann["plain_text"].startswith(
                "🚫 Post #1 was not published on Tin tốt\nReason: "
            )
            assert "Message is too long" in to_ann["plain_text"]
            assert to_lan["plain_text"].startswith("🚫 Bài #1 chưa đăng được lên Tin tốt\nLý do: ")
            assert buttons(to_ann) == [("🔁 Retry", "retry:1")]
            assert buttons(to_lan) == [("🔁 Thử lại", "retry:1")]
            assert tg.messages(CHANNEL) == []

            assert press(tg, ANN, to_ann, "retry:1") == "It will be sent at the next pass."
            [published] = tg.wait_for_messages(CHANNEL, 1, timeout=20)
            assert published["plain_text"].startswith("Tin tốt: 1 bạn trẻ")
            tg.wait_for_call("editMessageText")
            edited = tg.messages(ANN)[1]
            assert edited["plain_text"].endswith("🔁 Sent again at the request of Ann.")
            assert "reply_markup" not in edited or not edited.get("reply_markup")
            # Lan's copy is stale now: pressing it changes nothing.
            assert press(tg, LAN, to_lan, "retry:1") == "Việc này đã được xử lý rồi."
            assert running.stop(proc) == 0
        assert len(tg.messages(CHANNEL)) == 1
        audit = json.loads(cli("audit", "--post", "1", "--json").stdout)
        assert [e["action"] for e in audit][-1] == "retry"


def test_an_unknown_outcome_waits_for_a_person_it_went_out_or_send_again(workdir: Path) -> None:
    with FakeTelegram() as tg:
        cli, env = setup(tg, workdir)
        first, second = queue(cli, 1), queue(cli, 2)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            introduce(tg, ANN)
            tg.drop_connection_next("sendMessage", store=True)  # it reached Telegram
            cli("tick", "--at", first)
            [notice] = tg.wait_for_messages(ANN, 2)[1:]
            assert notice["plain_text"].startswith("❓ Post #1 may or may not be on Tin tốt")
            assert buttons(notice) == [
                ("✅ It went out", "wentout:1"),
                ("📤 Send again", "again:1"),
            ]
            cli("tick", "--at", first)
            assert len(tg.messages(CHANNEL)) == 1  # never resent on its own
            assert press(tg, ANN, notice, "wentout:1") == "Marked as published. Thank you."
            assert press(tg, ANN, notice, "again:1") == "Already settled."

            tg.drop_connection_next("sendMessage", store=False)  # it never arrived
            cli("tick", "--at", second)
            [notice2] = tg.wait_for_messages(ANN, 3)[2:]
            assert press(tg, ANN, notice2, "again:2") == "It will be sent at the next pass."
            tg.wait_for_messages(CHANNEL, 2, timeout=20)
            assert running.stop(proc) == 0
        posts = {p["id"]: p for p in json.loads(cli("queue", "--all", "--json").stdout)}
        assert [posts[1]["status"], posts[2]["status"]] == ["published", "published"]
        assert len(tg.messages(CHANNEL)) == 2  # each post exactly once


def test_a_channel_the_bot_lost_is_held_told_once_and_released_by_check(workdir: Path) -> None:
    with FakeTelegram() as tg:
        cli, _ = setup(tg, workdir)
        queue(cli, 1)
        second = queue(cli, 2)  # the later of the two slots
        tg.set_member(CHANNEL, tg.bot_id, "left")
        cli("tick", "--at", second)
        cli("tick", "--at", second)
        # Post 1's slot was a day before: the tick's catch-up moved it and tells it, as the
        # worker does at its start. The hold is one cause, one message, however many posts.
        moved, held = tg.wait_for_messages(LAN, 2)
        assert moved["plain_text"].startswith("Bài #1 trên tg đã lỡ khung giờ ")
        assert held["plain_text"].startswith("⏸ Tạm ngừng đăng bài lên tg\nLý do: ")
        assert len(tg.messages(LAN)) == 2
        sends = [c for c in tg.calls("sendMessage") if str(c.params.get("chat_id")) == str(CHANNEL)]
        assert len(sends) == 1  # the other post was not even tried
        board = json.loads(cli("queue", "--json").stdout)
        assert {p["status"] for p in board} == {"scheduled"}

        assert cli("check", ok=False).exit_code == 1  # still not allowed: stays held
        tg.set_member(CHANNEL, tg.bot_id, "administrator")
        result = cli("check")
        assert "tg: no longer held" in result.stderr
        # Post 2 goes at once. Post 1's slot was a day before the first tick's instant: the
        # catch-up policy had moved it to the next free slot, where it now goes out.
        assert "post 2 → tg: sent" in cli("tick", "--at", second).stdout
        [later] = json.loads(cli("queue", "--json").stdout)
        assert later["id"] == 1 and later["slot"] > second
        cli("tick", "--at", later["slot"])
        assert [m["plain_text"][:10] for m in tg.messages(CHANNEL)] == ["Tin tốt: 2", "Tin tốt: 1"]


def test_an_alert_links_to_what_already_went_out(workdir: Path) -> None:
    from tests.factories import png

    with FakeTelegram() as tg:
        cli, _env = setup(tg, workdir)
        for n in (1, 2):
            (workdir / f"{n}.png").write_bytes(png(seed=n))
        long_text = "Tin tốt có ảnh\n" + "Một câu dài về ngày hội. " * 60  # over a caption
        args = ("--photo", "1.png", "--photo", "2.png", "--approved")
        cli("queue", "add", "--text", long_text, *args)
        [post] = json.loads(cli("queue", "--json").stdout)
        # The album goes out, then Telegram refuses the text that follows it.
        tg.fail_next("sendMessage", status=400, description="Bad Request: chat is deactivated")
        cli("tick", "--at", post["slot"])
        album = tg.messages(CHANNEL)
        assert len(album) == 2
        [alert] = tg.wait_for_messages(LAN, 1, timeout=20)
        assert alert["plain_text"].startswith("❓")
        assert alert["plain_text"].endswith(f"https://t.me/c/410/{album[0]['message_id']}")


def test_an_alert_names_a_public_channel_by_its_title_with_its_link(workdir: Path) -> None:
    """`goodnews check` learnt the channel's title; the admins read it, linked to the
    channel (a public one: t.me/<username>), not the config's name."""
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(LAN, "Lan")
        cli, _env = running.prepare(workdir, tg, '"@tin_tot"', f"admins = [{LAN}]\n")
        cli("check")
        slot = queue(cli, 1)
        tg.fail_next("sendMessage", status=400, description="Bad Request: message is too long")
        cli("tick", "--at", slot)
        [alert] = tg.wait_for_messages(LAN, 1, timeout=20)
        head = "🚫 Bài #1 chưa đăng được lên Tin tốt\n"
        assert alert["plain_text"].startswith(head)
        [link] = [e for e in alert["entities"] if e["type"] == "text_link"]
        assert link["url"] == "https://t.me/tin_tot"
        # Offsets count UTF-16 units: the 🚫 takes two.
        assert (link["offset"], link["length"]) == (head.index("Tin tốt") + 1, len("Tin tốt"))
