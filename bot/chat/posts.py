"""One post in chat, for admins: ``/post N`` shows it whole with the buttons its state
allows (a draft: the approval buttons; scheduled: unapprove, cancel; out: take down), and
``/pending`` sends each waiting draft with its buttons. Cancelling and taking down ask for a
confirmation first. Thin: the services do the work, as for the CLI."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, datetime
from html import escape

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.chat import alerts, approval
from bot.chat.keyboards import column
from bot.chat.people import Asker, admin_asker, ask, our_question, reader, roles_of
from bot.chat.services import services
from bot.chat.texts import RULE, ModuleTexts, all_texts
from bot.config import Config
from bot.domain.errors import UserError
from bot.domain.posts import WENT_OUT, PostStatus, PublicationStatus
from bot.platforms.publishers import open_publishers
from bot.services import changes, corrections, decisions, queries
from bot.services.post_detail import PostDetail, post_detail
from bot.storage import post_rows

#: The buttons' data: ``p<action>:<post id>``; c/r ask to confirm a cancel / take-down,
#: C/R do it, u unapproves, e asks for a new text, S saves the text confirmed, x puts the
#: card's buttons back.
PATTERN = r"^p[cCrRuxeS]:\d{1,12}$"
_TELEGRAM_LIMIT = 4096
_BACK = "x"


class PostTexts(ModuleTexts):
    """One reader's texts for a post's card."""

    def card(self, detail: PostDetail, *, with_text: bool = True) -> str:
        post, t = detail.post, self.t
        head = self._("<b>Post #{post_id}</b> · {kind} · {status}").format(
            post_id=post.id, kind=escape(t.kind(post.kind)), status=escape(t.status(post.status))
        )
        lines = [head]
        if post.slot is not None and post.status in (PostStatus.SCHEDULED, PostStatus.PENDING):
            lines.append(self._("Goes out {when}").format(when=escape(t.when(post.slot))))
        body = detail.previews.get("telegram", "") if with_text else f"<b>{escape(post.title)}</b>"
        lines += [RULE, body, RULE] if body else [RULE]
        for p in detail.publications:
            shown = [escape(p.channel), escape(t.status(p.status.value))]
            shown += [escape(x) for x in (p.url, p.error) if x]
            lines.append(" · ".join(shown))
        text = "\n".join(lines)
        if len(text) > _TELEGRAM_LIMIT and with_text:
            return self.card(detail, with_text=False)
        return text[:_TELEGRAM_LIMIT]

    def buttons(self, detail: PostDetail) -> InlineKeyboardMarkup | None:
        post, out = detail.post, detail.publications
        if post.status is PostStatus.PENDING:
            return approval.keyboard(self.t, post.id)
        edit = (self.t.button_edit(), f"pe:{post.id}")
        if post.status is PostStatus.SCHEDULED:
            return column(
                edit,
                (self._("↩️ Unapprove"), f"pu:{post.id}"),
                (self._("🗑 Cancel"), f"pc:{post.id}"),
            )
        if post.status in WENT_OUT and any(p.status is PublicationStatus.SENT for p in out):
            return column(edit, (self._("🗑 Take down"), f"pr:{post.id}"))
        return None

    def confirm(self, action: str, post_id: int) -> InlineKeyboardMarkup:
        yes = {
            "c": self._("Yes, cancel it"),
            "r": self._("Yes, take it down"),
            "s": self._("Yes, save it"),
        }[action]
        return column((yes, f"p{action.upper()}:{post_id}"), (self._("No"), f"px:{post_id}"))

    def ask(self, action: str, post_id: int) -> str:
        if action == "c":
            return self._("Cancel post #{post_id}? Nothing of it will be published.").format(
                post_id=post_id
            )
        return self._("Take post #{post_id} down from every channel?").format(post_id=post_id)

    def outcome(self, post_id: int, channel: corrections.ChannelOutcome) -> str:
        if channel.done:
            return self._("Post #{post_id} is taken down from {channel}.").format(
                post_id=post_id, channel=channel.channel
            )
        return self._("Post #{post_id} could not be taken down from {channel}: {reason}").format(
            post_id=post_id, channel=channel.channel, reason=channel.reason
        )

    def correction_prefix(self) -> str:
        """How the question for a post's new text begins, up to its number."""
        return self._("✏️ Corrected text for post #")

    def correction_question(self, post_id: int) -> str:
        return self.correction_prefix() + self._(
            "{post_id}: reply with the title on the first line and the text below it."
        ).format(post_id=post_id)

    def correction_confirm(self, post_id: int, text: str, went_out: bool) -> str:
        ask = (
            self._("Correct post #{post_id} on every channel where it went out?")
            if went_out
            else self._("Save this text for post #{post_id}?")
        ).format(post_id=post_id)
        return "\n".join([ask, RULE, escape(text), RULE])

    def corrected(self, post_id: int, channel: corrections.ChannelOutcome) -> str:
        if channel.done:
            return self._("Post #{post_id} is corrected on {channel}.").format(
                post_id=post_id, channel=channel.channel
            )
        return self._(
            "Post #{post_id} could not be corrected on {channel}, which still shows the "
            "previous text: {reason}"
        ).format(post_id=post_id, channel=channel.channel, reason=channel.reason)

    def saved(self) -> str:
        return self._("The new text is saved; the post goes out as it now reads.")

    def usage(self) -> str:
        return self._("Send /post and the post's number, e.g. /post 12.")


