"""Can each Telegram channel publish for real? ``getMe`` (is the token accepted), ``getChat``
(does the bot see the chat) and ``getChatMember`` for the bot itself (may it post there).
Nothing is sent or changed.

Library errors become a :class:`ChannelCheck` here and never escape. No message built here
contains a token: python-telegram-bot's ``InvalidToken`` can quote it, so its text is never
shown.
"""

from __future__ import annotations

from dataclasses import replace

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

from bot.config import ENV_TELEGRAM_TOKEN, ChannelConfig, Config
from bot.platforms.base import ChannelCheck, Finding, Verdicts
from bot.platforms.base import quote as _quote
from bot.platforms.telegram.client import make_bot
from bot.platforms.telegram.platform import PLATFORM

_verdicts = Verdicts(PLATFORM.label)
_ok = _verdicts.ok
_bad = _verdicts.bad


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
        verdict = _channel_rights(channel, me, where, member)
    elif chat.type == ChatType.PRIVATE:
        verdict = _ok(channel, f"the bot {me} can write to this private chat")
    else:
        verdict = _group_rights(channel, me, where, member)
    title = chat.title or (f"@{chat.username}" if chat.username else "")
    return replace(verdict, title=title)


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
            f"Telegram says chat {channel.target} does not exist for the bot {me}: the bot "
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
