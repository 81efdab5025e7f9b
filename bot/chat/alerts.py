"""Warnings and notices to people in chat, each in its reader's language, each cause sent
once (across restarts and workers). The admins' alerts about publications come from the
events outbox (:func:`dispatch`), delivered at least once; the empty-slot warning and the
weekly summary still remember their keys in the database."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html import escape

from sqlmodel import Session
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot import report
from bot.chat import approval
from bot.chat.engagement import EngagementTexts, week_of
from bot.chat.fit import split_lines
from bot.chat.people import texts_by_user, texts_for_code
from bot.chat.texts import Texts
from bot.config import Config
from bot.domain.engagement import PostEngagement
from bot.domain.errors import UserError
from bot.domain.notices import (
    CaughtUp,
    ChannelHeld,
    CollectionHeld,
    Notice,
    OutcomeUnknown,
    Published,
    PublishFailed,
)
from bot.domain.posts import PostKind
from bot.services import access, drafter, events, scheduling
from bot.services.gateway import Gateway
from bot.services.post_detail import publication_url
from bot.storage import audit_rows, event_rows, publication_rows
from bot.storage.models import EventDelivery

log = logging.getLogger(__name__)


async def warn_empty_slots(
    bot: Bot | None, *, db: Gateway, config: Config, now: datetime
) -> str | None:
    """If tomorrow has empty slots: draft from the unused recaps, send the drafts to the
    admins, and tell the admins (every slot) and the officers (their unit's slots, or the
    organisation's for officers of no unit). Returns the warning text in the configured
    language (None: nothing to say)."""
    empty = await db.run(
        lambda session: [
            slot
            for slot in scheduling.empty_slots_tomorrow(session, config, now=now)
            if audit_rows.first_time(
                session, key=f"empty:{slot.channel}:{slot.kind}:{slot.at:%Y%m%dT%H%M}"
            )
        ]
    )
    if not empty:
        return None
    groups: dict[str | None, _Group] = {}
    for slot in empty:
        group = groups.setdefault(config.audience_of_channel(slot.channel), _Group())
        group.slots.append((slot.at, slot.channel, PostKind(slot.kind)))
    for audience, group in groups.items():
        for kind in dict.fromkeys(kind for _, _, kind in group.slots):
            try:
                post = await db.run(drafter.draft, config, kind=kind, recap_id=None, unit=audience)
                assert post.id is not None
                group.drafted.append(post.id)
            except UserError:
                group.missing.append(kind)
    everything = _Group.merged(groups.values())
    text = texts_for_code(config, None).empty_slots(*everything.parts())
    if bot is None:
        log.warning("%s", text)
        return text
    for post_id in everything.drafted:
        for warning in (
            await approval.send_requests(bot, db=db, config=config, post_id=post_id, now=now)
        ).warnings:
            log.warning("%s", warning)
    admins = await db.run(lambda session: access.people_with(session, config, "admin"))
    officers = await db.run(lambda session: access.people_with(session, config, "officer"))
    officers = [o for o in officers if o not in admins]
    for user, t in (await texts_by_user(db, config, admins)).items():
        await _send(bot, user, t.empty_slots(*everything.parts()), None)
    for user, t in (await texts_by_user(db, config, officers)).items():
        mine = groups.get(config.audience_of_officer(user))
        if mine is not None:
            await _send(bot, user, t.empty_slots(*mine.parts()), None)
    return text


@dataclass
class _Group:
    """Tomorrow's empty slots of one audience (a unit's channels or the organisation's),
    the drafts made for them and the kinds no recap was left for."""

    slots: list[tuple[datetime, str, PostKind]] = field(default_factory=list)
    drafted: list[int] = field(default_factory=list)
    missing: list[PostKind] = field(default_factory=list)

    def parts(
        self,
    ) -> tuple[list[tuple[datetime, str, PostKind]], list[int], list[PostKind]]:
        return self.slots, self.drafted, list(dict.fromkeys(self.missing))

    @classmethod
    def merged(cls, groups: Iterable[_Group]) -> _Group:
        whole = cls()
        for group in groups:
            whole.slots += group.slots
            whole.drafted += group.drafted
            whole.missing += group.missing
        return whole


async def weekly_summary(
    bot: Bot | None, *, db: Gateway, config: Config, now: datetime
) -> str | None:
    """Last week's cadence per unit (Monday to Sunday, local), to the admins, once a week.
    Returns the text in the configured language (None: already sent, or nothing expected)."""
    today = now.astimezone(config.tz).date()
    end = today - timedelta(days=today.isoweekday())  # last Sunday
    start = end - timedelta(days=6)

    def due(
        session: Session,
    ) -> tuple[report.Report, list[int], list[PostEngagement]] | None:
        week = report.build(session, config, start=start, end=end, now=now)
        if not week.expected or not audit_rows.first_time(
            session, key=f"summary:{start.isoformat()}"
        ):
            return None
        admins = access.people_with(session, config, "admin")
        liked = week_of(
            session, config, start=_midnight(start, config), end=_midnight(end, config, 1)
        )
        return week, admins, liked

    found = await db.run(due)
    if found is None:
        return None
    week, admins, liked = found

    def summary(t: Texts) -> str:
        parts = [t.weekly_summary(week), EngagementTexts(t).most_liked(liked)]
        return "\n\n".join(p for p in parts if p)

    text = summary(texts_for_code(config, None))
    log.info("%s", text)
    if bot is not None:
        for admin, t in (await texts_by_user(db, config, admins)).items():
            await _send(bot, admin, summary(t), None)
    return text


def _midnight(day: date, config: Config, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time(0), tzinfo=config.tz)


async def send_notice(bot: Bot | None, *, db: Gateway, config: Config, notice: Notice) -> bool:
    """Log a notice; a post now out is told to the officer whose recap it was, once (False:
    told already). The admins' alerts go out from the events outbox (:func:`dispatch`)."""
    level = logging.INFO if isinstance(notice, Published) else logging.WARNING
    log.log(level, "%s", render(texts_for_code(config, None), notice)[0])
    if bot is None or not isinstance(notice, Published):
        return True
    if not await db.run(audit_rows.first_time, key=notice.key):
        return False
    await approval.tell_submitter(bot, db=db, config=config, post_id=notice.post_id)
    return True


def render(t: Texts, notice: Notice) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message for one reader, with the buttons that settle it."""
    if isinstance(notice, CaughtUp):
        return t.caught_up(notice.post_id, notice.channel, notice.missed, notice.moved_to), None
    if isinstance(notice, PublishFailed):
        text = t.publish_failed(notice.post_id, notice.channel, notice.reason)
        return text, approval.retry_keyboard(t, notice.publication_id)
    if isinstance(notice, OutcomeUnknown):
        text = t.outcome_unknown(notice.post_id, notice.channel, notice.reason)
        return text, approval.unknown_keyboard(t, notice.publication_id)
    if isinstance(notice, ChannelHeld):
        return t.channel_held(
            notice.channel, notice.platform, notice.reason, notice.token_expired
        ), None
    if isinstance(notice, CollectionHeld):
        return EngagementTexts(t).collection_held(notice.channel, notice.reason), None
    return t.published_log(notice.post_id), None


async def _send(bot: Bot, user: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """One notice, in as many messages as Telegram's limit takes (the buttons on the last)."""
    parts = split_lines(text)
    try:
        for index, part in enumerate(parts, 1):
            last = index == len(parts)
            await bot.send_message(
                user, part, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
            )
    except TelegramError as exc:
        log.warning("could not tell %s: %s", user, exc)


#: How long a claimed delivery is this dispatcher's before another may send it again.
DELIVERY_LEASE = timedelta(minutes=2)
DELIVERY_BATCH = 50
#: Refusals that another try would not change: the recipient blocked the bot, is unknown.
_FOR_GOOD = (Forbidden, BadRequest, InvalidToken)


async def dispatch(bot: Bot, *, db: Gateway, config: Config) -> datetime | None:
    """Deliver the recorded events to their recipients, at least once: a delivery is done
    only after Telegram took the message; a 429, a 5xx or a network error tries it again
    later. Returns when the next retry is due (None: nothing waits)."""
    await db.run(events.expand, config, now=datetime.now(UTC))
    while True:
        now = datetime.now(UTC)
        batch = await db.run(
            event_rows.claim, now=now, lease_until=now + DELIVERY_LEASE, limit=DELIVERY_BATCH
        )
        if not batch:
            return await db.run(event_rows.next_due)
        for delivery, notice in batch:
            await _deliver(bot, db, config, delivery, notice)


async def _deliver(
    bot: Bot, db: Gateway, config: Config, delivery: EventDelivery, notice: Notice
) -> None:
    assert delivery.id is not None
    t = (await texts_by_user(db, config, [delivery.recipient]))[delivery.recipient]
    text, markup = render(t, notice)
    url = await _link(db, config, notice)
    if url:  # what already went out (the photos before a text that did not), to check
        text += "\n" + escape(url)
    parts = split_lines(text)  # within Telegram's limit, the buttons on the last
    try:
        for index, part in enumerate(parts, 1):
            last = index == len(parts)
            await bot.send_message(
                delivery.recipient,
                part,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
            )
    except _FOR_GOOD as exc:
        log.warning("could not tell %s about %s: %s", delivery.recipient, notice.key, exc)
        await db.run(event_rows.settle, delivery_id=delivery.id, status="failed", error=str(exc))
        return
    except TelegramError as exc:
        wait = _retry_after(exc) or min(900.0, 5.0 * 2**delivery.attempts)
        log.warning("telling %s failed, again in %.0f s: %s", delivery.recipient, wait, exc)
        next_at = datetime.now(UTC) + timedelta(seconds=wait)
        await db.run(
            event_rows.settle,
            delivery_id=delivery.id,
            status="pending",
            error=str(exc),
            next_at=next_at,
        )
        return
    await db.run(event_rows.settle, delivery_id=delivery.id, status="done")


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


def _retry_after(exc: TelegramError) -> float:
    if not isinstance(exc, RetryAfter):
        return 0.0
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