async def on_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/post N: the post whole, with the buttons its state allows."""
    asked = await admin_asker(update, context)
    if asked is None:
        return
    message, found, t = asked.message, asked.found, asked.t
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 12:
        await message.reply_text(PostTexts(t).usage())
        return
    post_id = int(args[0])
    try:
        detail = await found.db.run(post_detail, found.config, post_id=post_id)
    except UserError as exc:
        await message.reply_text(t.error(exc))
        return
    if detail.post.status is PostStatus.PENDING:  # the draft as every admin gets it
        await send_drafts(context, asked, [post_id])
        return
    texts = PostTexts(t)
    await message.reply_text(
        texts.card(detail), parse_mode=ParseMode.HTML, reply_markup=texts.buttons(detail)
    )


async def on_pending(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pending: each waiting draft, with its approval buttons."""
    asked = await admin_asker(update, context)
    if asked is None:
        return
    pending = await asked.found.db.run(queries.pending_ids)
    if not pending:
        await asked.message.reply_text(asked.t.no_pending())
    await send_drafts(context, asked, pending)


async def send_drafts(
    context: ContextTypes.DEFAULT_TYPE, asked: Asker, post_ids: list[int]
) -> None:
    """Each draft to the admin who asked, as every admin gets it; each copy kept beside
    the others (the admin's older ones too), so that every decision updates it too."""
    found, admin = asked.found, asked.user.id
    for post_id in post_ids:
        copy = await approval.send_request(
            context.bot,
            db=found.db,
            config=found.config,
            post_id=post_id,
            admin=admin,
            t=asked.t,
            now=datetime.now(UTC),
        )
        await found.db.run(
            post_rows.add_approval_message, post_id=post_id, chat_id=admin, message_id=copy
        )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button under a post's card. Handled here only: no other handler sees it."""
    query = update.callback_query
    if query is None or not query.data or not re.match(PATTERN, query.data):
        return
    await _press(context, query, query.data)
    raise ApplicationHandlerStop


async def _press(context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, data: str) -> None:
    """The press answered: admins only; a confirmation first for cancelling, taking down."""
    found, t = services(context), reader(context, query.from_user)
    if "admin" not in await roles_of(context, query.from_user.id):
        await query.answer(t.not_allowed(), show_alert=True)
        return
    texts, action, post_id = PostTexts(t), data[1], int(data.split(":")[1])
    if action == "e":
        await query.answer()
        await ask(context.bot, query.from_user.id, texts.correction_question(post_id))
        return
    if action in "cr":
        await query.answer(texts.ask(action, post_id))
        await query.edit_message_reply_markup(texts.confirm(action, post_id))
        return
    await query.answer("" if action == _BACK else t.saving())
    try:
        await _act(context, query, action, post_id, texts)
    except UserError as exc:
        await context.bot.send_message(query.from_user.id, t.error(exc))
    if action == "S":  # the confirmation is answered: its buttons go
        with suppress(TelegramError):
            await query.edit_message_reply_markup(None)
        return
    detail = await found.db.run(post_detail, found.config, post_id=post_id)
    with suppress(TelegramError):  # unchanged, or too old to edit: the answers said it all
        await query.edit_message_text(
            texts.card(detail), parse_mode=ParseMode.HTML, reply_markup=texts.buttons(detail)
        )


