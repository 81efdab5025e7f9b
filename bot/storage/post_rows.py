"""Post rows: drafts and queued posts, their photos, votes and the admins' copies.

Keyword-only functions, each taking the session it works in; they do not commit (the
caller's ``session_scope`` does), so a multi-step change is all-or-nothing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from bot.domain.errors import N_, InvalidStateError, NotFoundError
from bot.domain.posts import (
    SETTLED_BY_PERSON,
    PostKind,
    PostStatus,
    PublicationStatus,
    post_status_after,
)
from bot.storage.audit_rows import audit
from bot.storage.models import ApprovalMessage, Post, PostPhoto, Publication, Vote, utcnow
from bot.storage.publication_rows import publications


def add_post_photo(
    session: Session, *, post_id: int, position: int, mime: str, sha256: str, path: str
) -> PostPhoto:
    photo = PostPhoto(post_id=post_id, position=position, mime=mime, sha256=sha256, path=path)
    session.add(photo)
    session.flush()
    return photo


def drop_post_photos(session: Session, *, post_id: int) -> None:
    """Forget a post's photos (their files stay: other posts may share them by content)."""
    for photo in post_photos(session, post_id=post_id):
        session.delete(photo)
    session.flush()


def post_photos(session: Session, *, post_id: int) -> list[PostPhoto]:
    """A post's photos in the order they are published."""
    query = select(PostPhoto).where(PostPhoto.post_id == post_id).order_by(col(PostPhoto.position))
    return list(session.exec(query).all())


def add_post(
    session: Session,
    *,
    kind: PostKind,
    title: str,
    body: str,
    link: str | None,
    hashtags: Iterable[str],
    recap_id: int | None,
    unit: str | None = None,
    audience: str | None = None,
) -> Post:
    post = Post(
        kind=kind,
        title=title,
        body=body,
        link=link,
        hashtags=" ".join(hashtags),
        recap_id=recap_id,
        unit=unit,
        audience=audience,
    )
    session.add(post)
    session.flush()
    return post


def get_post(session: Session, *, post_id: int, for_update: bool = False) -> Post:
    query = select(Post).where(Post.id == post_id)
    if for_update:
        query = query.with_for_update()  # PostgreSQL; SQLite already holds the write lock
    post = session.exec(query).first()
    if post is None:
        raise NotFoundError(N_("no post with id {post_id}"), post_id=post_id)
    return post


def list_posts(session: Session, *, statuses: Iterable[PostStatus] | None = None) -> list[Post]:
    """Posts by slot (unscheduled last), then id."""
    query = select(Post)
    if statuses is not None:
        query = query.where(col(Post.status).in_(list(statuses)))
    query = query.order_by(col(Post.slot).is_(None), col(Post.slot), col(Post.id))
    return list(session.exec(query).all())


def refresh_post(session: Session, *, post_id: int) -> Post:
    """Derive the post's status and first slot from its publications."""
    post = get_post(session, post_id=post_id)
    pubs = publications(session, post_id=post_id)
    if post.status in SETTLED_BY_PERSON or not pubs:
        return post
    live = [p for p in pubs if p.status is not PublicationStatus.CANCELLED]
    post.status = post_status_after([p.status for p in live])
    dues = [p.due_at for p in live if p.due_at is not None]
    post.slot = min(dues) if dues else post.slot
    post.updated_at = utcnow()
    session.add(post)
    session.flush()
    return post


def has_reserve(session: Session) -> bool:
    query = select(Post.id).where(col(Post.reserve).is_(True), Post.status == PostStatus.SCHEDULED)
    return session.exec(query.limit(1)).first() is not None


def oldest_reserve(session: Session, *, kind: PostKind, channel: str) -> Post | None:
    """The oldest reserve post of ``kind`` meant for ``channel`` and not yet sent there."""
    used = select(Publication.post_id).where(Publication.channel == channel)
    query = (
        select(Post)
        .where(
            col(Post.reserve).is_(True),
            Post.kind == kind,
            Post.status == PostStatus.SCHEDULED,
            col(Post.id).not_in(used),
        )
        .order_by(col(Post.created_at), col(Post.id))
    )
    for post in session.exec(query).all():
        if post.channels is None or channel in post.channels.split():
            return post
    return None


