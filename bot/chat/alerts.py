"""Warnings to people in chat, each cause sent once (across restarts and workers)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import actions
from bot.chat import approval, texts
from bot.config import Config
from bot.domain.errors import UserError
from bot.domain.posts import PostKind
from bot.storage import repo
from bot.storage.db import session_scope

log = logging.getLogger(__name__)


async def warn_empty_slots(
    bot: Bot | None, *, engine: Engine, config: Config, now: datetime
) -> str | None:
    """If tomorrow has empty slots: draft from the unused recaps, send the drafts to the
    admins, and tell admins and officers. Returns the warning text (None: nothing to say)."""
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
    drafted, missing = [], []
    for kind in dict.fromkeys(slot.kind for slot in empty):
        try:
            with session_scope(engine) as session:
                post = actions.draft(session, config, kind=kind, recap_id=None)
            assert post.id is not None
            drafted.append(post.id)
        except UserError:
            missing.append(texts.KIND_VI[PostKind(kind)])
    text = texts.empty_slots(
        [
            f"{texts.slot_vi(s.at, config.tz)} · {s.channel} · {texts.KIND_VI[s.kind]}"
            for s in empty
        ],
        drafted,
        missing,
    )
    if bot is None:
        log.warning("%s", text)
        return text
    for post_id in drafted:
        for warning in await approval.send_requests(
            bot, engine=engine, config=config, post_id=post_id, now=now
        ):
            log.warning("%s", warning)
    with session_scope(engine) as session:
        people = dict.fromkeys(
            [
                *actions.people_with(session, config, "admin"),
                *actions.people_with(session, config, "officer"),
            ]
        )
    for user in people:
        try:
            await bot.send_message(user, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.warning("could not warn %s: %s", user, exc)
    return text
