"""Publication rows: one post on one channel, from its slot to its outcome.

Keyword-only functions, each taking the session it works in; they do not commit (the
caller's ``session_scope`` does), so a multi-step change is all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, String, func, or_, type_coerce, update
from sqlalchemy import select as plain_select
from sqlmodel import Session, col, select

from bot.domain import duplicates
from bot.domain.errors import N_, NotFoundError
from bot.domain.posts import HOLDS_SLOT, PostKind, PublicationStatus
from bot.storage.models import Post, Publication, Recap, utcnow


def _holding_slot(channel: str, kind: PostKind) -> list[Any]:
    """The conditions of a publication of ``kind`` on ``channel`` that holds its cadence slot
    (scheduled or gone out; pinned posts hold none)."""
    return [
        Publication.channel == channel,
        Publication.kind == kind,
        col(Publication.pinned).is_(False),
        col(Publication.status).in_(list(HOLDS_SLOT)),
    ]


def taken_slots(
    session: Session, *, channel: str, kind: PostKind, exclude_post_id: int
) -> list[datetime]:
    """Slots of ``kind`` on ``channel`` held by other posts (scheduled or gone out)."""
    query = select(Publication.due_at).where(
        *_holding_slot(channel, kind),
        Publication.post_id != exclude_post_id,
        col(Publication.due_at).is_not(None),
    )
    return [due for due in session.exec(query).all() if due is not None]


def schedule_publication(
    session: Session, *, post_id: int, channel: str, kind: PostKind, due_at: datetime, pinned: bool
) -> Publication:
    """The post's publication on ``channel`` at ``due_at``; a cancelled one is reused."""
    query = select(Publication).where(
        Publication.post_id == post_id, Publication.channel == channel
    )
    publication = session.exec(query).first() or Publication(
        post_id=post_id, channel=channel, kind=kind
    )
    publication.kind, publication.due_at, publication.pinned = kind, due_at, pinned
    publication.status = PublicationStatus.SCHEDULED
    publication.claimed_by = publication.lease_until = publication.error = None
    session.add(publication)
    session.flush()
    return publication


def cancel_publications(session: Session, *, post_id: int) -> int:
    """Scheduled publications of the post become cancelled, freeing their slots."""
    result = session.exec(
        update(Publication)
        .where(
            col(Publication.post_id) == post_id,
            col(Publication.status) == PublicationStatus.SCHEDULED,
        )
        .values(status=PublicationStatus.CANCELLED)
    )
    return int(result.rowcount)


def publications(session: Session, *, post_id: int) -> list[Publication]:
    query = select(Publication).where(Publication.post_id == post_id)
    return list(session.exec(query.order_by(col(Publication.id))).all())


