"""Warnings and notices to people in chat, each in its reader's language, each cause sent
once (across restarts and workers: the keys are remembered in the database)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import actions, report
from bot.chat import approval
from bot.chat.fit import split_lines
from bot.chat.people import texts_by_user, texts_for_code
from bot.chat.texts import Texts
from bot.config import Config
from bot.domain.errors import UserError
from bot.domain.notices import (
    CaughtUp,
    ChannelHeld,
    Notice,
    OutcomeUnknown,
    Published,
    PublishFailed,
)
from bot.domain.posts import PostKind
from bot.storage import repo
from bot.storage.db import session_scope

log = logging.getLogger(__name__)


async def warn_empty_slots(
    bot: Bot | None, *, engine: Engine, config: Config, now: datetime
) -> str | None:
    """If tomorrow has empty slots: draft from the unused recaps, send the drafts to the
    admins, and tell the admins (every slot) and the officers (their unit's slots, or the
    organisation's for officers of no unit). Returns the warning text in the configured
    language (None: nothing to say)."""
    with session_scope(engine) as session:
        empty = [
            slot
            for slot in actions.empty_slots_tomorrow(session, config, now=now)
            if repo.first_time(
                session, key=f"empty:{slot.channel}:{slot.kind}:{slot.at:%Y%m%dT%H%M}"
            )
        ]
    if not empty:
        return None
    groups: dict[str | None, _Group] = {}
    for slot in empty:
        group = groups.setdefault(config.audience_of_channel(slot.channel), _Group())
        group.slots.append((slot.at, slot.channel, PostKind(slot.kind)))
    for audience, group in groups.items():
        for kind in dict.fromkeys(kind for _, _, kind in group.slots):
            try:
                with session_scope(engine) as session:
                    post = actions.draft(session, config, kind=kind, recap_id=None, unit=audience)
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
            await approval.send_requests(
                bot, engine=engine, config=config, post_id=post_id, now=now
            )
        ).warnings:
            log.warning("%s", warning)
    with session_scope(engine) as session:
        admins = actions.people_with(session, config, "admin")
        officers = [o for o in actions.people_with(session, config, "officer") if o not in admins]
    for user, t in texts_by_user(engine, config, admins).items():
        await _send(bot, user, t.empty_slots(*everything.parts()), None)
    for user, t in texts_by_user(engine, config, officers).items():
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
    bot: Bot | None, *, engine: Engine, config: Config, now: datetime
) -> str | None:
    """Last week's cadence per unit (Monday to Sunday, local), to the admins, once a week.
    Returns the text in the configured language (None: already sent, or nothing expected)."""
    today = now.astimezone(config.tz).date()
    end = today - timedelta(days=today.isoweekday())  # last Sunday
    start = end - timedelta(days=6)
    with session_scope(engine) as session:
        found = report.build(session, config, start=start, end=end, now=now)
        units = [u for u in found.units if u.days_expected or u.weekly_expected]
        if not units or not repo.first_time(session, key=f"summary:{start.isoformat()}"):
            return None
        admins = actions.people_with(session, config, "admin")
    text = texts_for_code(config, None).weekly_summary(units)
    log.info("%s", text)
    if bot is not None:
        for admin, t in texts_by_user(engine, config, admins).items():
            await _send(bot, admin, t.weekly_summary(units), None)
    return text


async def send_notice(bot: Bot | None, *, engine: Engine, config: Config, notice: Notice) -> bool:
    """Tell the people concerned, once per cause; False when it was already told."""
    with session_scope(engine) as session:
        if not repo.first_time(session, key=notice.key):
            return False
        admins = actions.people_with(session, config, "admin")
    level = logging.INFO if isinstance(notice, Published) else logging.WARNING
    log.log(level, "%s", render(texts_for_code(config, None), notice)[0])
    if bot is None:
        return True
    if isinstance(notice, Published):
        await approval.tell_submitter(bot, engine=engine, config=config, post_id=notice.post_id)
        return True
    for admin, t in texts_by_user(engine, config, admins).items():
        text, markup = render(t, notice)
        await _send(bot, admin, text, markup)
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
