"""The dashboard's decisions, through the very functions chat uses, and the same follow-up:
what the decision recorded (every admin's chat copy of the approval request brought in step,
the officer's notice) is delivered from the events outbox by chat's one dispatcher.

Kept in this one module so the calls into ``bot.services`` and ``bot.chat`` stay together.
The async decisions reach the database through the gateway, as chat does: one transaction
each, in the database's thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot

from bot.chat import alerts
from bot.config import Config
from bot.domain.posts import PostKind, PostStatus
from bot.platforms.publishers import open_publishers
from bot.services import changes, corrections, decisions, drafter, intake, queries
from bot.services.views import PostView, RecapView
from bot.storage.gateway import Engine, Gateway, gateway_for


@dataclass(frozen=True)
class Desk:
    """What a decision needs besides the post: the database, the config, the bot to deliver
    what it recorded (None: no token, the worker's dispatcher delivers it) and the worker's
    hook."""

    engine: Engine
    config: Config
    bot: Bot | None
    on_scheduled: Callable[[int, datetime], None] | None = None

    @property
    def db(self) -> Gateway:
        return gateway_for(self.engine)


@dataclass(frozen=True)
class Outcome:
    """What a web decision did: the post now, and the votes so far when short of quorum."""

    post: PostView
    changed: bool
    votes: tuple[int, int] | None = None  # (cast, needed)


async def approve(desk: Desk, *, post_id: int, by: int, name: str, now: datetime) -> Outcome:
    """A vote, as the Approve button is: the post is scheduled once the quorum is met."""
    votes = await desk.db.run(
        decisions.vote_to_approve, desk.config, post_id=post_id, by=by, name=name, now=now
    )
    if votes.decision is None:
        await _deliver(desk)  # the votes so far, on every admin's copy
        post = await desk.db.run(queries.post, post_id=post_id)
        return Outcome(post, changed=True, votes=(len(votes.names), votes.needed))
    return await _decided(desk, votes.decision)


async def approve_at(
    desk: Desk, *, post_id: int, by: int, name: str, at: datetime, now: datetime
) -> Outcome:
    """Reschedule: approve for one of the free slots offered (or now)."""
    decision = await desk.db.run(
        decisions.approve_at, desk.config, post_id=post_id, by=by, at=at, now=now, who=name
    )
    return await _decided(desk, decision)


async def reject(
    desk: Desk, *, post_id: int, by: int, name: str, reason: str, now: datetime
) -> Outcome:
    """Reject, with the reason chat asks for afterwards given at once (relayed likewise)."""
    decision = await desk.db.run(
        decisions.reject_with_reason, post_id=post_id, by=by, reason=reason, now=now, who=name
    )
    return await _decided(desk, decision)  # the reason, recorded with it, told


async def edit(desk: Desk, *, post_id: int, by: int, text: str) -> PostView:
    """New text for a pending draft; every admin's copy re-renders, buttons kept."""

    post = await desk.db.run(decisions.edit_post, post_id=post_id, by=by, text=text)
    await _deliver(desk)
    return post


async def cancel(desk: Desk, *, post_id: int, by: int, now: datetime) -> Outcome:
    """Withdraw a pending or scheduled post, as ``goodnews post cancel`` does."""
    decision = await desk.db.run(changes.cancel, post_id=post_id, by=by, now=now)
    return await _decided(desk, decision)


async def retract(
    desk: Desk, *, post_id: int, by: int, reason: str
) -> tuple[corrections.ChannelOutcome, ...]:
    """Take a published post down from every channel, as ``goodnews post retract`` does;
    each channel's outcome (a refusal is also kept on its publication)."""
    async with open_publishers(desk.config, bot=desk.bot) as publishers:
        outcome = await corrections.retract(
            desk.db, desk.config, publishers, post_id=post_id, reason=reason or None, by=by
        )
    await _deliver(desk)
    return outcome.channels


async def _decided(desk: Desk, decision: decisions.Decision) -> Outcome:
    post = decision.post
    if post.status is PostStatus.SCHEDULED and post.slot is not None and desk.on_scheduled:
        desk.on_scheduled(post.id, post.slot)
    if decision.changed:
        await _deliver(desk)
    return Outcome(post, decision.changed)


async def _deliver(desk: Desk) -> None:
    """What the change recorded (the admins' chat copies brought in step, the officer's
    notice, a rejection's reason), delivered now from the events outbox (without a bot, the
    worker's dispatcher delivers it)."""
    if desk.bot is not None:
        await alerts.dispatch(desk.bot, db=desk.db, config=desk.config)


async def store_recap(
    desk: Desk, *, data: bytes, filename: str, by: int, unit: str | None
) -> RecapView:
    """An uploaded file, read and stored as ``goodnews recap add`` does."""
    return await desk.db.run(
        intake.store_recap,
        data=data,
        source=filename,
        title=None,
        url=None,
        filename=filename,
        media_dir=desk.config.media_dir,
        submitted_by=by,
        unit=unit,
    )


async def draft(desk: Desk, *, recap_id: int, kind: PostKind, now: datetime) -> PostView:
    """Draft from one recap and send the approval request to every admin, as `draft` does."""
    post = await desk.db.run(  # its approval request recorded with it
        drafter.draft, desk.config, kind=kind, recap_id=recap_id, now=now
    )
    await _deliver(desk)
    return post
