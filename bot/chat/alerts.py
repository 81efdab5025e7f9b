"""Warnings and notices to people in chat, each in its reader's language. Each is recorded
as an event with the change that caused it and delivered from the events outbox
(:func:`dispatch`), at least once, each cause once (across restarts and workers)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from typing import Literal

from sqlmodel import Session
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import ContextTypes

from bot import report
from bot.chat import approval
from bot.chat.engagement import EngagementTexts, week_of
from bot.chat.fit import split_lines
from bot.chat.people import texts_by_user, texts_for_code
from bot.chat.services import services
from bot.chat.texts import Texts
from bot.config import Config
from bot.domain.engagement import PostEngagement
from bot.domain.errors import UserError
from bot.domain.notices import (
    ADMIN_NOTICES,
    ApprovalRequested,
    CaughtUp,
    ChannelHeld,
    ChannelName,
    Decided,
    Notice,
    OutcomeUnknown,
    PostChanged,
    Published,
    PublishFailed,
    ReasonGiven,
    SlotsEmpty,
    WeekEnded,
)
from bot.domain.posts import PostKind, PostStatus
from bot.platforms.registry import publication_url
from bot.platforms.telegram.errors import retry_after
from bot.services import channel_names, events, queries, reminders
from bot.services.views import EventDeliveryView, PostView
from bot.storage import event_rows, post_rows, publication_rows
from bot.storage.gateway import Gateway

log = logging.getLogger(__name__)


async def warn_empty_slots(
    bot: Bot | None, *, db: Gateway, config: Config, now: datetime
) -> str | None:
    """If tomorrow has empty slots: draft from the unused recaps and record the drafts'
    approval requests and the warning (to the admins, every slot; to the officers, their
    unit's slots, or the organisation's for officers of no unit), then deliver them.
    Returns the warning text in the configured language (None: nothing new to say)."""
    notice = await db.run(reminders.warn_empty_tomorrow, config, now=now)
    if notice is None:
        return None
    text = empty_slots_text(texts_for_code(config, None), notice, audience=ALL)
    log.warning("%s", text)
    if bot is not None:
        await dispatch(bot, db=db, config=config)
    return text


#: Every audience's slots (what the admins hear).
ALL = "*"


def empty_slots_text(
    t: Texts,
    notice: SlotsEmpty,
    *,
    audience: str | None,
    names: Mapping[str, ChannelName] | None = None,
) -> str:
    """The warning for one audience's slots (``ALL``: every slot), the channels as people
    know them (``names``; without, as the config names them)."""

    def mine(who: str | None) -> bool:
        return audience in {ALL, who}

    def named(channel: str) -> ChannelName:
        return (names or {}).get(channel) or ChannelName(channel)

    slots = [(at, named(ch), PostKind(kind)) for at, ch, kind, who in notice.slots if mine(who)]
    drafted = [post_id for post_id, who in notice.drafted if mine(who)]
    missing = [PostKind(kind) for kind, who in notice.missing if mine(who)]
    return t.empty_slots(slots, drafted, list(dict.fromkeys(missing)))


async def weekly_summary(
    bot: Bot | None, *, db: Gateway, config: Config, now: datetime
) -> str | None:
    """Last week's cadence per unit (Monday to Sunday, local), to the admins, once a week:
    recorded as an event, then delivered. Returns the text in the configured language
    (None: already summarised, or nothing expected)."""
    today = now.astimezone(config.tz).date()
    week = WeekEnded(today - timedelta(days=today.isoweekday() + 6), now)  # last Monday

    def due(session: Session) -> bool:
        found = report.build(session, config, start=week.start, end=_end(week), now=now)
        return found.expected and event_rows.record(session, notice=week)

    if not await db.run(due):
        return None
    text = await summary_text(db, config, texts_for_code(config, None), week)
    log.info("%s", text)
    if bot is not None:
        await dispatch(bot, db=db, config=config)
    return text


def _end(week: WeekEnded) -> date:
    return week.start + timedelta(days=6)


async def summary_text(db: Gateway, config: Config, t: Texts, week: WeekEnded) -> str:
    """The week's summary for one reader: the units' cadence, then the most liked posts."""
    start, end = week.start, _end(week)

    def read(session: Session) -> tuple[report.Report, list[PostEngagement]]:
        found = report.build(session, config, start=start, end=end, now=week.at)
        liked = week_of(
            session, config, start=_midnight(start, config), end=_midnight(end, config, 1)
        )
        return found, liked

    found, liked = await db.run(read)
    parts = [t.weekly_summary(found), EngagementTexts(t).most_liked(liked)]
    return "\n\n".join(p for p in parts if p)


def _midnight(day: date, config: Config, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time(0), tzinfo=config.tz)


async def send_notice(bot: Bot | None, *, db: Gateway, config: Config, notice: Notice) -> bool:
    """Log a notice. Whoever must hear it hears it from the events outbox
    (:func:`dispatch`): it was recorded with the change that caused it."""
    del bot, db
    level = logging.INFO if isinstance(notice, Published) else logging.WARNING
    log.log(level, "%s", render(texts_for_code(config, None), notice)[0])
    return True


def render(
    t: Texts, notice: Notice, names: Mapping[str, ChannelName] | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message for one reader, with the buttons that settle it; the channels as people
    know them (``names``; without, as the config names them: the log's wording)."""
    if not isinstance(notice, ADMIN_NOTICES):
        # The others are told by their own subscribers (see :func:`_compose`).
        text = t.published_log(notice.post_id) if isinstance(notice, Published) else notice.key
        return text, None
    channel = (names or {}).get(notice.channel) or ChannelName(notice.channel)
    if isinstance(notice, CaughtUp):
        return t.caught_up(notice.post_id, channel, notice.missed, notice.moved_to), None
    if isinstance(notice, PublishFailed):
        text = t.publish_failed(notice.post_id, channel, notice.reason)
        return text, approval.retry_keyboard(t, notice.publication_id)
    if isinstance(notice, OutcomeUnknown):
        text = t.outcome_unknown(notice.post_id, channel, notice.reason)
        return text, approval.unknown_keyboard(t, notice.publication_id)
    if isinstance(notice, ChannelHeld):
        return t.channel_held(channel, notice.platform, notice.reason, notice.token_expired), None
    return EngagementTexts(t).collection_held(channel, notice.reason), None


