"""Chat handlers: read the update, call the services, reply. One async function per update kind."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session
from telegram import Message, Update, User
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.chat import admin, alerts, approval, followers, officers, people, reactions, role_help
from bot.chat.patience import Tap, patiently
from bot.chat.people import ask, our_question, reader, roles_of
from bot.chat.services import KEY, ChatServices, services
from bot.chat.texts import Texts, all_texts
from bot.domain.drafting import render_telegram_html
from bot.domain.errors import N_, UserError
from bot.domain.posts import PostKind, PostStatus
from bot.services import access, decisions, following, outcomes, post_rules
from bot.services.views import PostView
from bot.storage import follower_rows, post_rows


def register(
    application: Application[Any, Any, Any, Any, Any, Any], chat_services: ChatServices
) -> None:
    application.bot_data[KEY] = chat_services
    people.register(application)
    reactions.register(application)
    # Followers' unit buttons first: the approval buttons' handler takes any other press.
    application.add_handler(CallbackQueryHandler(followers.on_follow, pattern=followers.PATTERN))
    application.add_handler(CallbackQueryHandler(on_decision))
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", on_start, filters=private))
    application.add_handler(CommandHandler("stop", on_stop, filters=private))
    application.add_handler(CommandHandler(["today", "week"], on_latest, filters=private))
    application.add_handler(CommandHandler("help", role_help.reply_help))
    admin.register(application)
    application.add_handler(
        MessageHandler(private & filters.REPLY & filters.TEXT & ~filters.COMMAND, on_reply),
        group=0,
    )
    officers.register(application)  # last: it takes any other private message


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: subscribe to the daily good news and the weekly story by direct message (to
    every unit's news); with units, the answer's buttons choose whose news come."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    found, t = services(context), reader(context, user)

    def subscribe(session: Session) -> tuple[bool, set[str] | None]:
        new = follower_rows.subscribe(
            session, chat_id=message.chat_id, language_code=user.language_code
        )
        return new, following.followed_units(session, found.config, chat_id=message.chat_id)

    async def work() -> None:
        roles = await roles_of(context, user.id)
        if roles & {"admin", "officer"}:  # their work here, not the followers' welcome
            await message.reply_text(role_help.RoleTexts(t).help(roles))
            return
        new, followed = await found.db.run(subscribe)
        text = t.subscribed() if new else t.already_subscribed()
        if not found.config.units or followed is None:
            await message.reply_text(text)
            return
        await message.reply_text(
            f"{text}\n\n{t.choose_units()}",
            reply_markup=followers.units_keyboard(t, found.config, followed),
        )

    await _patiently_replying(update, context, work())


async def _patiently_replying(
    update: Update, context: ContextTypes.DEFAULT_TYPE, work: Coroutine[Any, Any, None]
) -> None:
    """A command whose write may wait for a busy database: "saving…" first if it does."""
    message, t = update.effective_message, reader(context, update.effective_user)
    assert message is not None
    await patiently(
        update,
        context,
        work,
        early=lambda: message.reply_text(t.saving()),
        busy=lambda: message.reply_text(t.busy()),
    )


async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: no more direct messages."""
    message = update.effective_message
    if message is None:
        return
    t = reader(context, update.effective_user)

    async def work() -> None:
        left = await services(context).db.run(
            lambda s: follower_rows.unsubscribe(s, chat_id=message.chat_id, reason="/stop")
        )
        await message.reply_text(t.unsubscribed() if left else t.not_subscribed())

    await _patiently_replying(update, context, work())