def pending_posts(session: Session, *, kind: PostKind | None = None) -> list[Post]:
    """Drafts waiting for a decision (of ``kind``; None: any), oldest first."""
    query = select(Post).where(Post.status == PostStatus.PENDING)
    if kind is not None:
        query = query.where(Post.kind == kind)
    return list(session.exec(query.order_by(col(Post.id))).all())


def latest_published(
    session: Session, *, kind: PostKind, units: Iterable[str] | None = None
) -> Post | None:
    """The latest published post of ``kind``; of the organisation or ``units`` if given."""
    query = (
        select(Post)
        .where(Post.kind == kind, Post.status == PostStatus.PUBLISHED)
        .order_by(col(Post.slot).desc(), col(Post.id).desc())
    )
    if units is not None:
        query = query.where(or_(col(Post.unit).is_(None), col(Post.unit).in_(list(units))))
    return session.exec(query.limit(1)).first()


def add_vote(session: Session, *, post_id: int, user_id: int, name: str) -> bool:
    """Record an approval vote; False when this admin had already voted (it counts once)."""
    if session.get(Vote, (post_id, user_id)) is not None:
        return False
    session.add(Vote(post_id=post_id, user_id=user_id, name=name))
    session.flush()
    return True


def votes(session: Session, *, post_id: int) -> list[Vote]:
    query = select(Vote).where(Vote.post_id == post_id).order_by(col(Vote.at))
    return list(session.exec(query).all())


def count_published(session: Session, *, since: datetime) -> int:
    query = select(func.count()).where(Post.status == PostStatus.PUBLISHED, col(Post.slot) >= since)
    return int(session.exec(query).one())


def add_approval_message(session: Session, *, post_id: int, chat_id: int, message_id: int) -> None:
    """Remember an admin's copy of a request, beside the copies they already hold: each
    one must follow the post (an older copy forgotten would keep live buttons). The same
    message twice is one copy."""
    query = select(ApprovalMessage).where(
        ApprovalMessage.post_id == post_id,
        ApprovalMessage.chat_id == chat_id,
        ApprovalMessage.message_id == message_id,
    )
    if session.exec(query).first() is not None:
        return
    session.add(ApprovalMessage(post_id=post_id, chat_id=chat_id, message_id=message_id))
    session.flush()


def forget_approval_messages(
    session: Session, *, post_id: int, chat_id: int, message_ids: list[int]
) -> None:
    """Copies an admin deleted: there is nothing left to bring in step."""
    query = delete(ApprovalMessage).where(
        col(ApprovalMessage.post_id) == post_id,
        col(ApprovalMessage.chat_id) == chat_id,
        col(ApprovalMessage.message_id).in_(message_ids),
    )
    session.execute(query)


def approval_messages(session: Session, *, post_id: int) -> list[ApprovalMessage]:
    """Every copy of the post's request the admins hold (maybe several each), oldest first."""
    query = (
        select(ApprovalMessage)
        .where(ApprovalMessage.post_id == post_id)
        .order_by(col(ApprovalMessage.id))
    )
    return list(session.exec(query).all())


def use_extractive(session: Session, *, post_id: int, by: int | None) -> Post:
    """A pending draft takes back its extractive body instead of the model's rewrite."""
    post = get_post(session, post_id=post_id, for_update=True)
    if post.status is not PostStatus.PENDING or post.extractive_body is None:
        raise InvalidStateError(
            N_("post {post_id} has no rewrite to undo ({status})"),
            post_id=post_id,
            status=post.status.value,
        )
    post.body, post.extractive_body = post.extractive_body, None
    post.rewrite_note = json.dumps(
        {"template": N_("📄 Extractive draft, chosen by an admin"), "detail": ""}
    )
    session.add(post)
    session.flush()
    audit(session, actor=by, action="extractive", post_id=post_id, before="", after="")
    return post
