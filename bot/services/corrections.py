"""After a post went out: correct it on every channel where it went out, or take it down.

Each channel answers for itself; its outcome is said and recorded (the audit log, and the
publication's ``error`` while a channel still holds the previous text or the post), so a
post is never left half-edited without saying which channel holds what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.errors import N_, InvalidStateError, PublishError
from bot.domain.posts import WENT_OUT, PostStatus, PublicationStatus
from bot.platforms.base import OutgoingPost, Sent
from bot.platforms.publishers import Publishers
from bot.platforms.registry import publication_url
from bot.services import events
from bot.services.post_detail import outgoing
from bot.services.post_rules import refused, rewrite
from bot.services.views import PostView
from bot.storage import audit_rows, post_rows, publication_rows
from bot.storage.gateway import Gateway
from bot.storage.models import Post


@dataclass(frozen=True)
class ChannelOutcome:
    """What one channel did: ``done``, or refused with the platform's ``reason``."""

    channel: str
    done: bool
    reason: str | None
    url: str | None


@dataclass(frozen=True)
class Outcome:
    post: PostView
    channels: tuple[ChannelOutcome, ...]

    @property
    def complete(self) -> bool:
        return all(c.done for c in self.channels)


@dataclass(frozen=True)
class _Target:
    publication_id: int
    channel: str
    external_id: str
    #: Every message it became, when several (empty: ``external_id`` alone, or published
    #: before they were kept).
    parts: tuple[str, ...]


def _went_out(session: Session, post_id: int, template: str) -> tuple[Post, list[_Target]]:
    """The post, locked, and where it is out now; a clear refusal if nowhere."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status not in WENT_OUT:
        raise refused(post, template)
    targets = [
        _Target(
            p.id, p.channel, p.external_id, tuple(filter(None, (p.message_ids or "").split(",")))
        )
        for p in publication_rows.publications(session, post_id=post_id)
        if p.status is PublicationStatus.SENT and p.id is not None and p.external_id
    ]
    if not targets:
        raise InvalidStateError(N_("post {post_id} is out on no channel"), post_id=post_id)
    return post, targets


def _prepare_correction(
    session: Session, config: Config, *, post_id: int, text: str, by: int | None
) -> tuple[OutgoingPost, OutgoingPost, list[_Target]]:
    refusal = N_("post {post_id} is {status}; it cannot be corrected")
    post, targets = _went_out(session, post_id, refusal)
    before = outgoing(session, config, post)
    malformed = N_("the post needs its title on the first line and its text below")
    rewrite(session, post, text=text, by=by, malformed=malformed, detail="after publication")
    events.copies_follow(session, post_id=post_id)  # the admins' copies read it too
    return before, outgoing(session, config, post), targets


def _prepare_retraction(
    session: Session, config: Config, *, post_id: int
) -> tuple[OutgoingPost, list[_Target]]:
    post, targets = _went_out(
        session, post_id, N_("post {post_id} is {status}; nothing to take down")
    )
    return outgoing(session, config, post), targets


async def correct(
    db: Gateway,
    config: Config,
    publishers: Publishers,
    *,
    post_id: int,
    text: str,
    by: int | None,
) -> Outcome:
    """The post reads ``text`` from now on, here and on every channel where it went out."""
    before, after, targets = await db.run(
        _prepare_correction, config, post_id=post_id, text=text, by=by
    )
    outcomes = []
    for target in targets:
        sent = Sent(config.channel(target.channel), target.external_id, target.parts)
        try:
            await publishers.for_channel(sent.channel).correct(before, after, sent)
            outcomes.append(_outcome(config, target, None))
        except PublishError as exc:
            outcomes.append(_outcome(config, target, str(exc)))
    return await db.run(_record, post_id=post_id, outcomes=outcomes, by=by, retract=False)


async def retract(
    db: Gateway,
    config: Config,
    publishers: Publishers,
    *,
    post_id: int,
    reason: str | None,
    by: int | None,
) -> Outcome:
    """Take the post down from every channel where it is out; ``retracted`` once it is out
    nowhere. ``reason`` is recorded."""
    post, targets = await db.run(_prepare_retraction, config, post_id=post_id)
    outcomes = []
    for target in targets:
        sent = Sent(config.channel(target.channel), target.external_id, target.parts)
        try:
            await publishers.for_channel(sent.channel).retract(post, sent)
            outcomes.append(_outcome(config, target, None))
        except PublishError as exc:
            outcomes.append(_outcome(config, target, str(exc)))
    return await db.run(
        _record, post_id=post_id, outcomes=outcomes, by=by, retract=True, reason=reason
    )


def _outcome(config: Config, target: _Target, refusal: str | None) -> _Done:
    url = publication_url(config, target.channel, target.external_id)
    return _Done(target, ChannelOutcome(target.channel, refusal is None, refusal, url))


@dataclass(frozen=True)
class _Done:
    target: _Target
    outcome: ChannelOutcome


def _record(
    session: Session,
    *,
    post_id: int,
    outcomes: list[_Done],
    by: int | None,
    retract: bool,
    reason: str | None = None,
) -> Outcome:
    """Each channel's outcome in the audit log and on its publication; a post taken down
    from every channel is ``retracted``."""
    action = "retract" if retract else "correct"
    for done in outcomes:
        publication = publication_rows.get_publication(
            session, publication_id=done.target.publication_id
        )
        if done.outcome.done:
            publication.error = None
            if retract:
                publication.status = PublicationStatus.RETRACTED
        else:
            still = "is still out" if retract else "still reads the previous text"
            publication.error = f"not {action}ed: {done.outcome.reason}; it {still}"[:2000]
        session.add(publication)
        audit_rows.audit(
            session,
            actor=by,
            action=action,
            post_id=post_id,
            after=done.outcome.channel + (" done" if done.outcome.done else " refused"),
            detail="; ".join(x for x in (done.outcome.reason, reason) if x) or None,
        )
    post = post_rows.get_post(session, post_id=post_id)
    pubs = publication_rows.publications(session, post_id=post_id)
    if retract and not any(p.status is PublicationStatus.SENT for p in pubs):
        post.status, post.updated_at = PostStatus.RETRACTED, datetime.now(UTC)
        session.add(post)
    if retract:  # the admins' copies show what is out now
        events.copies_follow(session, post_id=post_id)
    session.flush()
    return Outcome(PostView.of(post), tuple(d.outcome for d in outcomes))