def claim_due(
    session: Session,
    *,
    worker: str,
    due_by: datetime,
    now: datetime,
    lease_until: datetime,
    limit: int,
    skip_channels: Iterable[str] = (),
) -> list[Publication]:
    """Atomically take up to ``limit`` scheduled publications due by ``due_by``.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent workers take disjoint sets without
    waiting on each other. SQLite ignores that clause; there the transaction began with
    ``BEGIN IMMEDIATE`` and already holds the database's write lock.
    """
    query = (
        select(Publication)
        .where(
            Publication.status == PublicationStatus.SCHEDULED,
            col(Publication.due_at) <= due_by,
            or_(col(Publication.retry_at).is_(None), col(Publication.retry_at) <= now),
            col(Publication.channel).not_in(list(skip_channels)),
        )
        .order_by(col(Publication.due_at), col(Publication.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = list(session.exec(query).all())
    for publication in claimed:
        publication.status = PublicationStatus.CLAIMED
        publication.claimed_by, publication.claimed_at = worker, now
        publication.lease_until = lease_until
        session.add(publication)
    session.flush()
    return claimed


def retry_later(session: Session, *, publication_id: int, retry_at: datetime, error: str) -> None:
    """Back to scheduled after a retryable failure, not to be claimed before ``retry_at``."""
    publication = get_publication(session, publication_id=publication_id)
    publication.status, publication.retry_at = PublicationStatus.SCHEDULED, retry_at
    publication.claimed_by = publication.lease_until = None
    publication.error = error
    session.add(publication)
    session.flush()


def mark_sending(session: Session, *, publication_id: int, worker: str) -> bool:
    """Claimed → sending, just before the network call; False if the claim was lost."""
    result = session.exec(
        update(Publication)
        .where(
            col(Publication.id) == publication_id,
            col(Publication.status) == PublicationStatus.CLAIMED,
            col(Publication.claimed_by) == worker,
        )
        .values(status=PublicationStatus.SENDING, attempts=col(Publication.attempts) + 1)
    )
    return bool(result.rowcount == 1)


def recover_expired(session: Session, *, now: datetime) -> tuple[int, list[Publication]]:
    """Claims whose lease ran out: unsent ones go back to scheduled; sending ones are unknown.

    Returns how many were rescheduled and the publications that became unknown.
    """
    expired = col(Publication.lease_until) < now
    requeued = session.exec(
        update(Publication)
        .where(col(Publication.status) == PublicationStatus.CLAIMED, expired)
        .values(status=PublicationStatus.SCHEDULED, claimed_by=None, lease_until=None)
    ).rowcount
    query = select(Publication).where(Publication.status == PublicationStatus.SENDING, expired)
    unknown = list(session.exec(query.with_for_update(skip_locked=True)).all())
    for publication in unknown:
        publication.status = PublicationStatus.UNKNOWN
        publication.error = (
            f"outcome unknown: worker {publication.claimed_by} stopped while sending; "
            "check the channel before sending again"
        )
        publication.finished_at = now
        session.add(publication)
    session.flush()
    return int(requeued), unknown


def missed(session: Session, *, before: datetime) -> list[Publication]:
    """Scheduled publications whose time passed before ``before`` (worker was down)."""
    query = (
        select(Publication)
        .where(Publication.status == PublicationStatus.SCHEDULED, col(Publication.due_at) < before)
        .order_by(col(Publication.due_at), col(Publication.id))
    )
    return list(session.exec(query).all())


def upcoming_due_times(session: Session, *, after: datetime, limit: int = 500) -> list[datetime]:
    """Distinct future instants with something to send (slots and retries): what the
    scheduler needs jobs for."""
    found: set[datetime | None] = set()
    for instant in (col(Publication.due_at), col(Publication.retry_at)):
        query = (
            select(instant)
            .where(Publication.status == PublicationStatus.SCHEDULED, instant > after)
            .distinct()
            .order_by(instant)
            .limit(limit)
        )
        found.update(session.exec(query).all())
    return sorted(t for t in found if t is not None)[:limit]


def finish_publication(
    session: Session,
    *,
    publication_id: int,
    status: PublicationStatus,
    external_id: str | None = None,
    error: str | None = None,
    parts: tuple[str, ...] = (),
) -> Publication:
    """The publication's outcome; ``parts``: every message it became, when several."""
    publication = get_publication(session, publication_id=publication_id)
    publication.status = status
    publication.external_id = external_id
    publication.message_ids = ",".join(parts) or None
    publication.error = error
    publication.finished_at = utcnow()
    publication.lease_until = None
    session.add(publication)
    session.flush()
    return publication


def next_in_line(
    session: Session, *, post_id: int, kind: PostKind, channels: list[str]
) -> int | None:
    """The post whose slot comes right after this post's on any of ``channels``."""
    mine = select(func.min(Publication.due_at)).where(
        Publication.post_id == post_id, Publication.status == PublicationStatus.SCHEDULED
    )
    query = (
        select(Publication.post_id)
        .where(
            Publication.kind == kind,
            Publication.status == PublicationStatus.SCHEDULED,
            col(Publication.pinned).is_(False),
            col(Publication.channel).in_(channels),
            Publication.post_id != post_id,
            col(Publication.due_at) > mine.scalar_subquery(),
        )
        .order_by(col(Publication.due_at), col(Publication.id))
        .limit(1)
    )
    return session.exec(query).first()


def slot_is_held(session: Session, *, channel: str, kind: PostKind, at: datetime) -> bool:
    """Whether a post holds the cadence slot ``at`` (pinned posts hold none)."""
    query = select(Publication.id).where(*_holding_slot(channel, kind), Publication.due_at == at)
    return session.exec(query.limit(1)).first() is not None


#: (channel, kind, due_at, the publication's status, post id, title, the post's status, its
#: recap's tone)
CalendarRow = Row[str, str, datetime | None, str, int | None, str, str, str | None]


def calendar_rows(
    session: Session, *, start: datetime, end: datetime, channels: Sequence[str] | None
) -> Sequence[CalendarRow]:
    """Every publication due in [start, end) but cancelled ones, on ``channels`` (None: all).
    Plain rows of strings, not ORM objects nor enum members: a month of 42 channels is over
    a thousand of them, and the calendar renders in well under 50 ms."""
    query = (
        plain_select(
            col(Publication.channel),
            type_coerce(Publication.kind, String).label("kind_text"),
            col(Publication.due_at),
            type_coerce(Publication.status, String).label("published_text"),
            col(Post.id),
            col(Post.title),
            type_coerce(Post.status, String).label("status_text"),
            col(Recap.tone),
        )
        .join(Post, col(Post.id) == col(Publication.post_id))
        .outerjoin(Recap, col(Recap.id) == col(Post.recap_id))
        .where(
            col(Publication.due_at) >= start,
            col(Publication.due_at) < end,
            col(Publication.status) != PublicationStatus.CANCELLED,
        )
    )
    if channels is not None:  # someone who sees some channels only
        query = query.where(col(Publication.channel).in_(list(channels)))
    return session.connection().execute(query).all()


def sent_times(session: Session, *, channel: str, kind: PostKind, since: datetime) -> set[datetime]:
    """The slots of ``kind`` on ``channel`` since ``since`` that a sent publication filled."""
    query = select(Publication.due_at).where(
        Publication.channel == channel,
        Publication.kind == kind,
        Publication.status == PublicationStatus.SENT,
        col(Publication.due_at) >= since,
    )
    return {due for due in session.exec(query).all() if due is not None}


def outcomes_between(
    session: Session, *, since: datetime, until: datetime
) -> list[tuple[str | None, Publication]]:
    """Publications that reached an end (sent, failed, unknown) with their slot in
    [since, until), each with its post's unit: what the compliance report counts."""
    query = (
        select(Post.unit, Publication)
        .join(Post, col(Post.id) == col(Publication.post_id))
        .where(
            col(Publication.status).in_(
                [PublicationStatus.SENT, PublicationStatus.FAILED, PublicationStatus.UNKNOWN]
            ),
            col(Publication.due_at) >= since,
            col(Publication.due_at) < until,
        )
        .order_by(col(Publication.due_at), col(Publication.id))
    )
    return [(unit, publication) for unit, publication in session.exec(query).all()]


def last_sent_per_unit(
    session: Session, *, channels: Iterable[str], until: datetime
) -> dict[str | None, datetime]:
    """Each unit's latest slot sent on ``channels`` before ``until`` (key None: the
    organisation's own news): when the rotation last featured it there."""
    query = (
        select(Post.unit, func.max(Publication.due_at))
        .join(Post, col(Post.id) == col(Publication.post_id))
        .where(
            Publication.status == PublicationStatus.SENT,
            col(Publication.channel).in_(list(channels)),
            col(Publication.due_at) < until,
        )
        .group_by(col(Post.unit))
    )
    return {unit: at for unit, at in session.exec(query).all() if at is not None}


def unclaim(session: Session, *, publication_id: int, error: str | None = None) -> None:
    """A claimed (or sending, when the call surely did not reach the platform) publication
    back to scheduled, as if never taken; its attempt is not counted."""
    publication = get_publication(session, publication_id=publication_id)
    if publication.status in (PublicationStatus.SENDING, PublicationStatus.CLAIMED):
        if publication.status is PublicationStatus.SENDING:
            publication.attempts = max(0, publication.attempts - 1)
        publication.status = PublicationStatus.SCHEDULED
        publication.claimed_by = publication.lease_until = None
        publication.error = error
        session.add(publication)
        session.flush()


def get_publication(
    session: Session, *, publication_id: int, for_update: bool = False
) -> Publication:
    query = select(Publication).where(col(Publication.id) == publication_id)
    if for_update:
        query = query.with_for_update()
    publication = session.exec(query).first()
    if publication is None:
        raise NotFoundError(
            N_("no publication with id {publication_id}"), publication_id=publication_id
        )
    return publication


def repeated_publication(
    session: Session, *, post: Post, channel: str, since: datetime
) -> tuple[int, datetime] | None:
    """A post whose text, title and body (identical or near: :mod:`bot.domain.duplicates`),
    went out on ``channel`` since ``since``, other than ``post``: (its id, when it went out)."""
    query = (
        select(Post.id, Post.title, Post.body, Publication.finished_at)
        .join(Publication, col(Publication.post_id) == col(Post.id))
        .where(
            Publication.channel == channel,
            Publication.status == PublicationStatus.SENT,
            col(Publication.finished_at) >= since,
            Post.id != post.id,
        )
        .order_by(col(Publication.finished_at).desc())
    )
    rows = session.exec(query).all()
    sent_at = {post_id: when for post_id, _title, _body, when in rows if post_id and when}
    candidate = duplicates.fingerprint("", f"{post.title}\n{post.body}")
    stored = (
        (post_id, duplicates.fingerprint("", f"{title}\n{body}"))
        for post_id, title, body, _when in rows
        if post_id in sent_at
    )
    match = duplicates.find(candidate, stored)
    if match is None or match.kind is duplicates.Kind.HEADLINE:
        return None
    return match.ref, sent_at[match.ref]