async def on_latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today and /week: the latest published good news or weekly story (a follower's:
    of the units they follow)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    kind = PostKind.WEEKLY if message.text.split()[0].startswith("/week") else PostKind.DAILY
    found = services(context)

    def latest(session: Session) -> PostView | None:
        followed = following.followed_units(session, found.config, chat_id=message.chat_id)
        post = post_rows.latest_published(session, kind=kind, units=followed)
        return PostView.of(post) if post else None

    post = await found.db.run(latest)
    if post is None:
        await message.reply_text(reader(context, update.effective_user).nothing_yet())
        return
    await message.reply_text(
        render_telegram_html(post_rules.as_draft(post)), parse_mode=ParseMode.HTML
    )


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin answers one of the bot's questions: why a post was rejected (recorded and
    relayed to the officer), or a draft's new text (stored, and offered again).

    The post is read back from the question the bot asked, so no state is kept between
    the two messages (a restart in between loses nothing).
    """
    replied = our_question(update, context)
    if replied is None:
        return
    answer = replied[0].text or ""
    question = _question(replied[1], services(context))
    if question is None:
        await officers.on_recap(update, context)  # a reply to something else: a recap
    elif question[0] == "new":
        await officers.compose(update, context, answer)
    else:
        await _answer_question(update, context, question, answer)


async def _answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: tuple[str, int], answer: str
) -> None:
    """The admin's answer to "new text for post #N?" or "why is post #N rejected?"."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    found, t = services(context), reader(context, user)
    what, post_id = question

    def write(session: Session) -> tuple[bool, int | None]:
        if "admin" not in access.roles_of(session, found.config, user.id):
            return False, None
        if what == "edit":
            decisions.edit_post(session, post_id=post_id, by=user.id, text=answer)
            return True, None
        return True, decisions.reject_reason(session, post_id=post_id, by=user.id, reason=answer)

    try:
        allowed, officer = await found.db.run(write)
    except UserError as exc:
        await message.reply_text(t.error(exc))
        return
    if not allowed:
        return
    # The admins' copies of the new text, or the reason to the officer: recorded with it.
    await alerts.deliver_now(context)
    if what == "edit":
        await message.reply_text(t.edited())
        return
    await message.reply_text(t.reason_relayed() if officer is not None else t.reason_kept())


def _question(text: str, found: ChatServices) -> tuple[str, int] | None:
    """Which of our questions this is (in whichever language it was asked), and its post:
    ("edit", id), ("reason", id), ("new", 0); None when it is not one of ours."""
    for t in all_texts(found.config.tz):
        if text.startswith(t.new_post_question()):
            return "new", 0
        for what, prefix in (("edit", t.edit_prefix()), ("reason", t.reason_prefix())):
            if text.startswith(prefix):
                number = text.removeprefix(prefix).split("?")[0].split()[0]
                return (what, int(number)) if number.isascii() and number.isdigit() else None
    return None


T = TypeVar("T")


class _RefusedError(Exception):
    """The services refused a press; the presser has been told why."""


@dataclass(frozen=True)
class _Press:
    """An admin's press on a button under an approval request or an alert."""

    tap: Tap
    context: ContextTypes.DEFAULT_TYPE
    found: ChatServices
    callback: approval.Callback
    t: Texts
    user: User
    now: datetime

    async def run(self, work: Callable[[Session], T]) -> T:
        """``work`` through the gateway; a refusal is said in the toast and ends the press."""
        try:
            return await self.found.db.run(work)
        except UserError as exc:
            await self.tap.answer(self.t.error(exc)[:200], show_alert=True)
            raise _RefusedError from exc


async def _offer_times(press: _Press) -> None:
    """Buttons that ask before deciding. Reschedule: this copy's buttons become the next
    free slots, "post now" and back. Edit: the admin is asked for the new text."""
    t, callback, config = press.t, press.callback, press.found.config

    def offer(session: Session) -> list[datetime]:
        post = post_rows.get_post(session, post_id=callback.post_id)
        if post.status is not PostStatus.PENDING:
            raise UserError(
                N_("post {post_id} is {status}"),
                post_id=callback.post_id,
                status=post.status.value,
            )
        return decisions.free_slots(session, config, post=post, now=press.now, count=3)

    slots = await press.run(offer)
    if callback.action == approval.EDIT:
        await press.tap.answer()
        await ask(press.context.bot, press.user.id, t.ask_edit(callback.post_id))
        return
    markup = (
        approval.slots_keyboard(t, callback.post_id, slots)
        if callback.action == approval.RESCHEDULE
        else approval.keyboard(t, callback.post_id)
    )
    await press.tap.answer(t.pick_a_time() if callback.action == approval.RESCHEDULE else "")
    await press.tap.query.edit_message_reply_markup(markup)


async def _use_extractive(press: _Press) -> None:
    """The admin prefers the extractive draft to the model's rewrite: every copy shows it."""
    post_id, by = press.callback.post_id, press.user.id
    await press.run(lambda s: decisions.use_extractive(s, post_id=post_id, by=by))
    await press.tap.answer()
    await alerts.deliver_now(press.context)  # the copies


