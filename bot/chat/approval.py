"""Approval requests: the message each admin gets for a draft, and its updates on a decision."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot import actions
from bot.chat import texts
from bot.config import Config
from bot.domain.drafting import render_telegram_html
from bot.domain.posts import PostStatus
from bot.storage import repo
from bot.storage.db import session_scope
from bot.storage.models import ApprovalMessage, Post

log = logging.getLogger(__name__)

APPROVE, REJECT, RESCHEDULE, BACK, AT, EDIT = ("approve", "reject", "resched", "back", "at", "edit")


@dataclass(frozen=True)
class Callback:
    """A decoded button press: ``approve:12`` → Callback("approve", 12); ``at:12:1764…``
    → Callback("at", 12, 1764…) (approve for that instant; 0 means now)."""

    action: str
    post_id: int
    at: int | None = None

    @classmethod
    def parse(cls, data: str | None) -> Callback | None:
        """None for anything that is not one of our buttons (forged or from an old version)."""
        parts = (data or "").split(":")
        if not all(p.isdigit() and len(p) <= 12 for p in parts[1:]):
            return None
        if len(parts) == 2 and parts[0] in (APPROVE, REJECT, RESCHEDULE, BACK, EDIT):
            return cls(parts[0], int(parts[1]))
        if len(parts) == 3 and parts[0] == AT:
            return cls(AT, int(parts[1]), int(parts[2]))
        return None

    def encode(self) -> str:
        tail = f":{self.at}" if self.at is not None else ""
        return f"{self.action}:{self.post_id}{tail}"


def keyboard(post_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.BUTTON_APPROVE, callback_data=Callback(APPROVE, post_id).encode()
                ),
                InlineKeyboardButton(
                    texts.BUTTON_RESCHEDULE, callback_data=Callback(RESCHEDULE, post_id).encode()
                ),
                InlineKeyboardButton(
                    texts.BUTTON_REJECT, callback_data=Callback(REJECT, post_id).encode()
                ),
            ],
            [
                InlineKeyboardButton(
                    texts.BUTTON_EDIT, callback_data=Callback(EDIT, post_id).encode()
                )
            ],
        ]
    )


def slots_keyboard(post_id: int, slots: list[datetime], tz: ZoneInfo) -> InlineKeyboardMarkup:
    """The next free slots as buttons, then "post now" and back."""
    rows = [
        [
            InlineKeyboardButton(
                texts.slot_vi(slot, tz),
                callback_data=Callback(AT, post_id, int(slot.timestamp())).encode(),
            )
        ]
        for slot in slots
    ]
    rows.append(
        [
            InlineKeyboardButton(texts.BUTTON_NOW, callback_data=Callback(AT, post_id, 0).encode()),
            InlineKeyboardButton(texts.BUTTON_BACK, callback_data=Callback(BACK, post_id).encode()),
        ]
    )
    return InlineKeyboardMarkup(rows)


def request_text(config: Config, post: Post, slot: datetime) -> str:
    assert post.id is not None
    return texts.approval_request(
        post_id=post.id,
        kind=post.kind,
        slot=slot,
        tz=config.tz,
        recap_id=post.recap_id,
        post_html=render_telegram_html(actions.as_draft(post)),
    )


def decision_text(config: Config, post: Post, who: str) -> str:
    """What every admin's copy says once the post is decided."""
    assert post.id is not None
    html = render_telegram_html(actions.as_draft(post))
    if post.status is PostStatus.SCHEDULED and post.slot is not None:
        return texts.approved(
            post_id=post.id, who=who, slot=post.slot, tz=config.tz, post_html=html
        )
    if post.status is PostStatus.REJECTED:
        return texts.rejected(post_id=post.id, who=who, post_html=html)
    return texts.closed(post_id=post.id, status=post.status.value, post_html=html)


async def send_requests(
    bot: Bot, *, engine: Engine, config: Config, post_id: int, now: datetime
) -> list[str]:
    """Send the draft to every admin. Returns one warning per admin who could not get it."""
    with session_scope(engine) as session:
        post = repo.get_post(session, post_id=post_id)
        text = request_text(
            config, post, actions.proposed_slot(session, config, post=post, now=now)
        )
        admins = actions.people_with(session, config, "admin")
    warnings = [] if admins else ["nobody to ask: no admins in telegram.admins or owners"]
    for admin in admins:
        try:
            message = await bot.send_message(
                admin, text, parse_mode=ParseMode.HTML, reply_markup=keyboard(post_id)
            )
        except TelegramError as exc:
            warnings.append(f"admin {admin} did not get the approval request: {exc}")
            continue
        with session_scope(engine) as session:
            repo.add_approval_message(
                session, post_id=post_id, chat_id=message.chat_id, message_id=message.message_id
            )
    return warnings


async def refresh_requests(
    bot: Bot,
    *,
    engine: Engine,
    config: Config,
    post_id: int,
    now: datetime,
    footer: str = "",
) -> None:
    """Every admin's copy shows the post as it now reads (after an edit, or with the votes
    so far in ``footer``); the buttons stay, since the post is still undecided."""
    with session_scope(engine) as session:
        post = repo.get_post(session, post_id=post_id)
        text = request_text(
            config, post, actions.proposed_slot(session, config, post=post, now=now)
        )
        copies = repo.approval_messages(session, post_id=post_id)
    await _edit_copies(bot, copies, text + footer, keyboard(post_id))


async def update_requests(
    bot: Bot, *, engine: Engine, config: Config, post_id: int, who: str
) -> None:
    """Edit every admin's copy of the request to show the decision, without buttons."""
    with session_scope(engine) as session:
        post = repo.get_post(session, post_id=post_id)
        copies = repo.approval_messages(session, post_id=post_id)
        text = decision_text(config, post, who)
    await _edit_copies(bot, copies, text, None)


async def _edit_copies(
    bot: Bot, copies: list[ApprovalMessage], text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """One failed copy (deleted chat, unchanged text) never stops the others."""
    for copy in copies:
        try:
            await bot.edit_message_text(
                text,
                chat_id=copy.chat_id,
                message_id=copy.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                log.warning("could not update approval message %s: %s", copy.message_id, exc)
        except TelegramError as exc:
            log.warning("could not update approval message %s: %s", copy.message_id, exc)


async def tell_submitter(bot: Bot, *, engine: Engine, config: Config, post_id: int) -> None:
    """Tell the officer whose recap became this post what the admins decided."""
    with session_scope(engine) as session:
        post = repo.get_post(session, post_id=post_id)
        officer = None
        if post.recap_id is not None:
            officer = repo.get_recap(session, recap_id=post.recap_id).submitted_by
    if officer is None:
        return
    if post.status is PostStatus.SCHEDULED and post.slot is not None:
        text = texts.officer_approved(post.recap_id or 0, post_id, post.slot, config.tz)
    elif post.status is PostStatus.REJECTED:
        text = texts.officer_rejected(post.recap_id or 0, post_id)
    else:
        return
    try:
        await bot.send_message(officer, text)
    except TelegramError as exc:
        log.warning("could not tell officer %s about post %s: %s", officer, post_id, exc)
