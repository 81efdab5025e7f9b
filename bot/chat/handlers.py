"""Chat handlers: read the update, call the actions, reply. One async function per update kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session
from telegram import CallbackQuery, ForceReply, Update, User
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import actions
from bot.chat import admin, approval, officers, texts
from bot.chat.services import KEY, ChatServices, services
from bot.domain.drafting import render_telegram_html
from bot.domain.errors import UserError
from bot.domain.posts import PostKind, PostStatus
from bot.storage import repo
from bot.storage.db import session_scope


def register(
    application: Application[Any, Any, Any, Any, Any, Any], chat_services: ChatServices
) -> None:
    application.bot_data[KEY] = chat_services
    application.add_handler(CallbackQueryHandler(on_decision))
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", on_start, filters=private))
    application.add_handler(CommandHandler("stop", on_stop, filters=private))
    application.add_handler(CommandHandler("today", on_latest, filters=private))
    application.add_handler(CommandHandler("week", on_latest, filters=private))
    application.add_handler(CommandHandler("help", on_help))
    admin.register(application)
    application.add_handler(
        MessageHandler(private & filters.REPLY & filters.TEXT & ~filters.COMMAND, on_reply),
        group=0,
    )
    officers.register(application)  # last: it takes any other private message


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: say what the bot is for."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.HELP)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: subscribe to the daily good news and the weekly story by direct message."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    with session_scope(services(context).engine) as session:
        new = repo.subscribe(session, chat_id=message.chat_id, language_code=user.language_code)
    await message.reply_text(texts.SUBSCRIBED if new else texts.ALREADY_SUBSCRIBED)


async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: no more direct messages."""
    message = update.effective_message
    if message is None:
        return
    with session_scope(services(context).engine) as session:
        left = repo.unsubscribe(session, chat_id=message.chat_id, reason="/stop")
    await message.reply_text(texts.UNSUBSCRIBED if left else texts.NOT_SUBSCRIBED)


