"""Approval requests: the message each admin gets for a draft, and its updates on a change."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.chat.draft_photos import show_photos
from bot.chat.fit import fits, split_lines
from bot.chat.keyboards import rows
from bot.chat.texts import Texts
from bot.config import Config
from bot.domain import tone
from bot.domain.drafting import render_telegram_html
from bot.domain.notices import PostChanged
from bot.domain.posts import PostStatus
from bot.platforms.telegram import errors as telegram_errors
from bot.services import decisions, events, post_rules
from bot.services.views import PostView
from bot.storage import post_rows
from bot.storage.gateway import Gateway

APPROVE, REJECT, RESCHEDULE, BACK, AT, EDIT = ("approve", "reject", "resched", "back", "at", "edit")
#: Use the extractive draft instead of the language model's rewrite.
EXTRACTIVE = "extractive"
#: Buttons under a failed or unknown publication; their number is the publication's id.
RETRY, WENT_OUT, AGAIN = ("retry", "wentout", "again")
PUBLICATION_ACTIONS = (RETRY, WENT_OUT, AGAIN)
#: The buttons whose data is an action and a number, and nothing else.
_NUMBERED = (APPROVE, REJECT, RESCHEDULE, BACK, EDIT, EXTRACTIVE, *PUBLICATION_ACTIONS)
#: No button of ours offers a time after 2100-01-01 (a later one is forged; year 33658
#: cannot even be a datetime).
LATEST_TIMESTAMP = 4_102_444_800


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
        # ASCII digits only: "²".isdigit() is true, and int("²") raises.
        if not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts[1:]):
            return None
        if len(parts) == 2 and parts[0] in _NUMBERED:
            return cls(parts[0], int(parts[1]))
        if len(parts) == 3 and parts[0] == AT and int(parts[2]) <= LATEST_TIMESTAMP:
            return cls(AT, int(parts[1]), int(parts[2]))
        return None

    def encode(self) -> str:
        tail = f":{self.at}" if self.at is not None else ""
        return f"{self.action}:{self.post_id}{tail}"


def keyboard(t: Texts, post_id: int, *, rewritten: bool = False) -> InlineKeyboardMarkup:
    """Approve, Reschedule, Reject, Edit; and for a rewritten draft, its extractive version."""
    first = [
        (t.button_approve(), Callback(APPROVE, post_id).encode()),
        (t.button_reschedule(), Callback(RESCHEDULE, post_id).encode()),
        (t.button_reject(), Callback(REJECT, post_id).encode()),
    ]
    second = [(t.button_edit(), Callback(EDIT, post_id).encode())]
    if rewritten:
        second.append((t.button_extractive(), Callback(EXTRACTIVE, post_id).encode()))
    return rows(first, second)


def retry_keyboard(t: Texts, publication_id: int) -> InlineKeyboardMarkup:
    return rows([(t.button_retry(), Callback(RETRY, publication_id).encode())])


def unknown_keyboard(t: Texts, publication_id: int) -> InlineKeyboardMarkup:
    went_out = (t.button_went_out(), Callback(WENT_OUT, publication_id).encode())
    return rows([went_out, (t.button_send_again(), Callback(AGAIN, publication_id).encode())])


def slots_keyboard(t: Texts, post_id: int, slots: list[datetime]) -> InlineKeyboardMarkup:
    """The next free slots as buttons, then "post now" and back."""
    times = [
        [(t.when(slot), Callback(AT, post_id, int(slot.timestamp())).encode())] for slot in slots
    ]
    now = (t.button_now(), Callback(AT, post_id, 0).encode())
    return rows(*times, [now, (t.button_back(), Callback(BACK, post_id).encode())])


def request_text(t: Texts, config: Config, post: PostView, slot: datetime, footer: str = "") -> str:
    """The request with the post in it, or, when the two would be over Telegram's limit,
    with a pointer to the post sent on its own just before (see :func:`send_request`)."""
    assert post.id is not None
    post_id = post.id
    warning = "\n".join(filter(None, [tone_warning(t, post), rewrite_line(t, post)]))

    def build(html: str) -> str:
        return (
            t.approval_request(
                post_id=post_id,
                kind=post.kind,
                slot=slot,
                recap_id=post.recap_id,
                html=html,
                rotation=rotation_text(t, config, post),
                warning=warning,
            )
            + footer
        )

    return within_limit(build, render_telegram_html(post_rules.as_draft(post)), t.post_above())


def within_limit(build: Callable[[str], str], html: str, note: str) -> str:
    """``build(html)`` when Telegram takes it in one message, else ``build(note)``."""
    text = build(html)
    return text if fits(text) else build(note)


def rewrite_line(t: Texts, post: PostView) -> str | None:
    """Which version the draft is when rewriting is on: the model's, or the extractive one
    and why the model's was not used."""
    if not post.rewrite_note:
        return None
    try:
        note = json.loads(post.rewrite_note)
        return t.rewrite_note(str(note["template"]), str(note.get("detail", "")))
    except (ValueError, KeyError, TypeError):
        return None