#: How long a claimed delivery is this dispatcher's before another may send it again.
DELIVERY_LEASE = timedelta(minutes=2)
DELIVERY_BATCH = 50
#: Refusals that another try would not change: the recipient blocked the bot, is unknown.
_FOR_GOOD = (Forbidden, BadRequest, InvalidToken)


async def deliver_now(context: ContextTypes.DEFAULT_TYPE) -> None:
    """What a chat action recorded with its change (the admins' copies, an officer's
    notice), delivered now rather than at the worker's next sweep."""
    found = services(context)
    await dispatch(context.bot, db=found.db, config=found.config)


async def dispatch(bot: Bot, *, db: Gateway, config: Config) -> datetime | None:
    """Deliver the recorded events to their recipients, at least once: a delivery is done
    only after Telegram took the message; a 429, a 5xx or a network error tries it again
    later. Returns when the next retry is due (None: nothing waits)."""
    await db.run(events.expand, config, now=datetime.now(UTC))
    while True:
        now = datetime.now(UTC)
        batch = await db.run(
            events.claim, now=now, lease_until=now + DELIVERY_LEASE, limit=DELIVERY_BATCH
        )
        if not batch:
            return await db.run(event_rows.next_due)
        for delivery, notice in batch:
            await _deliver(bot, db, config, delivery, notice)


#: A message: its text, its buttons, whether the text is HTML; None: nothing to say.
Message = tuple[str, InlineKeyboardMarkup | None, bool] | None
#: An officer waits for the admins' copies: how soon to look again.
_WAIT = timedelta(seconds=5)


async def _deliver(
    bot: Bot, db: Gateway, config: Config, delivery: EventDeliveryView, notice: Notice
) -> None:
    """One delivery, settled after the try: done (with the admin's copy of an approval
    request, in the same transaction), failed for good, or pending for another try."""
    assert delivery.id is not None
    delivery_id, recipient = delivery.id, delivery.recipient
    t = (await texts_by_user(db, config, [recipient]))[recipient]
    copy: int | None = None
    try:
        if isinstance(notice, ApprovalRequested) and delivery.subscriber == events.APPROVAL:
            copy = await _request(bot, db, config, notice, admin=recipient, t=t)
        elif isinstance(notice, PostChanged):  # the admin's copy, edited in step
            await approval.edit_copy(bot, db, config, notice, admin=recipient, t=t)
        else:
            message = await _compose(db, config, delivery, notice, t)
            if message == "wait":
                await _try_again(db, delivery_id, _WAIT)
                return
            await _send(bot, recipient, message)
    except (*_FOR_GOOD, UserError) as exc:  # refused for good, or what it is about is gone
        log.warning("could not tell %s about %s: %s", recipient, notice.key, exc)
        await db.run(event_rows.settle, delivery_id=delivery_id, status="failed", error=str(exc))
        return
    except TelegramError as exc:
        wait = retry_after(exc) or min(900.0, 5.0 * 2**delivery.attempts)
        log.warning("telling %s failed, again in %.0f s: %s", recipient, wait, exc)
        await _try_again(db, delivery_id, timedelta(seconds=wait), error=str(exc))
        return

    def settle(session: Session) -> None:
        if copy is not None and isinstance(notice, ApprovalRequested):  # to edit it later
            post_rows.add_approval_message(
                session, post_id=notice.post_id, chat_id=recipient, message_id=copy
            )
        event_rows.settle(session, delivery_id=delivery_id, status="done")

    await db.run(settle)


async def _try_again(
    db: Gateway, delivery_id: int, after: timedelta, error: str | None = None
) -> None:
    """The delivery stays pending, for another try ``after`` from now."""
    next_at = datetime.now(UTC) + after
    await db.run(
        event_rows.settle, delivery_id=delivery_id, status="pending", error=error, next_at=next_at
    )