async def _act(
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    action: str,
    post_id: int,
    texts: PostTexts,
) -> None:
    """Cancel (C), unapprove (u), take down (R) or save a confirmed text (S); the admins'
    copies follow (and after unapprove the request asked anew), from the events outbox."""
    found, user_id, now = services(context), query.from_user.id, datetime.now(UTC)
    config, db, bot = found.config, found.db, context.bot
    if action == "C":
        await db.run(changes.cancel, post_id=post_id, by=user_id, now=now)
    elif action == "u":
        await db.run(decisions.unapprove, post_id=post_id, now=now, by=user_id)
    elif action == "S":
        assert isinstance(query.message, Message) and query.message.text is not None
        text = _confirmed_text(query.message.text)
        await _save_text(context, query.from_user, post_id, text, texts)
    elif action == "R":
        async with open_publishers(config, bot=bot) as publishers:
            outcome = await corrections.retract(
                db, config, publishers, post_id=post_id, reason=None, by=user_id
            )
        lines = [texts.outcome(post_id, channel) for channel in outcome.channels]
        await bot.send_message(user_id, "\n".join(lines)[:_TELEGRAM_LIMIT])
    await alerts.dispatch(bot, db=db, config=config)


def _confirmed_text(shown: str) -> str:
    """The new text a confirmation showed, between its two rules (read back from the
    message, so nothing is kept between the question and the press)."""
    parts = shown.split(RULE)
    return parts[1].strip() if len(parts) >= 3 else ""


async def on_correction_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin's reply to "new text for post #N": shown back with a confirmation. Any
    other reply goes on to the other handlers."""
    replied = our_question(update, context)
    if replied is None or not replied[0].text:
        return
    post_id = _asked_post(replied[1], services(context).config)
    if post_id is None:
        return
    asked = await admin_asker(update, context)
    if asked is None:
        raise ApplicationHandlerStop
    found, t, texts = asked.found, asked.t, PostTexts(asked.t)
    try:
        detail = await found.db.run(post_detail, found.config, post_id=post_id)
    except UserError as exc:
        await asked.message.reply_text(t.error(exc))
        raise ApplicationHandlerStop from exc
    went_out = detail.post.status in WENT_OUT
    await asked.message.reply_text(
        texts.correction_confirm(post_id, replied[0].text, went_out)[:_TELEGRAM_LIMIT],
        parse_mode=ParseMode.HTML,
        reply_markup=texts.confirm("s", post_id),
    )
    raise ApplicationHandlerStop


def _asked_post(text: str, config: Config) -> int | None:
    """The post a question for a new text was about, in whichever language it was asked."""
    for t in all_texts(config.tz):
        prefix = PostTexts(t).correction_prefix()
        if text.startswith(prefix):
            digits = re.match(r"\d{1,12}", text[len(prefix) :])
            return int(digits.group()) if digits else None
    return None


async def _save_text(
    context: ContextTypes.DEFAULT_TYPE, user: User, post_id: int, text: str, texts: PostTexts
) -> None:
    """The confirmed text: corrected on every channel where the post went out, or saved
    before it goes (the admins' copies follow, from the events outbox: see :func:`_act`)."""
    found, bot, now = services(context), context.bot, datetime.now(UTC)
    config, db = found.config, found.db
    status = (await db.run(post_detail, config, post_id=post_id)).post.status
    if status in WENT_OUT:
        async with open_publishers(config, bot=bot) as publishers:
            outcome = await corrections.correct(
                db, config, publishers, post_id=post_id, text=text, by=user.id
            )
        lines = [texts.corrected(post_id, channel) for channel in outcome.channels]
        await bot.send_message(user.id, "\n".join(lines)[:_TELEGRAM_LIMIT])
        return
    await db.run(
        changes.edit,
        config,
        post_id=post_id,
        by=user.id,
        text=text,
        photos=None,
        now=now,
        who=user.full_name,
    )
    await bot.send_message(user.id, texts.saved())