def tone_warning(t: Texts, post: PostView) -> str | None:
    """The warning ("May not be good news: tai nạn, tử vong") for a negative draft."""
    if post.tone is None:  # written by hand: judged from its own text
        judged = tone.judge(post.title, post.body)
        label, reasons = judged.tone.value, judged.reasons
    else:
        label, reasons = post.tone, tuple(r for r in post.tone_reasons.split("\n") if r)
    if label != tone.Tone.NEGATIVE.value:
        return None
    return t.tone_warning(reasons)


def rotation_text(t: Texts, config: Config, post: PostView) -> str | None:
    """Why the fair rotation chose this draft's unit; None when it did not choose it."""
    if post.rotation_waiting is None:
        return None
    if post.unit is None:
        name = t.organisation()
    else:
        name = next((u.name for u in config.units if u.id == post.unit), post.unit)
    return t.rotation_line(
        name, post.rotation_last_featured, post.rotation_waiting, chosen_at=post.created_at
    )


def decision_text(t: Texts, post: PostView, who: str) -> str:
    """What every admin's copy says once the post is decided."""
    assert post.id is not None
    post_id, status, slot = post.id, post.status, post.slot
    note = t.post_above() if status is PostStatus.SCHEDULED and slot is not None else ""

    def build(html: str) -> str:
        return t.decided(post_id=post_id, status=status, who=who, slot=slot, html=html)

    return within_limit(build, render_telegram_html(post_rules.as_draft(post)), note)


async def send_request(
    bot: Bot, *, db: Gateway, config: Config, post_id: int, admin: int, t: Texts, now: datetime
) -> int:
    """Send the draft to one admin, its photos first (a post too long to share a message
    with the request goes on its own before it); the request's message id. A refusal
    raises :class:`TelegramError` (the events dispatcher decides when to try again)."""

    def read(session: Session) -> tuple[PostView, datetime]:
        post = post_rows.get_post(session, post_id=post_id)
        return PostView.of(post), decisions.proposed_slot(session, config, post=post, now=now)

    post, slot = await db.run(read)
    await show_photos(bot, db, config, chat_id=admin, post_id=post_id)
    text = request_text(t, config, post, slot)
    if text.endswith(t.post_above()):
        for part in split_lines(render_telegram_html(post_rules.as_draft(post))):
            await bot.send_message(admin, part, parse_mode=ParseMode.HTML)
    message = await bot.send_message(
        admin,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(t, post_id, rewritten=post.extractive_body is not None),
    )
    return message.message_id


async def edit_copy(
    bot: Bot, db: Gateway, config: Config, notice: PostChanged, *, admin: int, t: Texts
) -> None:
    """Bring each of one admin's copies of the request in step with the post as it now
    stands: the draft with its buttons while it waits (with the votes so far after a vote),
    else the decision without buttons. Idempotent: a copy that already reads so is left as
    it is; one the admin deleted is forgotten, and one Telegram refuses for good otherwise is
    raised once the others are edited."""
    post_id = notice.post_id

    def read(session: Session) -> tuple[PostView, datetime, list[int], str]:
        post = post_rows.get_post(session, post_id=post_id)
        slot = decisions.proposed_slot(session, config, post=post, now=datetime.now(UTC))
        copies = post_rows.approval_messages(session, post_id=post_id)
        votes = ""
        if notice.votes:
            names, uncounted = decisions.admins_votes(session, config, post_id=post_id)
            votes = "\n" + t.votes_line(names, config.settings.telegram.quorum, uncounted)
        mine = [c.message_id for c in copies if c.chat_id == admin]
        return PostView.of(post), slot, mine, votes

    post, slot, copies, votes = await db.run(read)
    if post.status is PostStatus.PENDING:
        text = request_text(t, config, post, slot, votes)
        markup = keyboard(t, post_id, rewritten=post.extractive_body is not None)
    else:
        # The CLI's changes are named in the reader's words, as someone who decided.
        who = t.admin_at_cli() if notice.who == events.CLI else notice.who
        text, markup = decision_text(t, post, who), None
    refused: list[BadRequest] = []
    deleted: list[int] = []
    for message_id in copies:
        try:
            await bot.edit_message_text(
                text,
                chat_id=admin,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except BadRequest as exc:  # an unchanged copy is done; a deleted one, forgotten
            if telegram_errors.gone(exc):
                deleted.append(message_id)  # by the admin: nothing left to bring in step
            elif not telegram_errors.unchanged(exc):
                refused.append(exc)  # after the admin's other copies: they still follow
    if deleted:
        await db.run(
            post_rows.forget_approval_messages, post_id=post_id, chat_id=admin, message_ids=deleted
        )
    if refused:
        raise refused[0]


def submitter_text(t: Texts, post: PostView, sent_on: list[tuple[str, str | None]]) -> str | None:
    """What the officer hears of the post as it now stands."""
    assert post.id is not None
    recap_id, post_id = post.recap_id or 0, post.id
    if post.status is PostStatus.PENDING:
        return t.officer_drafted(recap_id, post_id, post.kind)
    if post.status is PostStatus.SCHEDULED and post.slot is not None:
        return t.officer_approved(recap_id, post_id, post.slot)
    if post.status is PostStatus.REJECTED:
        return t.officer_rejected(recap_id, post_id)
    if post.status is PostStatus.PUBLISHED:
        return t.officer_published(recap_id, post_id, sent_on)
    return None
