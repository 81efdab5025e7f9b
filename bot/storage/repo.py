"""Repository functions: keyword-only, each taking the session it works in.

They read and write rows; they do not commit (the caller's ``session_scope`` does), so a
multi-step change is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.domain.errors import NotFoundError
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.storage.models import (
    ApprovalMessage,
    Post,
    Publication,
    Recap,
    RecapPhoto,
    utcnow,
)


def add_recap(
    session: Session,
    *,
    title: str,
    text: str,
    source_url: str | None,
    source_name: str | None,
    cleaned: str = "",
    format: str = "text",
    original: bytes | None = None,
) -> Recap:
    recap = Recap(
        title=title,
        text=text,
        cleaned=cleaned,
        format=format,
        original=original,
        source_url=source_url,
        source_name=source_name,
    )
    session.add(recap)
    session.flush()
    return recap


def add_recap_photo(
    session: Session,
    *,
    recap_id: int,
    position: int,
    mime: str,
    sha256: str | None,
    path: str | None,
    url: str | None,
) -> RecapPhoto:
    photo = RecapPhoto(
        recap_id=recap_id, position=position, mime=mime, sha256=sha256, path=path, url=url
    )
    session.add(photo)
    session.flush()
    return photo


def recap_photos(session: Session, *, recap_id: int) -> list[RecapPhoto]:
    query = (
        select(RecapPhoto).where(RecapPhoto.recap_id == recap_id).order_by(col(RecapPhoto.position))
    )
    return list(session.exec(query).all())


def get_recap(session: Session, *, recap_id: int) -> Recap:
    recap = session.get(Recap, recap_id)
    if recap is None:
        raise NotFoundError(f"no recap with id {recap_id}")
    return recap


def newest_unused_recap(session: Session, *, kind: PostKind) -> Recap | None:
    """The freshest recap that no post of ``kind`` was drafted from yet."""
    used = select(Post.recap_id).where(Post.kind == kind, col(Post.recap_id).is_not(None))
    query = (
        select(Recap)
        .where(col(Recap.id).not_in(used))
        .order_by(col(Recap.created_at).desc(), col(Recap.id).desc())
    )
    return session.exec(query).first()


def recap_used_for(session: Session, *, recap_id: int, kind: PostKind) -> bool:
    query = select(func.count()).where(Post.recap_id == recap_id, Post.kind == kind)
    return session.exec(query).one() > 0


def add_post(
    session: Session,
    *,
    kind: PostKind,
    title: str,
    body: str,
    link: str | None,
    hashtags: Iterable[str],
    recap_id: int | None,
) -> Post:
    post = Post(
        kind=kind, title=title, body=body, link=link, hashtags=" ".join(hashtags), recap_id=recap_id
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
        raise NotFoundError(f"no post with id {post_id}")
    return post


def list_posts(session: Session, *, statuses: Iterable[PostStatus] | None = None) -> list[Post]:
    """Posts by slot (unscheduled last), then id."""
    query = select(Post)
    if statuses is not None:
        query = query.where(col(Post.status).in_(list(statuses)))
    query = query.order_by(col(Post.slot).is_(None), col(Post.slot), col(Post.id))
    return list(session.exec(query).all())


def taken_slots(session: Session, *, kind: PostKind, exclude_post_id: int) -> list[datetime]:
    """Slots already held by other posts of ``kind`` (scheduled or gone out)."""
    query = select(Post.slot).where(
        Post.kind == kind,
        Post.id != exclude_post_id,
        col(Post.slot).is_not(None),
        col(Post.status).in_([PostStatus.SCHEDULED, PostStatus.PUBLISHING, PostStatus.PUBLISHED]),
    )
    return [slot for slot in session.exec(query).all() if slot is not None]


def due_post_ids(session: Session, *, at: datetime) -> list[int]:
    query = (
        select(Post.id)
        .where(Post.status == PostStatus.SCHEDULED, col(Post.slot) <= at)
        .order_by(col(Post.slot), col(Post.id))
    )
    return [post_id for post_id in session.exec(query).all() if post_id is not None]


def scheduled_slots(session: Session) -> list[tuple[int, datetime]]:
    """(post id, slot) of every scheduled post: what the scheduler must have jobs for."""
    query = select(Post.id, Post.slot).where(Post.status == PostStatus.SCHEDULED)
    return [(pid, slot) for pid, slot in session.exec(query).all() if pid and slot]


def claim_post(session: Session, *, post_id: int) -> bool:
    """Atomically move a scheduled post to publishing. False: someone else has it."""
    result = session.exec(
        update(Post)
        .where(col(Post.id) == post_id, col(Post.status) == PostStatus.SCHEDULED)
        .values(status=PostStatus.PUBLISHING, updated_at=utcnow())
    )
    return bool(result.rowcount == 1)


def set_post_status(session: Session, *, post: Post, status: PostStatus) -> None:
    post.status = status
    post.updated_at = utcnow()
    session.add(post)
    session.flush()


def publications(session: Session, *, post_id: int) -> list[Publication]:
    query = select(Publication).where(Publication.post_id == post_id).order_by(col(Publication.id))
    return list(session.exec(query).all())


def publications_by_post(session: Session, *, post_ids: list[int]) -> dict[int, list[Publication]]:
    result: dict[int, list[Publication]] = {pid: [] for pid in post_ids}
    if post_ids:
        query = (
            select(Publication)
            .where(col(Publication.post_id).in_(post_ids))
            .order_by(col(Publication.id))
        )
        for publication in session.exec(query).all():
            result[publication.post_id].append(publication)
    return result


def claim_publication(session: Session, *, post_id: int, channel: str) -> Publication | None:
    """The row for (post, channel), created as claimed; None when it already has an outcome.

    The unique (post, channel) key makes a second writer fail instead of sending twice.
    """
    query = select(Publication).where(
        Publication.post_id == post_id, Publication.channel == channel
    )
    existing = session.exec(query).first()
    if existing is not None:
        return None
    publication = Publication(post_id=post_id, channel=channel)
    session.add(publication)
    session.flush()
    return publication


def finish_publication(
    session: Session,
    *,
    publication_id: int,
    status: PublicationStatus,
    external_id: str | None = None,
    error: str | None = None,
) -> Publication:
    publication = session.get(Publication, publication_id)
    if publication is None:
        raise NotFoundError(f"no publication with id {publication_id}")
    publication.status = status
    publication.external_id = external_id
    publication.error = error
    publication.finished_at = utcnow()
    session.add(publication)
    session.flush()
    return publication


def add_approval_message(session: Session, *, post_id: int, chat_id: int, message_id: int) -> None:
    session.add(ApprovalMessage(post_id=post_id, chat_id=chat_id, message_id=message_id))
    session.flush()


def approval_messages(session: Session, *, post_id: int) -> list[ApprovalMessage]:
    query = (
        select(ApprovalMessage)
        .where(ApprovalMessage.post_id == post_id)
        .order_by(col(ApprovalMessage.id))
    )
    return list(session.exec(query).all())
