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
from bot.domain.errors import N_, Text
from bot.platforms.base import ChannelCheck, Finding, Verdicts
from bot.platforms.base import quote as _quote
from bot.platforms.telegram.client import make_bot
from bot.platforms.telegram.platform import PLATFORM

_verdicts = Verdicts(PLATFORM)
_ok = _verdicts.ok
_said = _verdicts.said


_BOTFATHER_FIX = N_(
    "open @BotFather in Telegram, send /mybots, pick the bot and copy its current token "
    "(API Token; Revoke gives a new one), put it in {env} in the environment or in .env, "
    "and restart the worker (goodnews run)"
)
_DRY_RUN = N_(
    "dry-run mode: {env} is not set, so posts are written to {outbox}/ instead of being sent "
    "to Telegram"
)
_GO_LIVE = N_(
    "get the bot's token from @BotFather, put {env}=<token> in the environment or in .env, "
    "make the bot an admin of the channel with the Post messages right, and run goodnews "
    "check again"
)


async def check(config: Config, channels: list[ChannelConfig]) -> list[ChannelCheck]:
    """One check per Telegram channel, in order; one ``getMe`` for all of them."""
    bot = make_bot(config)
    if bot is None:
        return [_verdicts.dry_run(config, c, _DRY_RUN, _GO_LIVE) for c in channels]
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
    return _said(
        channel,
        Finding.TOKEN_REFUSED,
        N_("Telegram refused {env} (Unauthorized): the token is wrong or was revoked"),
        _BOTFATHER_FIX,
        env=ENV_TELEGRAM_TOKEN,
    )


async def _check_chat(bot: Bot, channel: ChannelConfig, api: str) -> ChannelCheck:
    me = f"@{bot.username}"
    try:
        chat = await bot.get_chat(channel.target)  # "@name" or the id, as text
        member = await bot.get_chat_member(chat.id, bot.id)
    except TelegramError as exc:
        return _chat_error(exc, channel, me, api, bot.token)
    where = f'"{chat.title}"' if chat.title else Text(N_("the chat"))
    if chat.type == ChatType.CHANNEL:
        verdict = _channel_rights(channel, me, where, member)
    elif chat.type == ChatType.PRIVATE:
        verdict = _ok(channel, Text(N_("the bot {me} can write to this private chat"), me=me))
    else:
        verdict = _group_rights(channel, me, where, member)
    title = chat.title or (f"@{chat.username}" if chat.username else "")
    return replace(verdict, title=title)


def _chat_error(
    exc: TelegramError, channel: ChannelConfig, me: str, api: str, token: str
) -> ChannelCheck:
    """What ``getChat`` or ``getChatMember`` refused, in plain words."""
    if isinstance(exc, ChatMigrated):
        return _said(
            channel,
            Finding.CHAT_MIGRATED,
            N_("the group became a supergroup, whose chat id is {chat_id}"),
            N_("set chat_id = {chat_id} for channel {name} in the config"),
            chat_id=exc.new_chat_id,
            name=channel.name,
        )
    said = exc.message.lower()
    if isinstance(exc, BadRequest) and "chat not found" in said:
        return _said(
            channel,
            Finding.CHAT_NOT_FOUND,
            N_(
                "Telegram says chat {target} does not exist for the bot {me}: the bot is "
                "not in that channel, or chat_id is wrong"
            ),
            N_(
                "add {me} to the channel as an admin with the Post messages right (channel "
                "→ Administrators → Add Admin), and check chat_id in the config: "
                '"@username" for a public channel, the numeric id (-100…) for a private one'
            ),
            target=channel.target,
            me=me,
        )
    if isinstance(exc, BadRequest) and "member list is inaccessible" in said:
        return _not_admin(channel, me, _THE_CHANNEL, Text(N_("it cannot even see its own rights")))
    if isinstance(exc, InvalidToken):  # revoked since getMe
        return _token_refused(channel)
    if isinstance(exc, Forbidden):
        why = Text(N_("Telegram refuses it access to the chat"))
        return _not_admin(channel, me, _THE_CHANNEL, why)
    return _telegram_trouble(channel, exc, api, token)


def _channel_rights(
    channel: ChannelConfig, me: str, where: str, member: ChatMember
) -> ChannelCheck:
    status = member.status
    can_post = Text(N_("the bot {me} can post in {where}"), me=me, where=where)
    if status == ChatMember.OWNER:
        return _ok(channel, can_post)
    if isinstance(member, ChatMemberAdministrator):
        if member.can_post_messages:
            return _ok(channel, can_post)
        return _said(
            channel,
            Finding.CANNOT_POST,
            N_("the bot {me} is an admin of {where} but without the Post messages right"),
            N_("in the channel: Administrators → {me} → turn on Post messages, and save"),
            me=me,
            where=where,
        )
    if status == ChatMember.BANNED:
        return _said(
            channel,
            Finding.NOT_ADMIN,
            N_("the bot {me} was removed from {where} and is banned there"),
            N_(
                "in the channel: Removed users → unban {me}, then make it an admin with the "
                "Post messages right (Administrators → Add Admin)"
            ),
            me=me,
            where=where,
        )
    if status == ChatMember.LEFT:
        return _not_admin(channel, me, where, Text(N_("it is not a member of the channel")))
    return _not_admin(channel, me, where, Text(N_("it is not an admin of the channel")))


_THE_CHANNEL = Text(N_("the channel"))


def _not_admin(channel: ChannelConfig, me: str, where: str, why: str) -> ChannelCheck:
    return _said(
        channel,
        Finding.NOT_ADMIN,
        N_("the bot {me} cannot post in {where}: {why}"),
        N_(
            "make the bot an admin with the Post messages right: in the channel, "
            "Administrators → Add Admin → {me}, Post messages on"
        ),
        me=me,
        where=where,
        why=why,
    )


def _group_rights(channel: ChannelConfig, me: str, where: str, member: ChatMember) -> ChannelCheck:
    status = member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        gone = (
            N_("the bot {me} is not a member of the group {where}")
            if status == ChatMember.LEFT
            else N_("the bot {me} was removed from the group {where}")
        )
        fix = N_("add {me} to the group again (unban it first if it was removed)")
        return _said(channel, Finding.NOT_ADMIN, gone, fix, me=me, where=where)
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return _said(
            channel,
            Finding.CANNOT_POST,
            N_("the bot {me} is restricted in the group {where} and may not send messages"),
            N_(
                "in the group: Permissions → Exceptions → {me} → allow Send messages "
                "(or make it an admin)"
            ),
            me=me,
            where=where,
        )
    return _ok(channel, Text(N_("the bot {me} can post in the group {where}"), me=me, where=where))


def _telegram_trouble(
    channel: ChannelConfig, exc: TelegramError, api: str, token: str
) -> ChannelCheck:
    """Network trouble, rate limits and anything else Telegram said."""
    if isinstance(exc, RetryAfter):
        return _said(
            channel,
            Finding.RATE_LIMITED,
            N_("Telegram is rate-limiting the bot right now"),
            N_("wait a minute and run goodnews check again"),
        )
    said = _quote(exc.message, token)
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # 5xx, TimedOut
        return _said(
            channel,
            Finding.UNREACHABLE,
            N_("cannot reach the Telegram Bot API at {api} ({said})"),
            N_(
                "check the network (and telegram.api_url in the config), then try again in "
                "a few minutes"
            ),
            api=api,
            said=said,
        )
    return _said(
        channel,
        Finding.UNEXPECTED,
        N_("Telegram answered: {said}"),
        N_("check chat_id of channel {name} in the config and the bot's rights in the channel"),
        said=said,
        name=channel.name,
    )