async def on_latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today and /week: the latest published good news or weekly story."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    kind = PostKind.WEEKLY if message.text.split()[0].startswith("/week") else PostKind.DAILY
    with session_scope(services(context).engine) as session:
        post = repo.latest_published(session, kind=kind)
    if post is None:
        await message.reply_text(texts.NOTHING_YET)
        return
    await message.reply_text(
        render_telegram_html(actions.as_draft(post)), parse_mode=ParseMode.HTML
    )


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin answers one of the bot's questions: why a post was rejected (recorded and
    relayed to the officer), or a draft's new text (stored, and offered again).

    The post is read back from the question the bot asked, so no state is kept between
    the two messages (a restart in between loses nothing).
    """
    message, user = update.effective_message, update.effective_user
    asked = message.reply_to_message if message is not None else None
    if message is None or user is None or asked is None or not asked.text:
        return
    if asked.from_user is None or asked.from_user.id != context.bot.id:
        return
    prefix = next(
        (p for p in (texts.REASON_PREFIX, texts.EDIT_PREFIX) if asked.text.startswith(p)), None
    )
    if prefix is None:
        await officers.on_recap(update, context)  # a reply to something else: a recap
        return
    post_id = int(asked.text.removeprefix(prefix).split("?")[0])
    found, answer = services(context), message.text or ""
    try:
        with session_scope(found.engine) as session:
            if "admin" not in actions.roles_of(session, found.config, user.id):
                return
            if prefix == texts.EDIT_PREFIX:
                actions.edit_post(session, post_id=post_id, by=user.id, text=answer)
                officer = None
            else:
                officer = actions.reject_reason(session, post_id=post_id, by=user.id, reason=answer)
    except UserError as exc:
        await message.reply_text(str(exc))
        return
    if prefix == texts.EDIT_PREFIX:
        await approval.refresh_requests(
            context.bot,
            engine=found.engine,
            config=found.config,
            post_id=post_id,
            now=datetime.now(UTC),
        )
        await message.reply_text(texts.EDITED)
        return
    if officer is not None:
        await context.bot.send_message(officer, texts.officer_reason(post_id, answer))
    await message.reply_text(texts.REASON_RELAYED if officer is not None else texts.REASON_KEPT)


async def _offer_times(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    found: ChatServices,
    callback: approval.Callback,
    now: datetime,
) -> None:
    """Buttons that ask before deciding. Reschedule: this copy's buttons become the next
    free slots, "post now" and back. Edit: the admin is asked for the new text."""
    try:
        with session_scope(found.engine) as session:
            post = repo.get_post(session, post_id=callback.post_id)
            if post.status is not PostStatus.PENDING:
                raise UserError(f"post {callback.post_id} is {post.status.value}")
            slots = actions.free_slots(session, found.config, post=post, now=now, count=3)
    except UserError as exc:
        await query.answer(str(exc)[:200], show_alert=True)
        return
    if callback.action == approval.EDIT:
        await query.answer()
        await context.bot.send_message(
            query.from_user.id,
            texts.ask_edit(callback.post_id),
            reply_markup=ForceReply(selective=True),
        )
        return
    markup = (
        approval.slots_keyboard(callback.post_id, slots, found.config.tz)
        if callback.action == approval.RESCHEDULE
        else approval.keyboard(callback.post_id)
    )
    await query.answer(texts.PICK_A_TIME if callback.action == approval.RESCHEDULE else "")
    await query.edit_message_reply_markup(markup)


async def on_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button under an approval request: Approve, Reschedule (then a time), Reject.

    Only admins (from config, or granted by an owner; checked in the database) may decide;
    anyone else, and any button we did not make, changes nothing and gets an answer.
    """
    query = update.callback_query
    if query is None:
        return
    found = services(context)
    callback = approval.Callback.parse(query.data)
    if callback is None:
        await query.answer(texts.UNKNOWN_BUTTON, show_alert=True)
        return
    with session_scope(found.engine) as session:
        allowed = "admin" in actions.roles_of(session, found.config, query.from_user.id)
    if not allowed:
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    now = datetime.now(UTC)
    if callback.action in (approval.RESCHEDULE, approval.BACK, approval.EDIT):
        await _offer_times(query, context, found, callback, now)
        return
    try:
        with session_scope(found.engine) as session:
            decision, votes = _decide(session, found, callback, query.from_user, now)
    except UserError as exc:
        await query.answer(str(exc)[:200], show_alert=True)
        return
    if decision is None:  # short of the quorum: count the vote, show it to every admin
        assert votes is not None
        await query.answer(texts.vote_counted(len(votes.names), votes.needed))
        await approval.refresh_requests(
            context.bot,
            engine=found.engine,
            config=found.config,
            post_id=callback.post_id,
            now=now,
            footer="\n" + texts.votes_line(votes.names, votes.needed),
        )
        return
    post = decision.post
    if post.status is PostStatus.SCHEDULED and post.slot is not None and post.id is not None:
        found.on_scheduled(post.id, post.slot)  # the worker adds its job now
    await query.answer(_answer(found, callback, decision))
    if decision.changed:
        await _announce(context, found, callback, query.from_user)


def _decide(
    session: Session,
    found: ChatServices,
    callback: approval.Callback,
    user: User,
    now: datetime,
) -> tuple[actions.Decision | None, actions.Votes | None]:
    if callback.action == approval.AT:
        at = datetime.fromtimestamp(callback.at, UTC) if callback.at else now
        return actions.approve_at(
            session, found.config, post_id=callback.post_id, by=user.id, at=at, now=now
        ), None
    if callback.action == approval.APPROVE:
        votes = actions.vote_to_approve(
            session,
            found.config,
            post_id=callback.post_id,
            by=user.id,
            name=user.full_name,
            now=now,
        )
        return votes.decision, votes
    return actions.reject(session, post_id=callback.post_id, by=user.id, now=now), None


def _answer(found: ChatServices, callback: approval.Callback, decision: actions.Decision) -> str:
    """What the presser is told, as a toast."""
    post = decision.post
    if callback.action == approval.REJECT:
        return texts.ANSWER_REJECTED if decision.changed else texts.ANSWER_ALREADY_REJECTED
    if not decision.changed:
        return texts.ANSWER_ALREADY_APPROVED
    assert post.slot is not None
    return texts.answer_approved(post.slot, found.config.tz)


async def _announce(
    context: ContextTypes.DEFAULT_TYPE,
    found: ChatServices,
    callback: approval.Callback,
    user: User,
) -> None:
    """Every admin's copy shows the decision; the officer hears it; a rejection asks why."""
    await approval.update_requests(
        context.bot,
        engine=found.engine,
        config=found.config,
        post_id=callback.post_id,
        who=user.full_name,
    )
    await approval.tell_submitter(
        context.bot, engine=found.engine, config=found.config, post_id=callback.post_id
    )
    if callback.action == approval.REJECT:
        await context.bot.send_message(
            user.id, texts.ask_reason(callback.post_id), reply_markup=ForceReply(selective=True)
        )