async def _request(
    bot: Bot, db: Gateway, config: Config, notice: ApprovalRequested, *, admin: int, t: Texts
) -> int | None:
    """An approval request to one admin, while the post still waits for a decision; the
    message id of the admin's copy (None: decided meanwhile, nothing sent)."""
    post = await db.run(queries.post, post_id=notice.post_id)
    if post.status is not PostStatus.PENDING:
        return None
    return await approval.send_request(
        bot, db=db, config=config, post_id=notice.post_id, admin=admin, t=t,
        now=datetime.now(UTC),
    )  # fmt: skip


async def _compose(
    db: Gateway, config: Config, delivery: EventDeliveryView, notice: Notice, t: Texts
) -> Message | Literal["wait"]:
    """The message one recipient gets for an event."""
    if isinstance(notice, ApprovalRequested):  # the officer, once an admin has the draft
        return await _drafted(db, delivery, notice, t)
    if isinstance(notice, Published | Decided | ReasonGiven):
        return await _to_officer(db, config, notice, t)
    names = await db.run(channel_names.named, config)
    if isinstance(notice, SlotsEmpty):
        return _empty_slots(config, delivery, notice, t, names)
    if isinstance(notice, WeekEnded):
        return await summary_text(db, config, t, notice), None, True
    text, markup = render(t, notice, names)
    url = await _link(db, config, notice)
    if url:  # what already went out (the photos before a text that did not), to check
        text += "\n" + escape(url)
    return text, markup, True


def _empty_slots(
    config: Config,
    delivery: EventDeliveryView,
    notice: SlotsEmpty,
    t: Texts,
    names: Mapping[str, ChannelName],
) -> Message:
    """Every slot for an admin, their unit's for an officer; nothing once the day is over."""
    if notice.day < datetime.now(config.tz).date():
        return None
    admin = delivery.subscriber == events.ADMINS
    whose = ALL if admin else config.audience_of_officer(delivery.recipient)
    return empty_slots_text(t, notice, audience=whose, names=names), None, True


async def _to_officer(
    db: Gateway, config: Config, notice: Published | Decided | ReasonGiven, t: Texts
) -> Message:
    """What the officer hears of their post: out, decided, why it was not approved."""
    if isinstance(notice, Published):  # where the post stands now, as one read sees it

        def read(session: Session) -> tuple[PostView, list[tuple[str, str | None]]]:
            post = queries.post(session, post_id=notice.post_id)
            return post, channel_names.published_on(session, config, post_id=notice.post_id)

        post, sent_on = await db.run(read)
        # No recap (any more): no officer to tell.
        text = approval.submitter_text(t, post, sent_on) if post.recap_id is not None else None
        return (text, None, False) if text is not None else None
    if isinstance(notice, ReasonGiven):
        return t.officer_reason(notice.post_id, notice.reason), None, False
    # The decision as it was taken (a later one is its own event).
    post = await db.run(queries.post, post_id=notice.post_id)
    recap_id = post.recap_id or 0
    if not notice.approved:
        return t.officer_rejected(recap_id, notice.post_id), None, False
    if notice.slot is None:  # no channel to go out on: nothing to tell
        return None
    return t.officer_approved(recap_id, notice.post_id, notice.slot), None, False


async def _drafted(
    db: Gateway, delivery: EventDeliveryView, notice: ApprovalRequested, t: Texts
) -> Message | Literal["wait"]:
    """ "Waits for the admins", said to the officer only once an admin has the draft."""

    def read(session: Session) -> tuple[PostView, bool, int]:
        post = queries.post(session, post_id=notice.post_id)
        copies = queries.admins_have_it(session, post_id=notice.post_id)
        waiting = event_rows.waiting(
            session, event_id=delivery.event_id, subscriber=events.APPROVAL
        )
        return post, copies, waiting

    post, copies, waiting = await db.run(read)
    if post.status is not PostStatus.PENDING or post.id is None:
        return None
    if not copies:
        return "wait" if waiting else None
    return t.officer_drafted(post.recap_id or 0, post.id, post.kind), None, False


async def _send(bot: Bot, user: int, message: Message) -> None:
    """One message, in as many as Telegram's limit takes (the buttons on the last)."""
    if message is None:
        return
    text, markup, html = message
    parts = split_lines(text) if html else [text]
    for index, part in enumerate(parts, 1):
        await bot.send_message(
            user,
            part,
            parse_mode=ParseMode.HTML if html else None,
            reply_markup=markup if index == len(parts) else None,
        )


async def _link(db: Gateway, config: Config, notice: Notice) -> str | None:
    """The link to what a failed or unknown publication put in the channel, if anything."""
    if not isinstance(notice, PublishFailed | OutcomeUnknown):
        return None

    def read(session: Session) -> str | None:
        publication = publication_rows.get_publication(
            session, publication_id=notice.publication_id
        )
        return publication_url(config, publication.channel, publication.external_id)

    try:
        return await db.run(read)
    except UserError:  # the publication is gone: the alert stands without a link
        return None
