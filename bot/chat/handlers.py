"""Chat handlers: read the update, call the actions, reply. One async function per update kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.engine import Engine
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import actions
from bot.chat import approval, texts
from bot.config import Config
from bot.domain.errors import UserError
from bot.storage.db import session_scope

SERVICES = "goodnews"


@dataclass(frozen=True)
class ChatServices:
    """What the handlers need, kept in ``application.bot_data``."""

    config: Config
    engine: Engine
    #: Called with (post id, slot) when a post gets scheduled, so the worker adds its job now.
    on_scheduled: Callable[[int, datetime], None]


def register(
    application: Application[Any, Any, Any, Any, Any, Any], services: ChatServices
) -> None:
    application.bot_data[SERVICES] = services
    application.add_handler(CallbackQueryHandler(on_decision))
    application.add_handler(CommandHandler(["start", "help"], on_help))


def _services(context: ContextTypes.DEFAULT_TYPE) -> ChatServices:
    return cast(ChatServices, context.bot_data[SERVICES])


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: say what the bot is for."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.HELP)


async def on_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Approve or Reject pressed under an approval request.

    Only admins in ``telegram.admins`` may decide; anyone else, and any button we did not
    make, changes nothing and gets an answer saying so.
    """
    query = update.callback_query
    if query is None:
        return
    services = _services(context)
    callback = approval.Callback.parse(query.data)
    if callback is None:
        await query.answer(texts.UNKNOWN_BUTTON, show_alert=True)
        return
    if query.from_user.id not in services.config.settings.telegram.admins:
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    now = datetime.now(UTC)
    try:
        with session_scope(services.engine) as session:
            if callback.action == approval.APPROVE:
                decision = actions.approve(
                    session,
                    services.config,
                    post_id=callback.post_id,
                    by=query.from_user.id,
                    now=now,
                )
            else:
                decision = actions.reject(
                    session, post_id=callback.post_id, by=query.from_user.id, now=now
                )
    except UserError as exc:
        await query.answer(str(exc)[:200], show_alert=True)
        return
    post = decision.post
    if callback.action == approval.APPROVE:
        assert post.slot is not None and post.id is not None
        services.on_scheduled(post.id, post.slot)
        answer = (
            texts.answer_approved(post.slot, services.config.tz)
            if decision.changed
            else texts.ANSWER_ALREADY_APPROVED
        )
    else:
        answer = texts.ANSWER_REJECTED if decision.changed else texts.ANSWER_ALREADY_REJECTED
    await query.answer(answer)
    if decision.changed:
        await approval.update_requests(
            context.bot,
            engine=services.engine,
            config=services.config,
            post_id=callback.post_id,
            who=query.from_user.full_name,
        )
