"""Admin commands in chat: /queue, /pending and /post (in :mod:`.posts`), /pause, /resume.
Thin: check the role, call the services, reply."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

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
from bot.chat.people import reader
from bot.chat.services import services
from bot.chat.texts import texts_for
from bot.config import Config
from bot.domain.engagement import PostEngagement, top_posts
from bot.domain.errors import UserError
from bot.services import access, board, queries, scheduling
from bot.storage.gateway import Gateway
from bot.storage.plain import Reader


def register(application: Application) -> None:  # type: ignore[type-arg]
    # A post card's buttons before the approval buttons' handler, which takes any press.
    application.add_handler(CallbackQueryHandler(posts.on_button, pattern=posts.PATTERN), -1)
    replies = filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(replies, posts.on_correction_reply), -1)
    application.add_handler(CommandHandler("grant", on_grant))
    application.add_handler(CommandHandler("revoke", on_revoke))
    for name, handler in (
        ("queue", on_queue),
        ("pending", posts.on_pending),
        ("post", posts.on_post),
        ("stats", on_stats),
        ("pause", on_pause),
        ("resume", on_resume),
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


def _config_db(context: ContextTypes.DEFAULT_TYPE) -> tuple[Config, Gateway]:
    found = services(context)
    return found.config, found.db


async def _admin_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user, message = update.effective_user, update.effective_message
    config, db = _config_db(context)
    if user is None or message is None:
        return False
    allowed = await db.run(lambda session: "admin" in access.roles_of(session, config, user.id))
    if not allowed:
        await message.reply_text(reader(context, user).admins_only())
        return False
    return True


async def on_queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/queue: the coming 14 days of slots, empty ones flagged. Admins see every channel;
    a unit's officers see their unit's channels, other officers the organisation's."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    config, db = _config_db(context)
    roles = await db.run(lambda session: access.roles_of(session, config, user.id))
    is_admin = "admin" in roles
    if not roles & {"admin", "officer"}:
        await message.reply_text(reader(context, user).admins_only())
        return
    shown = (
        None
        if is_admin
        else [c.name for c in config.channels_of(config.audience_of_officer(user.id))]
    )
    coming = await db.run(
        lambda session: board.slot_board(
            Reader.of_session(session), config, now=datetime.now(UTC), days=14, channels=shown
        )
    )
    t = reader(context, update.effective_user)
    lines = []
    for day, slots in board.board_by_day(coming, config.tz):
        lines += [t.board_day(day), *(t.board_line(line) for line in slots)]
    empty = sum(1 for s in coming if s.post_id is None)
    text = t.board_header(empty) + "\n" + "\n".join(lines)
    assert update.effective_message is not None
    for part in split_lines(text):  # between lines: a cut inside a tag is refused whole
        await update.effective_message.reply_text(part, parse_mode=ParseMode.HTML)


async def on_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause [channel]: hold a channel's posts (all channels without a name)."""
    await _pause(update, context, paused=True)


async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume [channel]: publish again; missed posts follow catch_up_grace."""
    await _pause(update, context, paused=False)


async def _pause(update: Update, context: ContextTypes.DEFAULT_TYPE, *, paused: bool) -> None:
    if not await _admin_only(update, context):
        return
    config, db = _config_db(context)
    channel = context.args[0] if context.args else None
    assert update.effective_message is not None
    t = reader(context, update.effective_user)
    try:
        changed = await db.run(
            lambda session: scheduling.set_paused(
                session,
                config,
                channel=channel,
                paused=paused,
                by=update.effective_user.id if update.effective_user else None,
            )
        )
    except UserError as exc:
        await update.effective_message.reply_text(t.error(exc))
        return
    await update.effective_message.reply_text(t.paused(changed, paused=paused))


async def on_grant(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/grant USER_ID admin|officer (owners only)."""
    await _change_role(update, context, give=True)


async def on_revoke(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/revoke USER_ID admin|officer (owners only)."""
    await _change_role(update, context, give=False)


async def _change_role(update: Update, context: ContextTypes.DEFAULT_TYPE, *, give: bool) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    args, t = context.args or [], reader(context, user)
    if len(args) != 2 or not (args[0].isascii() and args[0].lstrip("-").isdigit()):
        await message.reply_text(t.role_usage())
        return
    config, db = _config_db(context)
    try:
        changed = await db.run(
            lambda session: access.change_role(
                session,
                config,
                owner=user.id,
                user_id=int(args[0]),
                role=args[1].lower(),
                give=give,
            )
        )
    except UserError as exc:
        await message.reply_text(t.error(exc))
        return
    await message.reply_text(t.role_changed(int(args[0]), args[1].lower(), give, changed))


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: published this week and month, and the share of daily slots kept."""
    if not await _admin_only(update, context):
        return
    config, db = _config_db(context)
    now = datetime.now(UTC)

    def read(session: Session) -> tuple[queries.Stats, list[PostEngagement]]:
        return queries.stats(session, config, now=now), this_week(session, config, now=now)

    found, week = await db.run(read)
    assert update.effective_message is not None
    t = reader(context, update.effective_user)
    said = EngagementTexts(t)
    text = t.stats(found.published_week, found.published_month, found.kept_week, found.kept_month)
    liked = said.most_liked(top_posts(week))
    await update.effective_message.reply_text(
        "\n".join(filter(None, [text, said.week_engagement(week), liked])),
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