async def on_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button under an approval request: Approve, Reschedule (then a time), Reject.

    Only admins (from config, or granted by an owner; checked in the database) may decide;
    anyone else, and any button we did not make, changes nothing and gets an answer.
    """
    query = update.callback_query
    if query is None:
        return
    t = reader(context, query.from_user)
    callback = approval.Callback.parse(query.data)
    if callback is None:
        await query.answer(t.unknown_button(), show_alert=True)
        return
    tap = Tap(query)
    await patiently(
        update,
        context,
        _decide_if_allowed(tap, context, callback, t),
        early=lambda: tap.answer(t.saving()),
        busy=lambda: tap.answer(t.busy(), show_alert=True),
    )


async def _decide_if_allowed(
    tap: Tap, context: ContextTypes.DEFAULT_TYPE, callback: approval.Callback, t: Texts
) -> None:
    if "admin" not in await roles_of(context, tap.query.from_user.id):
        await tap.answer(t.not_allowed(), show_alert=True)
        return
    user, now = tap.query.from_user, datetime.now(UTC)
    press = _Press(tap, context, services(context), callback, t, user, now)
    with suppress(_RefusedError):  # the presser has been told why
        if callback.action in approval.PUBLICATION_ACTIONS:
            await _settle(press)
        elif callback.action == approval.EXTRACTIVE:
            await _use_extractive(press)
        elif callback.action in (approval.RESCHEDULE, approval.BACK, approval.EDIT):
            await _offer_times(press)
        else:
            await _decide_and_tell(press)


async def _decide_and_tell(press: _Press) -> None:
    """Approve (a vote, or the decision once the quorum is met), a time, or Reject."""
    decision, votes = await press.run(lambda s: _decide(s, press))
    if decision is None:  # short of the quorum: count the vote, show it to every admin
        assert votes is not None
        await press.tap.answer(press.t.vote_counted(len(votes.names), votes.needed))
        await alerts.deliver_now(press.context)
        return
    post = decision.post
    if post.status is PostStatus.SCHEDULED and post.slot is not None and post.id is not None:
        press.found.on_scheduled(post.id, post.slot)  # the worker adds its job now
    await press.tap.answer(_answer(press.t, press.callback, decision))
    if decision.changed:
        await _announce(press)


async def _settle(press: _Press) -> None:
    """Retry (a failed publication), It went out / Send again (an unknown one). The
    pressed message keeps its text, loses its buttons and says who settled it."""
    tap, t, now = press.tap, press.t, press.now
    publication_id, by = press.callback.post_id, press.user.id
    went_out = press.callback.action == approval.WENT_OUT
    settle = outcomes.confirm_sent if went_out else outcomes.retry_publication
    settled = await press.run(lambda s: settle(s, publication_id=publication_id, by=by, now=now))
    if not settled.changed:
        await tap.answer(t.answer_settled())
    elif went_out:
        await tap.answer(t.answer_confirmed())
    else:
        press.found.on_scheduled(settled.publication.post_id, now)
        await tap.answer(t.answer_retrying())
    message = tap.query.message
    if isinstance(message, Message) and message.text and settled.changed:
        text = t.settled(message.text_html, press.user.full_name, sent=went_out)
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    elif isinstance(message, Message):
        await message.edit_reply_markup(None)


def _decide(
    session: Session, press: _Press
) -> tuple[decisions.Decision | None, decisions.Votes | None]:
    config, callback, now = press.found.config, press.callback, press.now
    post_id, by, who = callback.post_id, press.user.id, press.user.full_name
    if callback.action == approval.AT:
        at = datetime.fromtimestamp(callback.at, UTC) if callback.at else now
        decision = decisions.approve_at(
            session, config, post_id=post_id, by=by, at=at, now=now, who=who
        )
        return decision, None
    if callback.action == approval.APPROVE:
        votes = decisions.vote_to_approve(
            session, config, post_id=post_id, by=by, name=who, now=now
        )
        return votes.decision, votes
    return decisions.reject(session, post_id=post_id, by=by, now=now, who=who), None


def _answer(t: Texts, callback: approval.Callback, decision: decisions.Decision) -> str:
    """What the presser is told, as a toast."""
    post = decision.post
    if callback.action == approval.REJECT:
        return t.answer_rejected() if decision.changed else t.answer_already_rejected()
    if not decision.changed:
        return t.answer_already_approved()
    assert post.slot is not None
    return t.answer_approved(post.slot)


async def _announce(press: _Press) -> None:
    """Every admin's copy shows the decision; the officer hears it; a rejection asks why."""
    # Both were recorded with the decision: delivered now, from the outbox.
    await alerts.deliver_now(press.context)
    if press.callback.action == approval.REJECT:
        await ask(press.context.bot, press.user.id, press.t.ask_reason(press.callback.post_id))
