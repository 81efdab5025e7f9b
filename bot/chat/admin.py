"""Admin commands in chat: /queue, /pending and /post (in :mod:`.posts`), /pause, /resume.
Thin: check the role, call the services, reply."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import partial

from sqlmodel import Session
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import i18n
from bot.chat import posts
from bot.chat.engagement import EngagementTexts, this_week
from bot.chat.fit import split_lines
from bot.chat.people import admin_asker, asker, reader
from bot.chat.services import services
from bot.chat.texts import Texts, texts_for
from bot.config import Config
from bot.domain.engagement import PostEngagement, top_posts
from bot.domain.errors import UserError
from bot.services import access, board, queries, scheduling
from bot.storage.plain import Reader

#: Telegram user ids are below 2**52 (sixteen digits at most).
USER_ID_LIMIT = 2**52


def register(application: Application) -> None:  # type: ignore[type-arg]
    # A post card's buttons before the approval buttons' handler, which takes any press.
    application.add_handler(CallbackQueryHandler(posts.on_button, pattern=posts.PATTERN), -1)
    replies = filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(replies, posts.on_correction_reply), -1)
    for name, handler in (
        ("grant", partial(_change_role, give=True)),
        ("revoke", partial(_change_role, give=False)),
        ("queue", on_queue),
        ("pending", posts.on_pending),
        ("post", posts.on_post),
        ("stats", on_stats),
        ("pause", partial(_pause, paused=True)),
        ("resume", partial(_pause, paused=False)),
    ):
        application.add_handler(CommandHandler(name, handler))


async def publish_command_menus(
    application: Application,  # type: ignore[type-arg]
    config: Config,
    admins: list[int],
    officers: list[int] | None = None,
) -> None:
    """setMyCommands for each audience (everyone; each officer's and admin's chat), once
    per language: the default list in ``language``, then one per catalog, which Telegram
    shows to people whose app is set to that language."""
    audiences: list[tuple[str, BotCommandScope]] = [("everyone", BotCommandScopeDefault())]
    audiences += [("officers", BotCommandScopeChat(o)) for o in officers or [] if o not in admins]
    audiences += [("admins", BotCommandScopeChat(a)) for a in admins]
    languages: list[tuple[str, str | None]] = [(config.settings.language, None)]
    languages += [(language, language) for language in i18n.LANGUAGES]
    try:
        for audience, scope in audiences:
            for language, code in languages:
                commands = texts_for(language, config.tz).commands(audience)
                await application.bot.set_my_commands(
                    [BotCommand(*c) for c in commands], scope=scope, language_code=code
                )
    except TelegramError as exc:  # a menu is a convenience: never stop the worker for it
        logging.getLogger(__name__).warning("could not set the command menus: %s", exc)


async def on_queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/queue: the coming 14 days of slots, empty ones flagged. Admins see every channel;
    a unit's officers see their unit's channels, other officers the organisation's."""
    asked = await asker(update, context, {"admin", "officer"}, Texts.admins_only)
    if asked is None:
        return
    config, t = asked.found.config, asked.t
    shown = (
        None
        if "admin" in asked.roles
        else [c.name for c in config.channels_of(config.audience_of_officer(asked.user.id))]
    )
    coming = await asked.found.db.run(
        lambda session: board.slot_board(
            Reader.of_session(session), config, now=datetime.now(UTC), days=14, channels=shown
        )
    )
    lines = []
    for day, slots in board.board_by_day(coming, config.tz):
        lines += [t.board_day(day), *(t.board_line(line) for line in slots)]
    empty = sum(1 for s in coming if s.post_id is None)
    text = t.board_header(empty) + "\n" + "\n".join(lines)
    for part in split_lines(text):  # between lines: a cut inside a tag is refused whole
        await asked.message.reply_text(part, parse_mode=ParseMode.HTML)


async def _pause(update: Update, context: ContextTypes.DEFAULT_TYPE, *, paused: bool) -> None:
    """/pause [channel]: hold a channel's posts (all channels without a name). /resume
    [channel]: publish again; missed posts follow catch_up_grace."""
    asked = await admin_asker(update, context)
    if asked is None:
        return
    config, t = asked.found.config, asked.t
    channel = context.args[0] if context.args else None
    try:
        changed = await asked.found.db.run(
            scheduling.set_paused, config, channel=channel, paused=paused, by=asked.user.id
        )
    except UserError as exc:
        await asked.message.reply_text(t.error(exc))
        return
    await asked.message.reply_text(t.paused(changed, paused=paused))


async def _change_role(update: Update, context: ContextTypes.DEFAULT_TYPE, *, give: bool) -> None:
    """/grant (or /revoke) USER_ID admin|officer: owners only."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    args, t = context.args or [], reader(context, user)
    user_id = _user_id(args[0]) if len(args) == 2 else None
    if user_id is None:
        await message.reply_text(t.role_usage())
        return
    found, role = services(context), args[1].lower()
    try:
        changed = await found.db.run(
            access.change_role, found.config, owner=user.id, user_id=user_id, role=role, give=give
        )
    except UserError as exc:
        await message.reply_text(t.error(exc))
        return
    await message.reply_text(t.role_changed(user_id, role, give, changed))


def _user_id(typed: str) -> int | None:
    """A Telegram user id as a person typed it; None for anything else. User ids are
    positive and fit in 52 bits (Telegram's own bound): a longer number is no one's, and
    would overflow the BIGINT column before anyone said why."""
    if not (typed.isascii() and typed.isdigit() and len(typed) <= 16):
        return None
    user_id = int(typed)
    return user_id if 0 < user_id < USER_ID_LIMIT else None


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: published this week and month, and the share of daily slots kept."""
    asked = await admin_asker(update, context)
    if asked is None:
        return
    config, now = asked.found.config, datetime.now(UTC)

    def read(session: Session) -> tuple[queries.Stats, list[PostEngagement]]:
        return queries.stats(session, config, now=now), this_week(session, config, now=now)

    stats, week = await asked.found.db.run(read)
    t, said = asked.t, EngagementTexts(asked.t)
    text = t.stats(stats.published_week, stats.published_month, stats.kept_week, stats.kept_month)
    liked = said.most_liked(top_posts(week))
    await asked.message.reply_text(
        "\n".join(filter(None, [text, said.week_engagement(week), liked])),
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
