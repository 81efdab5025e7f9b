"""What the commands have people told, through the same code the worker uses: the events
outbox's one dispatcher (:func:`bot.chat.alerts.dispatch`), tomorrow's warning and the
weekly summary (recorded as events, then delivered), and the admins' chat copies of a post
brought in step after a change. The CLI reaches the chat only through here."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from telegram import Bot

from bot.chat import approval
from bot.chat.alerts import dispatch, send_notice, warn_empty_slots, weekly_summary
from bot.config import Config
from bot.domain.posts import PostStatus
from bot.storage import post_rows
from bot.storage.gateway import Gateway

__all__ = ["dispatch", "follow_change", "send_notice", "warn_empty_slots", "weekly_summary"]

#: How the admins' chat copies follow a change: ``decided`` shows the decision without
#: buttons (and the officer hears it from the outbox), ``published`` what is out now (after
#: a correction or a retraction), ``edited`` the new text (with the buttons while it is
#: pending), ``resend`` the draft as it now reads, then the request recorded anew
#: (delivered from the outbox).
AdminUpdate = Literal["decided", "published", "edited", "resend"]


async def follow_change(
    bot: Bot, *, db: Gateway, config: Config, post_id: int, update: AdminUpdate, now: datetime
) -> None:
    pending = (await db.run(post_rows.get_post, post_id=post_id)).status is PostStatus.PENDING
    if update in ("decided", "published") or (update == "edited" and not pending):
        await approval.update_requests(
            bot, db=db, config=config, post_id=post_id, who="goodnews CLI"
        )
        if update == "decided":  # the officer's notice, recorded with the decision
            await dispatch(bot, db=db, config=config)
        return
    await approval.refresh_requests(bot, db=db, config=config, post_id=post_id, now=now)
    if update == "resend":
        await dispatch(bot, db=db, config=config)
