"""The dashboard's decisions, through the very functions chat uses, and the same follow-up:
every admin's chat copy of the approval request is edited, the officer is told.

Kept in this one module so the calls into ``bot.actions`` and ``bot.chat`` move together
when those modules do.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from telegram import Bot
from telegram.error import TelegramError

from bot import actions
from bot.chat import approval, people
from bot.config import Config
from bot.domain.posts import PostKind, PostStatus
from bot.storage import repo
from bot.storage.db import session_scope
from bot.storage.models import Post, Recap


@dataclass(frozen=True)
class Desk:
    """What a decision needs besides the post: the database, the config, the bot to edit
    the admins' copies (None: no token, chat is not updated) and the worker's hook."""

    engine: Engine
    config: Config
    bot: Bot | None
    on_scheduled: Callable[[int, datetime], None] | None = None


@dataclass(frozen=True)
class Outcome:
    """What a web decision did: the post now, and the votes so far when short of quorum."""

    post: Post
    changed: bool
    votes: tuple[int, int] | None = None  # (cast, needed)


def roles_of(desk: Desk, user_id: int) -> set[str]:
    with session_scope(desk.engine) as session:
        return actions.roles_of(session, desk.config, user_id)


async def approve(desk: Desk, *, post_id: int, by: int, name: str, now: datetime) -> Outcome:
    """A vote, as the Approve button is: the post is scheduled once the quorum is met."""
    with session_scope(desk.engine) as session:
        votes = actions.vote_to_approve(
            session, desk.config, post_id=post_id, by=by, name=name, now=now
        )
    if votes.decision is None:
        if desk.bot is not None:
            await approval.refresh_requests(
                desk.bot,
                engine=desk.engine,
                config=desk.config,
                post_id=post_id,
                now=now,
                votes=(votes.names, votes.needed),
            )
        with session_scope(desk.engine) as session:
            post = repo.get_post(session, post_id=post_id)
        return Outcome(post, changed=True, votes=(len(votes.names), votes.needed))
    return await _decided(desk, votes.decision, who=name)


async def approve_at(
    desk: Desk, *, post_id: int, by: int, name: str, at: datetime, now: datetime
) -> Outcome:
    """Reschedule: approve for one of the free slots offered (or now)."""
    with session_scope(desk.engine) as session:
        decision = actions.approve_at(session, desk.config, post_id=post_id, by=by, at=at, now=now)
    return await _decided(desk, decision, who=name)


async def reject(
    desk: Desk, *, post_id: int, by: int, name: str, reason: str, now: datetime
) -> Outcome:
    """Reject, with the reason chat asks for afterwards given at once (relayed likewise)."""
    with session_scope(desk.engine) as session:
        decision = actions.reject(session, post_id=post_id, by=by, now=now)
        officer = None
        if decision.changed and reason.strip():
            officer = actions.reject_reason(session, post_id=post_id, by=by, reason=reason.strip())
    outcome = await _decided(desk, decision, who=name)
    if officer is not None and desk.bot is not None:
        t = people.texts_by_user(desk.engine, desk.config, [officer])[officer]
        # The decision stands if the officer cannot be reached; the reason is in the log.
        with suppress(TelegramError):
            await desk.bot.send_message(officer, t.officer_reason(post_id, reason.strip()))
    return outcome


async def edit(desk: Desk, *, post_id: int, by: int, text: str, now: datetime) -> Post:
    """New text for a pending draft; every admin's copy re-renders, buttons kept."""
    with session_scope(desk.engine) as session:
        post = actions.edit_post(session, post_id=post_id, by=by, text=text)
    if desk.bot is not None:
        await approval.refresh_requests(
            desk.bot, engine=desk.engine, config=desk.config, post_id=post_id, now=now
        )
    return post


async def _decided(desk: Desk, decision: actions.Decision, *, who: str) -> Outcome:
    post = decision.post
    assert post.id is not None
    if post.status is PostStatus.SCHEDULED and post.slot is not None and desk.on_scheduled:
        desk.on_scheduled(post.id, post.slot)
    if decision.changed and desk.bot is not None:
        await approval.update_requests(
            desk.bot, engine=desk.engine, config=desk.config, post_id=post.id, who=who
        )
        await approval.tell_submitter(
            desk.bot, engine=desk.engine, config=desk.config, post_id=post.id
        )
    return Outcome(post, decision.changed)


def free_slots(desk: Desk, *, post_id: int, now: datetime, count: int = 6) -> list[datetime]:
    with session_scope(desk.engine) as session:
        post = repo.get_post(session, post_id=post_id)
        if post.status is not PostStatus.PENDING:
            return []
        return actions.free_slots(session, desk.config, post=post, now=now, count=count)


def store_recap(desk: Desk, *, data: bytes, filename: str, by: int, unit: str | None) -> Recap:
    """An uploaded file, read and stored as ``goodnews recap add`` does."""
    with session_scope(desk.engine) as session:
        return actions.store_recap(
            session,
            data=data,
            source=filename,
            title=None,
            url=None,
            filename=filename,
            media_dir=desk.config.media_dir,
            submitted_by=by,
            unit=unit,
        )


async def draft(desk: Desk, *, recap_id: int, kind: PostKind, now: datetime) -> Post:
    """Draft from one recap and send the approval request to every admin, as `draft` does."""
    with session_scope(desk.engine) as session:
        post = actions.draft(session, desk.config, kind=kind, recap_id=recap_id, now=now)
    assert post.id is not None
    if desk.bot is not None:
        await approval.send_requests(
            desk.bot, engine=desk.engine, config=desk.config, post_id=post.id, now=now
        )
    return post
