"""The fake Telegram and Graph servers, exercised only through python-telegram-bot and
facebook-sdk over real HTTP, the way the bot itself talks to them."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import struct
import time
import warnings
import zlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import facebook
import pytest
import requests
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from tests.fakes.graph import BAD_GATEWAY_HTML, FakeGraph, duplicate_post_body, rate_limit_body
from tests.fakes.telegram import FakeTelegram

CHANNEL = -1001234567890
CHANNEL_NAME = "goodnews_vn"
USER = 4242
PAGE = "1029384756"
PAGE_TOKEN = "EAAB-page-token"
OTHER_PAGE = "5647382910"
OTHER_TOKEN = "EAAB-other-page-token"

T = TypeVar("T")


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny) PNG image."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.add_channel(CHANNEL, CHANNEL_NAME, "Tin Vui Mỗi Ngày")
        fake.add_user(USER, "Lan", language_code="vi", username="lan_editor")
        yield fake


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        fake.add_page(PAGE, PAGE_TOKEN, name="Tin Vui")
        fake.add_page(OTHER_PAGE, OTHER_TOKEN, name="Another Page")
        monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", fake.url)  # restored after the test
        yield fake


def make_bot(tg: FakeTelegram, token: str | None = None) -> telegram.Bot:
    return telegram.Bot(token or tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)


def run_bot(tg: FakeTelegram, scenario: Callable[[telegram.Bot], Awaitable[T]]) -> T:
    async def main() -> T:
        async with make_bot(tg) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def graph_api(graph: FakeGraph, token: str | None = PAGE_TOKEN) -> facebook.GraphAPI:
    api = facebook.GraphAPI(access_token=token, timeout=5)
    api.version = graph.version
    return api


def last_description(tg: FakeTelegram, method: str) -> str:
    """The description exactly as the server sent it (PTB re-capitalises its copy)."""
    response = tg.calls(method)[-1].response
    assert response is not None
    return str(response["description"])


def error_descriptions(tg: FakeTelegram, method: str) -> list[str]:
    """Descriptions of every failed call to ``method``, verbatim."""
    return [
        str(c.response["description"])
        for c in tg.calls(method)
        if c.response is not None and not c.response["ok"]
    ]


def entity_triples(entities: Any) -> list[tuple[str, int, int]]:
    return [(str(e.type), e.offset, e.length) for e in entities]


# ============================================================================================
# Telegram: routing, identity, tokens
# ============================================================================================


def test_get_me_and_case_insensitive_methods(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        assert bot.username == "goodnews_test_bot"
        assert bot.id == 123456
        me = await bot.do_api_request("GETME")  # method names are case-insensitive
        assert me["username"] == "goodnews_test_bot"
        assert me["is_bot"] is True
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")

    run_bot(tg, scenario)
    assert [c.method for c in tg.calls()] == ["getMe", "GETME", "noSuchMethod"]
    assert tg.calls("nosuchmethod")[0].status == 404
    assert tg.calls("nosuchmethod")[0].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }


def test_wrong_and_malformed_tokens(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with make_bot(tg, "123456:WRONG-token") as bot:
            await bot.get_me()

    with pytest.raises(InvalidToken):
        asyncio.run(scenario())
    call = tg.calls()[-1]
    assert (call.status, call.response) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert call.token == "123456:WRONG-token"

    async def malformed() -> None:
        async with make_bot(tg, "not-a-token") as bot:
            await bot.get_me()

    with pytest.raises(InvalidToken):
        asyncio.run(malformed())
    assert tg.calls()[-1].status == 404


# ============================================================================================
# Telegram: sending and parsing
# ============================================================================================


def test_html_round_trip_and_storage(tg: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Đọc tiếp", url="https://example.com")]])

    async def scenario(bot: telegram.Bot) -> telegram.Message:
        return await bot.send_message(
            f"@{CHANNEL_NAME}",
            "<b>T&amp;C</b> &lt;3 <a href='https://example.com/x'>link</a>",
            parse_mode="HTML",
            reply_markup=keyboard,
            disable_notification=True,
        )

    message = run_bot(tg, scenario)
    assert message.text == "T&C <3 link"
    assert entity_triples(message.entities) == [("bold", 0, 3), ("text_link", 7, 4)]
    assert message.entities[1].url == "https://example.com/x"
    assert message.chat.id == CHANNEL
    assert message.sender_chat is not None
    assert message.sender_chat.id == CHANNEL
    assert message.from_user is None
    assert message.reply_markup is not None
    assert message.reply_markup.inline_keyboard[0][0].url == "https://example.com/"

    (stored,) = tg.messages(CHANNEL)
    assert stored["text"] == "<b>T&amp;C</b> &lt;3 <a href='https://example.com/x'>link</a>"
    assert stored["parse_mode"] == "HTML"
    assert stored["plain_text"] == "T&C <3 link"
    assert stored["entities"][0] == {"offset": 0, "length": 3, "type": "bold"}
    assert stored["reply_markup"] == {
        "inline_keyboard": [[{"text": "Đọc tiếp", "url": "https://example.com/"}]]
    }
    assert stored["disable_notification"] is True
    assert tg.message(CHANNEL, message.message_id)["plain_text"] == "T&C <3 link"

    params = tg.calls("sendMessage")[0].params
    assert params["chat_id"] == f"@{CHANNEL_NAME}"
    assert params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Đọc tiếp"
    assert params["disable_notification"] is True
    assert tg.calls("sendMessage")[0].token == tg.token


def test_utf16_offsets_auto_entities_and_private_chat(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> telegram.Message:
        return await bot.send_message(
            USER, "🎉 <i>Tin vui</i>: https://vnexpress.net/a.\n#tinvui", parse_mode="HTML"
        )

    message = run_bot(tg, scenario)
    assert message.text == "🎉 Tin vui: https://vnexpress.net/a.\n#tinvui"
    # "🎉" is two UTF-16 code units; the URL stops before the final period
    assert entity_triples(message.entities) == [
        ("italic", 3, 7),
        ("url", 12, 23),
        ("hashtag", 37, 7),
    ]
    assert message.from_user is not None
    assert message.from_user.is_bot
    assert message.from_user.username == "goodnews_test_bot"
    assert message.chat.type == "private"
    assert message.chat.first_name == "Lan"


def test_html_parse_errors_match_telegram(tg: FakeTelegram) -> None:
    cases = {
        "<x>hi</x>": 'Unsupported start tag "x" at byte offset 0',
        "Tin <b>vui": 'Can\'t find end tag corresponding to start tag "b"',
        "<b><i>x</b></i>": 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        "a < b": 'Unsupported start tag "" at byte offset 2',
        "<b>x</b></i>": "Unexpected end tag at byte offset 8",
        'Cắt <a href="https://e.com': "Unclosed start tag at byte offset 6",
    }

    async def scenario(bot: telegram.Bot) -> None:
        for text in cases:
            with pytest.raises(BadRequest, match="(?i)can't parse entities"):
                await bot.send_message(CHANNEL, text, parse_mode="HTML")
        # A bare & that starts no entity is kept as text, exactly like Telegram does.
        ok = await bot.send_message(CHANNEL, "T&C <b>&unknown;</b>", parse_mode="HTML")
        assert ok.text == "T&C &unknown;"

    run_bot(tg, scenario)
    expected = [f"Bad Request: can't parse entities: {m}" for m in cases.values()]
    assert error_descriptions(tg, "sendMessage") == expected
    assert [m["plain_text"] for m in tg.messages(CHANNEL)] == ["T&C &unknown;"]


def test_markdown_v2_and_legacy_markdown(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> list[telegram.Message]:
        first = await bot.send_message(
            CHANNEL,
            r"*Tin vui* \- _hôm nay_ [ở đây](https://example.com)\.",
            parse_mode="MarkdownV2",
        )
        with pytest.raises(BadRequest):
            await bot.send_message(CHANNEL, "Hết.", parse_mode="MarkdownV2")
        with pytest.raises(BadRequest):
            await bot.send_message(CHANNEL, "*đậm", parse_mode="MarkdownV2")
        second = await bot.send_message(CHANNEL, "*cũ* `code`", parse_mode="Markdown")
        with pytest.raises(BadRequest):
            await bot.send_message(CHANNEL, "_lẻ", parse_mode="Markdown")
        return [first, second]

    first, second = run_bot(tg, scenario)
    assert first.text == "Tin vui - hôm nay ở đây."
    assert entity_triples(first.entities) == [
        ("bold", 0, 7),
        ("italic", 10, 7),
        ("text_link", 18, 5),
    ]
    assert second.text == "cũ code"
    assert entity_triples(second.entities) == [("bold", 0, 2), ("code", 3, 4)]
    assert error_descriptions(tg, "sendMessage") == [
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with "
        "the preceding '\\'",
        "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
        "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0",
    ]


def test_length_limits_and_empty_text(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(CHANNEL, "a" * 4097)
        # the limit applies to the text after entity parsing, counted in UTF-16 code units
        await bot.send_message(CHANNEL, "<b>" + "ư" * 4096 + "</b>", parse_mode="HTML")
        await bot.send_message(CHANNEL, "😀" * 2048)
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(CHANNEL, "😀" * 2048 + "a")  # 4097 units: refused
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await bot.send_message(CHANNEL, "")
        with pytest.raises(BadRequest, match="(?i)text must be non-empty"):
            await bot.send_message(CHANNEL, "<b> </b>\n", parse_mode="HTML")
        trimmed = await bot.send_message(CHANNEL, "\n  Xin\r\nchào\t!  \n")
        assert trimmed.text == "Xin\nchào !"
        kept = await bot.send_message(CHANNEL, " <b> đậm</b> ", parse_mode="HTML")
        assert kept.text == " đậm"  # left trim stops at the first entity
        assert entity_triples(kept.entities) == [("bold", 0, 4)]

    run_bot(tg, scenario)
    assert len(tg.messages(CHANNEL)) == 4
    statuses = [(c.status, (c.response or {}).get("description")) for c in tg.calls("sendMessage")]
    assert statuses[0] == (400, "Bad Request: message is too long")
    assert statuses[3] == (400, "Bad Request: message is too long")
    assert statuses[4] == (400, "Bad Request: message text is empty")


def test_chat_access_errors(tg: FakeTelegram) -> None:
    tg.add_user(777, "Minh", started=False)
    tg.add_channel(-1009, None, "Kênh khác")
    tg.set_member(-1009, tg.bot_id, "left")
    tg.add_channel(-1010, "kenh_ba", "Kênh ba")
    tg.set_member(-1010, tg.bot_id, "administrator", can_post_messages=False)

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message(-1005, "x")
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message("@nobody_here", "x")
        with pytest.raises(Forbidden, match="(?i)not a member of the channel chat"):
            await bot.send_message(-1009, "x")
        with pytest.raises(BadRequest, match="(?i)need administrator rights"):
            await bot.send_message("@kenh_ba", "x")
        with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
            await bot.send_message(777, "x")
        tg.set_blocked(USER)
        with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
            await bot.send_message(USER, "x")

    run_bot(tg, scenario)
    assert [c.status for c in tg.calls("sendMessage")] == [400, 400, 403, 400, 403, 403]
    assert all(not tg.messages(chat) for chat in (CHANNEL, -1009, -1010, 777, USER))


def test_edit_message_text_and_markup(tg: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Duyệt", callback_data="ok:1")]])

    async def scenario(bot: telegram.Bot) -> None:
        sent = await bot.send_message(USER, "Bản nháp", reply_markup=keyboard)
        edited = await bot.edit_message_text(
            "<b>Đã duyệt</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML"
        )
        assert isinstance(edited, telegram.Message)
        assert edited.text == "Đã duyệt"
        assert edited.edit_date is not None
        assert edited.reply_markup is None  # omitting reply_markup removes the keyboard
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text(
                "<b>Đã duyệt</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML"
            )
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=USER, message_id=999)
        again = await bot.edit_message_reply_markup(
            chat_id=USER, message_id=sent.message_id, reply_markup=keyboard
        )
        assert isinstance(again, telegram.Message)
        assert again.reply_markup == keyboard
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_reply_markup(
                chat_id=USER, message_id=sent.message_id, reply_markup=keyboard
            )

    run_bot(tg, scenario)
    assert last_description(tg, "editMessageReplyMarkup") == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    (stored,) = tg.messages(USER)
    assert stored["plain_text"] == "Đã duyệt"
    assert stored["text"] == "<b>Đã duyệt</b>"
    assert [e["plain_text"] for e in stored["edits"]] == ["Bản nháp", "Đã duyệt"]
    assert stored["reply_markup"] == {
        "inline_keyboard": [[{"text": "Duyệt", "callback_data": "ok:1"}]]
    }


# ============================================================================================
# Telegram: updates, long polling, callbacks
# ============================================================================================


def test_long_poll_returns_promptly_when_a_message_arrives(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> tuple[tuple[telegram.Update, ...], float]:
        poll = asyncio.create_task(bot.get_updates(timeout=20))
        await asyncio.to_thread(tg.wait_for_poller)
        started = time.monotonic()
        tg.push_message(USER, "/start@goodnews_test_bot xin chào")
        updates = await poll
        return updates, time.monotonic() - started

    updates, elapsed = run_bot(tg, scenario)
    assert elapsed < 2.0, f"long poll took {elapsed:.2f}s to notice the message"
    (update,) = updates
    assert update.message is not None
    assert update.message.text == "/start@goodnews_test_bot xin chào"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "vi"
    assert entity_triples(update.message.entities) == [("bot_command", 0, 24)]
    assert update.message.chat.id == USER


def test_offset_confirms_and_limit(tg: FakeTelegram) -> None:
    first = tg.push_message(USER, "một")
    second = tg.push_message(USER, "hai")
    assert second["update_id"] == first["update_id"] + 1

    async def scenario(bot: telegram.Bot) -> None:
        one = await bot.get_updates(limit=1)
        assert [u.update_id for u in one] == [first["update_id"]]
        both = await bot.get_updates()
        assert [u.message.text for u in both if u.message] == ["một", "hai"]
        none = await bot.get_updates(offset=second["update_id"] + 1)
        assert none == ()
        assert tg.pending_updates() == []
        third = tg.push_message(USER, "/help")
        again = await bot.get_updates(offset=second["update_id"] + 1, timeout=5)
        assert [u.update_id for u in again] == [third["update_id"]]

    run_bot(tg, scenario)


def test_second_poller_terminates_the_first_with_409(tg: FakeTelegram) -> None:
    async def scenario() -> float:
        async with make_bot(tg) as first, make_bot(tg) as second:
            waiting = asyncio.create_task(first.get_updates(timeout=20))
            await asyncio.to_thread(tg.wait_for_poller)
            started = time.monotonic()
            assert await second.get_updates(timeout=0) == ()
            with pytest.raises(Conflict, match="(?i)terminated by other getUpdates request"):
                await waiting
            return time.monotonic() - started

    assert asyncio.run(scenario()) < 2.0
    (conflict,) = [c for c in tg.calls("getUpdates") if c.status == 409]
    assert conflict.params["timeout"] == 20  # the earlier, waiting poll is the one terminated
    assert conflict.response == {
        "ok": False,
        "error_code": 409,
        "description": "Conflict: terminated by other getUpdates request; make sure that only "
        "one bot instance is running",
    }


def test_webhook_blocks_get_updates(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(BadRequest, match="(?i)https url must be provided"):
            await bot.set_webhook("http://example.com/hook")
        assert await bot.set_webhook("https://example.com/hook")
        info = await bot.get_webhook_info()
        assert info.url == "https://example.com/hook"
        with pytest.raises(Conflict, match="(?i)webhook is active"):
            await bot.get_updates()
        tg.push_message(USER, "vẫn xếp hàng")
        assert (await bot.get_webhook_info()).pending_update_count == 1
        assert await bot.delete_webhook()
        (update,) = await bot.get_updates()
        assert update.message is not None
        assert update.message.text == "vẫn xếp hàng"

    run_bot(tg, scenario)
    assert error_descriptions(tg, "getUpdates") == [
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
        "delete the webhook first"
    ]
    assert error_descriptions(tg, "setWebhook") == [
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    ]
    assert tg.calls("setWebhook")[1].response == {
        "ok": True,
        "result": True,
        "description": "Webhook was set",
    }
    assert tg.webhook_url is None


def test_allowed_updates_filters_new_updates(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        sent = await bot.send_message(
            USER,
            "Chọn",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
        )
        assert await bot.get_updates(allowed_updates=["message"]) == ()
        tg.push_callback(USER, USER, sent.message_id, "a")
        tg.push_message(USER, "chữ")
        updates = await bot.get_updates()
        assert [u.message.text for u in updates if u.message] == ["chữ"]
        assert all(u.callback_query is None for u in updates)

    run_bot(tg, scenario)


def test_callback_query_round_trip(tg: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Đăng", callback_data="publish:7")]])

    async def scenario(bot: telegram.Bot) -> None:
        sent = await bot.send_message(USER, "Đăng bài này?", reply_markup=keyboard)
        pushed = tg.push_callback(USER, USER, sent.message_id, "publish:7")
        (update,) = await bot.get_updates(timeout=5)
        query = update.callback_query
        assert query is not None
        assert query.id == pushed["callback_query"]["id"]
        assert query.data == "publish:7"
        assert query.from_user.id == USER
        assert query.chat_instance
        assert isinstance(query.message, telegram.Message)
        assert query.message.message_id == sent.message_id
        assert query.message.reply_markup == keyboard
        assert await query.answer("Đã đăng ✅")
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await query.answer("lần hai")
        with pytest.raises(BadRequest, match="(?i)query id is invalid"):
            await bot.answer_callback_query("123")
        await query.edit_message_text("Đã đăng")

    run_bot(tg, scenario)
    (answer,) = tg.callback_answers().values()
    assert answer["text"] == "Đã đăng ✅"
    assert last_description(tg, "answerCallbackQuery") == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert tg.messages(USER)[0]["plain_text"] == "Đã đăng"


# ============================================================================================
# Telegram: commands, chats, members
# ============================================================================================


def test_my_commands_per_scope_and_language(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        default = [telegram.BotCommand("start", "Bắt đầu"), telegram.BotCommand("help", "Trợ giúp")]
        admins = [telegram.BotCommand("queue", "Hàng chờ")]
        assert await bot.set_my_commands(default)
        assert await bot.set_my_commands(
            admins, scope=telegram.BotCommandScopeChat(USER), language_code="vi"
        )
        assert await bot.get_my_commands() == tuple(default)
        assert await bot.get_my_commands(language_code="vi") == ()
        assert await bot.get_my_commands(
            scope=telegram.BotCommandScopeChat(USER), language_code="vi"
        ) == tuple(admins)
        with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
            await bot.set_my_commands([telegram.BotCommand("Start", "hoa")])
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()

    run_bot(tg, scenario)
    assert tg.commands({"type": "chat", "chat_id": USER}, "vi") == [
        {"command": "queue", "description": "Hàng chờ"}
    ]


def test_get_chat_and_chat_members(tg: FakeTelegram) -> None:
    tg.set_member(CHANNEL, USER, "restricted", can_send_messages=False)

    async def scenario(bot: telegram.Bot) -> None:
        chat = await bot.get_chat(f"@{CHANNEL_NAME}")
        assert (chat.id, chat.type, chat.title, chat.username) == (
            CHANNEL,
            "channel",
            "Tin Vui Mỗi Ngày",
            CHANNEL_NAME,
        )
        me = await bot.get_chat_member(CHANNEL, bot.id)
        assert isinstance(me, telegram.ChatMemberAdministrator)
        assert me.can_post_messages is True
        tg.set_member(CHANNEL, tg.bot_id, "administrator", can_post_messages=False)
        assert (await bot.get_chat_member(CHANNEL, bot.id)).can_post_messages is False  # type: ignore[attr-defined]
        restricted = await bot.get_chat_member(CHANNEL, USER)
        assert isinstance(restricted, telegram.ChatMemberRestricted)
        tg.set_member(CHANNEL, USER, "left")
        assert isinstance(await bot.get_chat_member(CHANNEL, USER), telegram.ChatMemberLeft)
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.get_chat(-42)

    run_bot(tg, scenario)


# ============================================================================================
# Telegram: media
# ============================================================================================


def test_send_photo_upload_file_id_and_caption_limit(tg: FakeTelegram) -> None:
    image = png(640, 480)

    async def scenario(bot: telegram.Bot) -> None:
        first = await bot.send_photo(
            CHANNEL, image, caption="<b>Ảnh</b> đẹp", parse_mode="HTML", filename="a.png"
        )
        assert first.photo[-1].width == 640
        assert first.photo[-1].height == 480
        assert first.caption == "Ảnh đẹp"
        assert entity_triples(first.caption_entities) == [("bold", 0, 3)]
        again = await bot.send_photo(CHANNEL, first.photo[-1].file_id)
        assert again.photo[-1].file_unique_id == first.photo[-1].file_unique_id
        with pytest.raises(BadRequest, match="(?i)message caption is too long"):
            await bot.send_photo(
                CHANNEL, image, caption="<i>" + "x" * 1025 + "</i>", parse_mode="HTML"
            )
        await bot.send_photo(CHANNEL, image, caption="<i>" + "x" * 1024 + "</i>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)image_process_failed"):
            await bot.send_photo(CHANNEL, b"definitely not an image")
        with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
            await bot.send_photo(CHANNEL, "AgACunknown")

    run_bot(tg, scenario)
    stored = tg.messages(CHANNEL)
    assert [m["kind"] for m in stored] == ["photo", "photo", "photo"]
    assert stored[0]["caption"] == "<b>Ảnh</b> đẹp"
    assert stored[0]["plain_caption"] == "Ảnh đẹp"
    upload = tg.calls("sendPhoto")[0].params["photo"]
    assert upload.data == image
    assert upload.filename == "a.png"
    assert last_description(tg, "sendPhoto") == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert tg.calls("sendPhoto")[2].response == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message caption is too long",
    }


def test_photo_by_url_download_and_replies(tg: FakeTelegram) -> None:
    tg.set_url_content("https://cdn.example.com/down.jpg", None)
    tg.set_url_content("https://cdn.example.com/real.png", png(8, 6))

    async def scenario(bot: telegram.Bot) -> None:
        uploaded = await bot.send_photo(USER, png(12, 9))
        downloaded = await (await bot.get_file(uploaded.photo[-1].file_id)).download_as_bytearray()
        assert bytes(downloaded) == png(12, 9)
        by_url = await bot.send_photo(USER, "https://cdn.example.com/real.png", caption="từ URL")
        assert (by_url.photo[-1].width, by_url.photo[-1].height) == (8, 6)
        with pytest.raises(BadRequest, match="(?i)failed to get http url content"):
            await bot.send_photo(USER, "https://cdn.example.com/down.jpg")
        reply = await bot.send_message(
            USER, "trả lời", reply_parameters=telegram.ReplyParameters(by_url.message_id)
        )
        assert reply.reply_to_message is not None
        assert reply.reply_to_message.message_id == by_url.message_id
        with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
            await bot.send_message(USER, "x", reply_parameters=telegram.ReplyParameters(999))

    run_bot(tg, scenario)
    assert [m["kind"] for m in tg.messages(USER)] == ["photo", "photo", "text"]
    assert tg.messages(USER)[1]["media"]["source"] == "https://cdn.example.com/real.png"


def test_send_media_group(tg: FakeTelegram) -> None:
    async def scenario(bot: telegram.Bot) -> None:
        album = await bot.send_media_group(
            CHANNEL,
            [
                InputMediaPhoto(png(10, 20), caption="<b>Một</b>", parse_mode="HTML"),
                InputMediaPhoto(png(30, 40)),
            ],
        )
        assert len(album) == 2
        assert album[0].media_group_id is not None
        assert album[0].media_group_id == album[1].media_group_id
        assert album[0].caption == "Một"
        assert album[1].photo[-1].width == 30
        with pytest.raises(BadRequest, match="(?i)too many messages"):
            await bot.send_media_group(CHANNEL, [InputMediaPhoto(album[1].photo[-1].file_id)] * 11)

    run_bot(tg, scenario)
    assert [m["media_group_id"] is not None for m in tg.messages(CHANNEL)] == [True, True]


# ============================================================================================
# Telegram: fault injection and lifecycle
# ============================================================================================


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_fail_next_retry_after_stores_nothing(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage")

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHANNEL, "lần một")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert caught.value.retry_after in (3, dt.timedelta(seconds=3))
        await bot.send_message(CHANNEL, "lần hai")

    run_bot(tg, scenario)
    assert [m["plain_text"] for m in tg.messages(CHANNEL)] == ["lần hai"]
    assert tg.calls("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


def test_fail_next_any_error_shape(tg: FakeTelegram) -> None:
    tg.fail_next(
        "sendmessage", status=403, description="Forbidden: bot was kicked from the channel chat"
    )

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(Forbidden):
            await bot.send_message(CHANNEL, "x")

    run_bot(tg, scenario)
    assert tg.calls("sendMessage")[0].response == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was kicked from the channel chat",
    }
    assert tg.messages(CHANNEL) == []


def test_dropped_connection_after_the_message_was_received(tg: FakeTelegram) -> None:
    tg.drop_connection_next("sendMessage")

    async def scenario(bot: telegram.Bot) -> None:
        with pytest.raises(NetworkError):
            await bot.send_message(CHANNEL, "đã tới nơi")

    run_bot(tg, scenario)
    (call,) = tg.calls("sendMessage")
    assert call.dropped
    assert call.response is None
    assert [m["plain_text"] for m in tg.messages(CHANNEL)] == ["đã tới nơi"]


def test_delay_next_holds_the_answer(tg: FakeTelegram) -> None:
    tg.delay_next("sendMessage", 0.3)

    async def scenario(bot: telegram.Bot) -> float:
        started = time.monotonic()
        await bot.send_message(CHANNEL, "chậm")
        return time.monotonic() - started

    assert run_bot(tg, scenario) >= 0.3
    assert tg.calls("sendMessage")[0].delay == 0.3


def test_stop_is_prompt_during_long_poll_and_delay() -> None:
    fake = FakeTelegram().start()

    async def scenario() -> float:
        async with make_bot(fake) as bot:
            fake.delay_next("sendChatAction", 60)
            fake.add_user(USER, "Lan")
            slow = asyncio.create_task(bot.send_chat_action(USER, "typing", read_timeout=120))
            poll = asyncio.create_task(bot.get_updates(timeout=40, read_timeout=120))
            await asyncio.to_thread(fake.wait_for_poller)
            await asyncio.to_thread(fake.wait_for_call, "sendChatAction")
            started = time.monotonic()
            await asyncio.to_thread(fake.stop)
            stopped = time.monotonic() - started
            results = await asyncio.gather(slow, poll, return_exceptions=True)
            assert isinstance(results[0], NetworkError)  # hung up instead of answering
            assert results[1] == () or isinstance(results[1], NetworkError)
            return stopped

    try:
        assert asyncio.run(scenario()) < 3.0
        assert not fake.running
    finally:
        fake.stop()  # idempotent; only matters if the scenario failed early


def test_wait_for_call_times_out_with_a_useful_message(tg: FakeTelegram) -> None:
    with pytest.raises(AssertionError, match="sendMessage"):
        tg.wait_for_call("sendMessage", timeout=0.05)
    tg.push_message(USER, "hi")
    since = tg.mark()

    async def scenario(bot: telegram.Bot) -> None:
        await bot.send_message(USER, "một")
        await bot.send_message(USER, "hai")

    run_bot(tg, scenario)
    calls = tg.wait_for_calls("sendMessage", 2, since=since)
    assert [c.params["text"] for c in calls] == ["một", "hai"]
    (hai,) = tg.wait_for_messages(USER, 1, predicate=lambda m: m["plain_text"] == "hai")
    assert hai["message_id"] == 3  # the user's "hi" took id 1 in the shared private chat


# ============================================================================================
# Graph
# ============================================================================================


def test_graph_post_with_link(graph: FakeGraph) -> None:
    api = graph_api(graph)
    result = api.put_object(PAGE, "feed", message="Tin vui hôm nay", link="https://example.com/a")
    post_id = result["id"]
    assert post_id.startswith(f"{PAGE}_")
    (post,) = graph.wait_for_posts(PAGE, 1)
    assert post["id"] == post_id
    assert post["message"] == "Tin vui hôm nay"
    assert post["link"] == "https://example.com/a"
    assert post["published"] is True
    read = api.get_object(post_id, fields="message,permalink_url")
    assert read["message"] == "Tin vui hôm nay"
    assert read["id"] == post_id
    assert api.get_object("me") == {"name": "Tin Vui", "id": PAGE}
    assert api.get_object(PAGE, fields="id,name") == {"name": "Tin Vui", "id": PAGE}
    call = graph.wait_for_call("/feed")
    assert call.token == PAGE_TOKEN
    assert call.params["message"] == "Tin vui hôm nay"
    assert call.status == 200


def test_graph_photos_and_attached_media(graph: FakeGraph) -> None:
    api = graph_api(graph)
    hidden = api.put_photo(io.BytesIO(png(50, 60)), album_path=f"{PAGE}/photos", published="false")
    assert set(hidden) == {"id"}
    shown = api.put_photo(io.BytesIO(png()), album_path=f"{PAGE}/photos", caption="Ảnh")
    assert set(shown) == {"id", "post_id"}
    post = api.put_object(
        PAGE,
        "feed",
        message="Album",
        **{"attached_media[0]": json.dumps({"media_fbid": hidden["id"]})},
    )
    photos = graph.photos(PAGE)
    assert [(p["width"], p["height"], p["published"]) for p in photos] == [
        (50, 60, False),
        (4, 3, True),
    ]
    assert photos[0]["source"].data == png(50, 60)
    posts = graph.posts(PAGE)
    assert [p["id"] for p in posts] == [shown["post_id"], post["id"]]
    assert posts[1]["attached_media"] == [{"media_fbid": hidden["id"]}]
    assert graph.calls("/feed")[0].params["attached_media[0]"] == {"media_fbid": hidden["id"]}
    with pytest.raises(facebook.GraphAPIError) as caught:
        api.put_photo(io.BytesIO(b"not an image"), album_path=f"{PAGE}/photos")
    assert caught.value.code == 324


def test_graph_token_errors(graph: FakeGraph) -> None:
    with pytest.raises(facebook.GraphAPIError) as missing:
        graph_api(graph, token=None).get_object(PAGE)
    assert missing.value.code == 104
    assert missing.value.message == "An access token is required to request this resource."

    with pytest.raises(facebook.GraphAPIError) as invalid:
        graph_api(graph, token="garbage").put_object(PAGE, "feed", message="x")
    assert invalid.value.code == 190
    assert invalid.value.type == "OAuthException"
    assert invalid.value.message == "Invalid OAuth access token - Cannot parse access token"

    graph.expire_token(PAGE_TOKEN)
    with pytest.raises(facebook.GraphAPIError) as expired:
        graph_api(graph).put_object(PAGE, "feed", message="x")
    error = expired.value.result["error"]
    assert expired.value.code == 190
    assert error["error_subcode"] == 463
    assert error["type"] == "OAuthException"
    assert error["message"].startswith("Error validating access token: Session has expired on ")
    assert "The current time is " in error["message"]
    assert error["fbtrace_id"]

    with pytest.raises(facebook.GraphAPIError) as foreign:
        graph_api(graph, token=OTHER_TOKEN).put_object(PAGE, "feed", message="x")
    assert foreign.value.code == 200
    assert foreign.value.message.startswith("(#200) ")
    assert graph.calls()[-1].status == 403
    assert graph.posts(PAGE) == []


def test_graph_unknown_object_missing_message_and_fields(graph: FakeGraph) -> None:
    api = graph_api(graph)
    with pytest.raises(facebook.GraphAPIError) as unknown:
        api.put_object("999", "feed", message="x")
    error = unknown.value.result["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (
        100,
        33,
        "GraphMethodException",
    )
    assert error["message"] == (
        "Unsupported post request. Object with ID '999' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api"
    )
    with pytest.raises(facebook.GraphAPIError, match="Unsupported get request"):
        api.get_object("999")
    with pytest.raises(facebook.GraphAPIError) as empty:
        api.put_object(PAGE, "feed")
    assert empty.value.code == 100
    assert empty.value.message == "(#100) Missing message or attachment"
    with pytest.raises(facebook.GraphAPIError) as field:
        api.get_object(PAGE, fields="nope")
    assert (
        field.value.message == "(#100) Tried accessing nonexisting field (nope) on node type (Page)"
    )
    assert graph.posts(PAGE) == []


def test_graph_sdk_default_version_is_rejected(graph: FakeGraph) -> None:
    api = facebook.GraphAPI(access_token=PAGE_TOKEN, timeout=5)  # version left at v2.8
    with pytest.raises(facebook.GraphAPIError) as caught:
        api.put_object(PAGE, "feed", message="x")
    assert caught.value.code == 2635
    assert "v2.8" in caught.value.message
    assert graph.calls()[0].path == f"/v2.8/{PAGE}/feed"
    assert graph.posts(PAGE) == []


def test_graph_html_502_and_rate_limits(graph: FakeGraph) -> None:
    api = graph_api(graph)
    graph.fail_next("/feed", status=502, body=BAD_GATEWAY_HTML, content_type="text/html")
    with pytest.raises(facebook.GraphAPIError) as gateway:
        api.put_object(PAGE, "feed", message="x")
    assert gateway.value.code is None
    graph.fail_next(f"{PAGE}/feed", status=400, body=rate_limit_body(32))
    with pytest.raises(facebook.GraphAPIError) as limited:
        api.put_object(PAGE, "feed", message="x")
    assert limited.value.code == 32
    assert limited.value.result["error"]["is_transient"] is True
    graph.fail_next("feed", status=400, body=duplicate_post_body())
    with pytest.raises(facebook.GraphAPIError) as duplicate:
        api.put_object(PAGE, "feed", message="x")
    assert duplicate.value.code == 506
    assert graph.posts(PAGE) == []
    assert api.put_object(PAGE, "feed", message="x")["id"]
    assert [c.status for c in graph.calls("/feed")] == [502, 400, 400, 200]
    assert graph.calls("/feed")[0].response == BAD_GATEWAY_HTML


def test_graph_dropped_and_delayed_answers(graph: FakeGraph) -> None:
    api = graph_api(graph)
    graph.drop_connection_next("/feed")
    with pytest.raises(requests.ConnectionError):
        api.put_object(PAGE, "feed", message="đã tới")
    graph.drop_connection_next("/feed", store=False)
    with pytest.raises(requests.ConnectionError):
        api.put_object(PAGE, "feed", message="không tới")
    assert [p["message"] for p in graph.posts(PAGE)] == ["đã tới"]

    graph.delay_next("/feed", 5)
    impatient = facebook.GraphAPI(access_token=PAGE_TOKEN, timeout=0.3)
    impatient.version = graph.version
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        impatient.put_object(PAGE, "feed", message="chậm")
    assert time.monotonic() - started < 2.0
    assert [p["message"] for p in graph.posts(PAGE)] == ["đã tới", "chậm"]
    started = time.monotonic()
    graph.stop()  # interrupts the held answer instead of waiting 5 s
    assert time.monotonic() - started < 3.0
