"""Can each channel publish for real? Asks the platforms, read-only, and says so in plain words.

Telegram: ``getMe`` (is the token accepted), ``getChat`` (does the bot see the chat) and
``getChatMember`` for the bot itself (may it post there). Facebook: ``GET /{page-id}`` and
``GET /me`` with the Page token (is the token valid, is the page right, is the token that
page's own). Nothing is sent or changed.

Library errors become a :class:`ChannelCheck` here and never escape. No message built here
contains a token: python-telegram-bot's ``InvalidToken`` and requests' connection errors can
quote it (in its text, in the URL), so their text is never shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import facebook
import requests
from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberRestricted
from telegram.constants import ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.config import ENV_FACEBOOK_TOKEN, ENV_TELEGRAM_TOKEN, ChannelConfig, Config
from bot.publishers import make_bot
from bot.publishers.facebook_page import ADMIN_CODES, RETRY_CODES, make_graph

__all__ = ["ChannelCheck", "Finding", "check_facebook", "check_telegram"]


class Finding(StrEnum):
    """What a check found, for programs; people read ``problem`` and ``fix``."""

    OK = "ok"
    DRY_RUN = "dry_run"  # no token: posts go to the outbox
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - wrong or revoked token
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - a finding's name, not a secret
    TOKEN_OF_OTHER_PAGE = "token_of_other_page"  # noqa: S105 - a finding's name, not a secret
    MISSING_PERMISSION = "missing_permission"
    CHAT_NOT_FOUND = "chat_not_found"
    CHAT_MIGRATED = "chat_migrated"
    NOT_ADMIN = "not_admin"
    CANNOT_POST = "cannot_post"  # an admin without the Post messages right, or muted
    WRONG_PAGE = "wrong_page"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"  # network error, 5xx, an error page: try again
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class ChannelCheck:
    """The verdict on one configured channel.

    ``ok`` is True only when the channel can publish for real right now. Otherwise
    ``problem`` says what is wrong and ``fix`` what to do, in plain English; a channel
    without a token is not ok (``finding`` is ``DRY_RUN``): its posts go to the outbox.
    ``detail`` says what was verified when ``ok``.
    """

    channel: str
    platform: str  # "telegram" or "facebook"
    target: str  # the chat_id or page_id, as configured
    ok: bool
    finding: Finding
    problem: str = ""
    fix: str = ""
    detail: str = ""

    @property
    def dry_run(self) -> bool:
        return self.finding is Finding.DRY_RUN

    @property
    def label(self) -> str:
        """``tg-main (telegram, @channel)`` or ``fb-main (facebook page 123)``."""
        if self.platform == "facebook":
            return f"{self.channel} (facebook page {self.target})"
        return f"{self.channel} ({self.platform}, {self.target})"


def _ok(channel: ChannelConfig, detail: str) -> ChannelCheck:
    return ChannelCheck(channel.name, channel.type, channel.target, True, Finding.OK, detail=detail)


def _bad(channel: ChannelConfig, finding: Finding, problem: str, fix: str) -> ChannelCheck:
    return ChannelCheck(channel.name, channel.type, channel.target, False, finding, problem, fix)


# -- Telegram ---------------------------------------------------------------------------------

_BOTFATHER_FIX = (
    f"open @BotFather in Telegram, send /mybots, pick the bot and copy its current token "
    f"(API Token; Revoke gives a new one), put it in {ENV_TELEGRAM_TOKEN} in the environment "
    "or in .env, and restart the worker (goodnews run)"
)


async def check_telegram(config: Config, channels: list[ChannelConfig]) -> list[ChannelCheck]:
    """One check per Telegram channel, in order; one ``getMe`` for all of them."""
    if not channels:
        return []
    bot = make_bot(config)
    if bot is None:
        return [_telegram_dry_run(config, c) for c in channels]
    api = config.settings.telegram.api_url
    try:
        try:
            await bot.initialize()  # getMe
        except InvalidToken:  # its message quotes the token: never shown
            return [_token_refused(c) for c in channels]
        except TelegramError as exc:
            return [_telegram_trouble(c, exc, api, bot.token) for c in channels]
        return [await _check_chat(bot, c, api) for c in channels]
    finally:
        await bot.shutdown()


def _token_refused(channel: ChannelConfig) -> ChannelCheck:
    return _bad(
        channel,
        Finding.TOKEN_REFUSED,
        f"Telegram refused {ENV_TELEGRAM_TOKEN} (Unauthorized): the token is wrong or was revoked",
        _BOTFATHER_FIX,
    )


def _telegram_dry_run(config: Config, channel: ChannelConfig) -> ChannelCheck:
    return _bad(
        channel,
        Finding.DRY_RUN,
        f"dry-run mode: {ENV_TELEGRAM_TOKEN} is not set, so posts are written to "
        f"{config.outbox_dir}/ instead of being sent to Telegram",
        f"get the bot's token from @BotFather, put {ENV_TELEGRAM_TOKEN}=<token> in the "
        "environment or in .env, make the bot an admin of the channel with the Post messages "
        "right, and run goodnews check again",
    )


async def _check_chat(bot: Bot, channel: ChannelConfig, api: str) -> ChannelCheck:
    me = f"@{bot.username}"
    try:
        chat = await bot.get_chat(channel.target)  # "@name" or the id, as text
        member = await bot.get_chat_member(chat.id, bot.id)
    except TelegramError as exc:
        return _chat_error(exc, channel, me, api, bot.token)
    where = f'"{chat.title}"' if chat.title else "the chat"
    if chat.type == ChatType.CHANNEL:
        return _channel_rights(channel, me, where, member)
    if chat.type == ChatType.PRIVATE:
        return _ok(channel, f"the bot {me} can write to this private chat")
    return _group_rights(channel, me, where, member)


def _chat_error(
    exc: TelegramError, channel: ChannelConfig, me: str, api: str, token: str
) -> ChannelCheck:
    """What ``getChat`` or ``getChatMember`` refused, in plain words."""
    if isinstance(exc, ChatMigrated):
        return _bad(
            channel,
            Finding.CHAT_MIGRATED,
            f"the group became a supergroup, whose chat id is {exc.new_chat_id}",
            f"set chat_id = {exc.new_chat_id} for channel {channel.name} in the config",
        )
    said = exc.message.lower()
    if isinstance(exc, BadRequest) and "chat not found" in said:
        return _bad(
            channel,
            Finding.CHAT_NOT_FOUND,
            f"Telegram says chat {channel.chat_id} does not exist for the bot {me}: the bot "
            "is not in that channel, or chat_id is wrong",
            f"add {me} to the channel as an admin with the Post messages right (channel → "
            "Administrators → Add Admin), and check chat_id in the config: "
            '"@username" for a public channel, the numeric id (-100…) for a private one',
        )
    if isinstance(exc, BadRequest) and "member list is inaccessible" in said:
        return _not_admin(channel, me, "the channel", "it cannot even see its own rights")
    if isinstance(exc, InvalidToken):  # revoked since getMe
        return _token_refused(channel)
    if isinstance(exc, Forbidden):
        return _not_admin(channel, me, "the channel", "Telegram refuses it access to the chat")
    return _telegram_trouble(channel, exc, api, token)


def _channel_rights(
    channel: ChannelConfig, me: str, where: str, member: ChatMember
) -> ChannelCheck:
    status = member.status
    if status == ChatMember.OWNER:
        return _ok(channel, f"the bot {me} can post in {where}")
    if isinstance(member, ChatMemberAdministrator):
        if member.can_post_messages:
            return _ok(channel, f"the bot {me} can post in {where}")
        return _bad(
            channel,
            Finding.CANNOT_POST,
            f"the bot {me} is an admin of {where} but without the Post messages right",
            f"in the channel: Administrators → {me} → turn on Post messages, and save",
        )
    if status == ChatMember.BANNED:
        return _bad(
            channel,
            Finding.NOT_ADMIN,
            f"the bot {me} was removed from {where} and is banned there",
            f"in the channel: Removed users → unban {me}, then make it an admin with the Post "
            "messages right (Administrators → Add Admin)",
        )
    what = "is not a member of" if status == ChatMember.LEFT else "is not an admin of"
    return _not_admin(channel, me, where, f"it {what} the channel")


def _not_admin(channel: ChannelConfig, me: str, where: str, why: str) -> ChannelCheck:
    return _bad(
        channel,
        Finding.NOT_ADMIN,
        f"the bot {me} cannot post in {where}: {why}",
        f"make the bot an admin with the Post messages right: in the channel, Administrators → "
        f"Add Admin → {me}, Post messages on",
    )


def _group_rights(channel: ChannelConfig, me: str, where: str, member: ChatMember) -> ChannelCheck:
    status = member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        gone = "is not a member of" if status == ChatMember.LEFT else "was removed from"
        return _bad(
            channel,
            Finding.NOT_ADMIN,
            f"the bot {me} {gone} the group {where}",
            f"add {me} to the group again (unban it first if it was removed)",
        )
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return _bad(
            channel,
            Finding.CANNOT_POST,
            f"the bot {me} is restricted in the group {where} and may not send messages",
            f"in the group: Permissions → Exceptions → {me} → allow Send messages "
            "(or make it an admin)",
        )
    return _ok(channel, f"the bot {me} can post in the group {where}")


def _telegram_trouble(
    channel: ChannelConfig, exc: TelegramError, api: str, token: str
) -> ChannelCheck:
    """Network trouble, rate limits and anything else Telegram said."""
    if isinstance(exc, RetryAfter):
        return _bad(
            channel,
            Finding.RATE_LIMITED,
            "Telegram is rate-limiting the bot right now",
            "wait a minute and run goodnews check again",
        )
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # 5xx, TimedOut
        return _bad(
            channel,
            Finding.UNREACHABLE,
            f"cannot reach the Telegram Bot API at {api} ({_quote(exc.message, token)})",
            "check the network (and telegram.api_url in the config), then try again in a few "
            "minutes",
        )
    return _bad(
        channel,
        Finding.UNEXPECTED,
        f"Telegram answered: {_quote(exc.message, token)}",
        f"check chat_id of channel {channel.name} in the config and the bot's rights in the "
        "channel",
    )


# -- Facebook ---------------------------------------------------------------------------------

_PERMISSIONS = "pages_manage_posts and pages_read_engagement"
_NEW_TOKEN_FIX = (
    "create a new long-lived Page access token: in the Graph API Explorer, get a user token "
    f"with {_PERMISSIONS} (by a person with full control of the Page), exchange it for a "
    "long-lived one (GET /oauth/access_token with grant_type=fb_exchange_token), then "
    "GET /me/accounts and copy the access_token of page {page_id}; put it in "
    f"{ENV_FACEBOOK_TOKEN} in the environment or in .env, and restart the worker (goodnews run)"
)
_SESSION_EXPIRED = 463


async def check_facebook(config: Config, channels: list[ChannelConfig]) -> list[ChannelCheck]:
    """One check per Facebook channel, in order; the SDK runs in a worker thread."""
    if not channels:
        return []
    token = config.secrets.facebook_page_token
    if not token:
        return [_facebook_dry_run(config, c) for c in channels]
    fb = config.settings.facebook
    graph = make_graph(
        token=token, graph_url=fb.graph_url, version=fb.api_version, timeout=fb.timeout
    )
    return [await asyncio.to_thread(_check_page, graph, c, fb.graph_url, token) for c in channels]


def _facebook_dry_run(config: Config, channel: ChannelConfig) -> ChannelCheck:
    return _bad(
        channel,
        Finding.DRY_RUN,
        f"dry-run mode: {ENV_FACEBOOK_TOKEN} is not set, so posts are written to "
        f"{config.outbox_dir}/ instead of being published on the Page",
        f"create a Page access token of page {channel.page_id} with "
        f"{_PERMISSIONS}, put {ENV_FACEBOOK_TOKEN}=<token> in the environment or in .env, and run "
        "goodnews check again",
    )


def _check_page(graph: Any, channel: ChannelConfig, graph_url: str, token: str) -> ChannelCheck:
    try:
        page = graph.get_object(channel.page_id, fields="id,name")
        owner = graph.get_object("me", fields="id,name")
    except facebook.GraphAPIError as exc:
        return _graph_error(exc, channel, graph_url, token)
    except requests.RequestException as exc:  # its text may hold the URL, token included
        what = "timed out" if isinstance(exc, requests.Timeout) else "the connection failed"
        return _bad(
            channel,
            Finding.UNREACHABLE,
            f"cannot reach Facebook at {graph_url} ({what})",
            "check the network (and facebook.graph_url in the config), then try again in a "
            "few minutes",
        )
    except (KeyError, ValueError, TypeError) as exc:  # facebook-sdk trips on odd answers
        return _bad(  # (no Content-Type, a body that is not JSON): never a traceback
            channel,
            Finding.UNREACHABLE,
            f"Facebook at {graph_url} gave an answer that cannot be read ({type(exc).__name__})",
            "try again in a few minutes; if it persists, check facebook.graph_url in the config",
        )
    name = page.get("name") or channel.page_id
    if str(owner.get("id")) != str(page.get("id")):
        return _bad(
            channel,
            Finding.TOKEN_OF_OTHER_PAGE,
            f'{ENV_FACEBOOK_TOKEN} is not a token of "{name}": it belongs to '
            f'"{owner.get("name")}" (id {owner.get("id")}), so it cannot post on this page',
            f"put the Page access token of page {channel.page_id} in {ENV_FACEBOOK_TOKEN} "
            "(GET /me/accounts with your user token lists each Page's token) or correct "
            "page_id in the config, and restart the worker (goodnews run)",
        )
    return _ok(channel, f'the Page token is valid and belongs to "{name}"')


def _graph_error(exc: Any, channel: ChannelConfig, graph_url: str, token: str) -> ChannelCheck:
    """A Graph error, sorted by its code as the publisher sorts them."""
    code = exc.code
    error = exc.result.get("error") if isinstance(exc.result, dict) else None
    error = error if isinstance(error, dict) else {}
    said = _quote(str(exc.message), token) if code is not None else ""
    if code in (190, 102):
        return _token_error(channel, said, error.get("error_subcode"))
    if code in ADMIN_CODES:  # 10, 200-299 (368: the Page is blocked from posting)
        return _bad(
            channel,
            Finding.MISSING_PERMISSION,
            f"the Page token lacks a permission Facebook requires (Facebook: {said})",
            f"create the token again with {_PERMISSIONS}, by a person with full control of "
            f"page {channel.page_id}; put it in {ENV_FACEBOOK_TOKEN} and restart the worker",
        )
    if code == 100 and (error.get("error_subcode") == 33 or "does not exist" in said):
        return _bad(
            channel,
            Finding.WRONG_PAGE,
            f"Facebook knows no Page with id {channel.page_id} that this token can see",
            "correct page_id in the config: the Page's id is under About → Page transparency, "
            "or GET /me with the Page's token",
        )
    if code in RETRY_CODES or error.get("is_transient"):
        return _bad(
            channel,
            Finding.RATE_LIMITED if code in (4, 17, 32, 613) else Finding.UNREACHABLE,
            f"Facebook asks to try again later (Facebook: {said})",
            "wait a few minutes and run goodnews check again",
        )
    if code is None:  # not Graph's JSON: a proxy's error page (502), a 5xx
        return _bad(
            channel,
            Finding.UNREACHABLE,
            f"Facebook at {graph_url} answered with an error page instead of the Graph API: "
            "it is probably down for a moment",
            "try again in a few minutes; if it persists, check facebook.graph_url in the config",
        )
    return _bad(
        channel,
        Finding.UNEXPECTED,
        f"Facebook refused the request (#{code}: {said})",
        f"check page_id of channel {channel.name} and the Page token's permissions "
        f"({_PERMISSIONS})",
    )


def _token_error(channel: ChannelConfig, said: str, subcode: object) -> ChannelCheck:
    """Code 190: the Page token expired (subcode 463) or is invalid; both need a new one."""
    fix = _NEW_TOKEN_FIX.format(page_id=channel.page_id)
    if subcode == _SESSION_EXPIRED or "expired" in said.lower():
        return _bad(
            channel,
            Finding.TOKEN_EXPIRED,
            f"the Page token ({ENV_FACEBOOK_TOKEN}) has expired (Facebook: {said})",
            fix,
        )
    return _bad(
        channel,
        Finding.TOKEN_REFUSED,
        f"Facebook refused {ENV_FACEBOOK_TOKEN}: the token is wrong or was revoked "
        f"(Facebook: {said})",
        fix,
    )


def _quote(text: str, token: str, width: int = 200) -> str:
    """A platform's or library's message, on one line, shortened, never with the token."""
    line = " ".join(text.replace(token, "<token>").split()).rstrip(".")
    return line if len(line) <= width else line[: width - 1] + "…"
