"""A person changes their mind before a post goes out: cancel it (its slots freed, nothing
published) or rewrite it (text, photos), audited; the admins' chat copies follow (from the
events outbox, recorded with the change)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot import ingest
from bot.config import Config
from bot.domain.errors import N_, InvalidStateError
from bot.domain.posts import CHANGEABLE, IN_FLIGHT, PostStatus, PublicationStatus
from bot.services import events
from bot.services.decisions import Decision, withdraw
from bot.services.post_rules import refused, rewrite, store_photos
from bot.services.views import PostView
from bot.storage import post_rows, publication_rows
from bot.storage.models import Post


def _changeable(session: Session, post_id: int, template: str) -> Post:
    """The post, locked, if it has not begun to go out; else a clear refusal."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status not in CHANGEABLE:
        raise refused(post, template)
    started = [
        p
        for p in publication_rows.publications(session, post_id=post_id)
        if p.status in IN_FLIGHT or p.status is PublicationStatus.SENT
    ]
    if started:
        raise InvalidStateError(
            N_("post {post_id} is going out on {channel} right now; try again in a minute"),
            post_id=post_id,
            channel=started[0].channel,
        )
    return post


def cancel(session: Session, *, post_id: int, by: int | None, now: datetime) -> Decision:
    """Withdraw a pending or scheduled post: status cancelled, its slots freed, nothing
    published. Cancelling twice is harmless."""
    post = post_rows.get_post(session, post_id=post_id, for_update=True)
    if post.status is PostStatus.CANCELLED:
        return Decision(PostView.of(post), changed=False)
    post = _changeable(session, post_id, N_("post {post_id} is {status}; it cannot be cancelled"))
    return withdraw(session, post, PostStatus.CANCELLED, "cancel", by=by, now=now)


def edit(
    session: Session,
    config: Config,
    *,
    post_id: int,
    by: int | None,
    text: str,
    photos: Sequence[ingest.Image] | None,
    now: datetime,
    who: str = events.CLI,
) -> PostView:
    """Rewrite a pending or scheduled post: first line the title, the rest the body;
    ``photos`` (checked by :func:`bot.ingest.read_photo`) replace its photos, None keeps
    them. A scheduled post keeps its slots and goes out as it now reads (its copies show it
    approved by ``who``)."""
    post = _changeable(session, post_id, N_("post {post_id} is {status}; it cannot be edited"))
    if photos is not None:
        post_rows.drop_post_photos(session, post_id=post_id)
    rewrite(
        session,
        post,
        text=text,
        by=by,
        now=now,
        malformed=N_("the post needs its title on the first line and its text below"),
        detail=f"photos={len(photos)}" if photos is not None else None,
    )
    if photos is not None:  # the files are written once the text is known to fit
        store_photos(session, config, post_id=post_id, photos=photos)
    events.copies_follow(session, post_id=post_id, who=who)
    return PostView.of(post)
