"""Repository functions: keyword-only, each taking the session it works in.

They read and write rows; they do not commit (the caller's ``session_scope`` does), so a
multi-step change is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, func, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.domain.errors import N_, NotFoundError
from bot.domain.posts import (
    HOLDS_SLOT,
    PostKind,
    PostStatus,
    PublicationStatus,
    post_status_after,
)
from bot.storage.models import (
    Alert,
    ApprovalMessage,
    AuditEntry,
    ChannelState,
    Delivery,
    Grant,
    Person,
    Post,
    PostPhoto,
    Publication,
    Recap,
    RecapPhoto,
    Subscriber,
    Vote,
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
    submitted_by: int | None = None,
    unit: str | None = None,
) -> Recap:
    recap = Recap(
        submitted_by=submitted_by,
        unit=unit,
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
    """A recap's photos in their order in the recap."""
    query = (
        select(RecapPhoto).where(RecapPhoto.recap_id == recap_id).order_by(col(RecapPhoto.position))
    )
    return list(session.exec(query).all())


def add_post_photo(
    session: Session, *, post_id: int, position: int, mime: str, sha256: str, path: str
) -> PostPhoto:
    photo = PostPhoto(post_id=post_id, position=position, mime=mime, sha256=sha256, path=path)
    session.add(photo)
    session.flush()
    return photo


def post_photos(session: Session, *, post_id: int) -> list[PostPhoto]:
    """A post's photos in the order they are published."""
    query = select(PostPhoto).where(PostPhoto.post_id == post_id).order_by(col(PostPhoto.position))
    return list(session.exec(query).all())


def get_recap(session: Session, *, recap_id: int) -> Recap:
    recap = session.get(Recap, recap_id)
    if recap is None:
        raise NotFoundError(N_("no recap with id {recap_id}"), recap_id=recap_id)
    return recap


def _same_audience(audience: str | None) -> Any:
    return col(Post.audience).is_(None) if audience is None else Post.audience == audience


def _unused(
    kind: PostKind, audience: str | None, unit: str | Literal["any"] | None
) -> SelectOfScalar[Recap]:
    """Recaps no post of ``kind`` for ``audience`` was drafted from (of ``unit`` unless any)."""
    used = select(Post.recap_id).where(
        Post.kind == kind, col(Post.recap_id).is_not(None), _same_audience(audience)
    )
    query = select(Recap).where(col(Recap.id).not_in(used))
    if unit != "any":
        query = query.where(col(Recap.unit).is_(None) if unit is None else Recap.unit == unit)
    return query.order_by(col(Recap.created_at).desc(), col(Recap.id).desc())


def newest_unused_recap(
    session: Session,
    *,
    kind: PostKind,
    audience: str | None = None,
    unit: str | Literal["any"] | None = "any",
) -> Recap | None:
    """The freshest recap that no post of ``kind`` for ``audience`` was drafted from yet."""
    return session.exec(_unused(kind, audience, unit)).first()


def unused_recaps(
    session: Session,
    *,
    kind: PostKind,
    since: datetime,
    audience: str | None = None,
    unit: str | Literal["any"] | None = "any",
) -> list[Recap]:
    """Recaps stored since ``since`` that no post of ``kind`` for ``audience`` was drafted
    from, newest first."""
    query = _unused(kind, audience, unit).where(col(Recap.created_at) >= since)
    return list(session.exec(query).all())


def newest_unused_per_unit(
    session: Session, *, kind: PostKind, audience: str | None = None
) -> list[Recap]:
    """The newest recap of each unit (and of the organisation's own) that no post of
    ``kind`` for ``audience`` was drafted from yet: one query per unit that has one."""
    used = select(Post.recap_id).where(
        Post.kind == kind, col(Post.recap_id).is_not(None), _same_audience(audience)
    )
    units = session.exec(select(Recap.unit).where(col(Recap.id).not_in(used)).distinct()).all()
    found = (session.exec(_unused(kind, audience, unit)).first() for unit in units)
    return [recap for recap in found if recap is not None]


#: A post in these states was approved: it features its unit (at its slot).
_FEATURING = (
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHING,
    PostStatus.PUBLISHED,
    PostStatus.FAILED,
    PostStatus.UNKNOWN,
)


def last_featured(session: Session, *, kind: PostKind) -> dict[str | None, datetime]:
    """Each unit's latest slot among the approved posts of ``kind`` for the organisation's
    channels (key None: the organisation's own news). Units never featured are absent."""
    query = (
        select(Post.unit, func.max(Post.slot))
        .where(
            Post.kind == kind,
            col(Post.audience).is_(None),
            col(Post.status).in_(_FEATURING),
            col(Post.slot).is_not(None),
        )
        .group_by(col(Post.unit))
    )
    return {unit: at for unit, at in session.exec(query).all() if at is not None}


def recap_used_for(
    session: Session, *, recap_id: int, kind: PostKind, audience: str | None = None
) -> bool:
    query = select(func.count()).where(
        Post.recap_id == recap_id, Post.kind == kind, _same_audience(audience)
    )
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


def taken_slots(
    session: Session, *, channel: str, kind: PostKind, exclude_post_id: int
) -> list[datetime]:
    """Slots of ``kind`` on ``channel`` held by other posts (scheduled or gone out)."""
    query = select(Publication.due_at).where(
        Publication.channel == channel,
        Publication.kind == kind,
        Publication.post_id != exclude_post_id,
        col(Publication.pinned).is_(False),
        col(Publication.status).in_(list(HOLDS_SLOT)),
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
    publication.status, publication.retry_at, publication.error = (
        PublicationStatus.SCHEDULED,
        retry_at,
        error,
    )
    publication.claimed_by = publication.lease_until = None
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
    scheduled = Publication.status == PublicationStatus.SCHEDULED
    slots = (
        select(Publication.due_at)
        .where(scheduled, col(Publication.due_at) > after)
        .distinct()
        .order_by(col(Publication.due_at))
        .limit(limit)
    )
    retries = (
        select(Publication.retry_at)
        .where(scheduled, col(Publication.retry_at) > after)
        .distinct()
        .order_by(col(Publication.retry_at))
        .limit(limit)
    )
    found = {*session.exec(slots).all(), *session.exec(retries).all()}
    return sorted(t for t in found if t is not None)[:limit]


def refresh_post(session: Session, *, post_id: int) -> Post:
    """Derive the post's status and first slot from its publications."""
    post = get_post(session, post_id=post_id)
    pubs = publications(session, post_id=post_id)
    if post.status in (PostStatus.PENDING, PostStatus.REJECTED) or not pubs:
        return post
    live = [p for p in pubs if p.status is not PublicationStatus.CANCELLED]
    post.status = post_status_after([p.status for p in live])
    dues = [p.due_at for p in live if p.due_at is not None]
    post.slot = min(dues) if dues else post.slot
    post.updated_at = utcnow()
    session.add(post)
    session.flush()
    return post


def finish_publication(
    session: Session,
    *,
    publication_id: int,
    status: PublicationStatus,
    external_id: str | None = None,
    error: str | None = None,
) -> Publication:
    publication = get_publication(session, publication_id=publication_id)
    publication.status = status
    publication.external_id = external_id
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
    query = select(func.count()).where(
        Publication.channel == channel,
        Publication.kind == kind,
        Publication.due_at == at,
        col(Publication.pinned).is_(False),
        col(Publication.status).in_(list(HOLDS_SLOT)),
    )
    return session.exec(query).one() > 0


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


def held_slots(
    session: Session, *, after: datetime, before: datetime
) -> dict[tuple[str, PostKind, datetime], Post]:
    """(channel, kind, instant) → post, for every publication holding a time in the window."""
    query = (
        select(Publication, Post)
        .join(Post, col(Post.id) == col(Publication.post_id))
        .where(
            col(Publication.status).in_(list(HOLDS_SLOT)),
            col(Publication.due_at) > after,
            col(Publication.due_at) <= before,
        )
    )
    return {
        (pub.channel, pub.kind, pub.due_at): post
        for pub, post in session.exec(query).all()
        if pub.due_at is not None
    }


def first_time(session: Session, *, key: str) -> bool:
    """Record the alert ``key``; False when it was already recorded (by any worker)."""
    if session.get(Alert, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Alert(key=key))
    except IntegrityError:  # another worker recorded it at the same moment
        return False
    return True


def pending_posts(session: Session, *, kind: PostKind) -> list[Post]:
    query = select(Post).where(Post.kind == kind, Post.status == PostStatus.PENDING)
    return list(session.exec(query.order_by(col(Post.id))).all())


def remember_language(session: Session, *, user_id: int, language_code: str | None) -> bool:
    """Store the language a person's app reports; False when it was already known."""
    person = session.get(Person, user_id)
    if person is not None and person.language_code == language_code:
        return False
    person = person or Person(user_id=user_id)
    person.language_code, person.updated_at = language_code, utcnow()
    session.add(person)
    session.flush()
    return True


def language_codes(session: Session, *, user_ids: list[int]) -> dict[int, str | None]:
    """The stored language of each of these people (absent: never wrote to the bot)."""
    if not user_ids:
        return {}
    query = select(Person).where(col(Person.user_id).in_(user_ids))
    return {p.user_id: p.language_code for p in session.exec(query).all()}


def subscribe(session: Session, *, chat_id: int, language_code: str | None) -> bool:
    """Start (or restart) a follower's subscription, to every unit's news; False when it was
    already active (their choice of units is kept)."""
    follower = session.get(Subscriber, chat_id)
    if follower is not None and follower.active:
        return False
    follower = follower or Subscriber(chat_id=chat_id)
    follower.active, follower.language_code, follower.units = True, language_code, None
    follower.subscribed_at, follower.left_at, follower.left_reason = utcnow(), None, None
    session.add(follower)
    session.flush()
    return True


def follower(session: Session, *, chat_id: int) -> Subscriber | None:
    """An active follower; None for anyone else (never subscribed, or gone)."""
    found = session.get(Subscriber, chat_id)
    return found if found is not None and found.active else None


def set_followed_units(session: Session, *, chat_id: int, units: list[str] | None) -> None:
    """The units whose news a follower gets, in order; None: all of them."""
    found = session.get(Subscriber, chat_id)
    if found is None:
        raise NotFoundError(f"no follower {chat_id}")
    found.units = None if units is None else " ".join(units)
    session.add(found)
    session.flush()


def units_of(found: Subscriber) -> list[str] | None:
    """The units a follower chose; None: all of them."""
    return None if found.units is None else found.units.split()


def follows(units: str | None, unit: str | None) -> bool:
    """Whether a follower with these stored ``units`` gets a post of ``unit``: the
    organisation's own news (None) go to everyone."""
    return unit is None or units is None or unit in units.split()


def unsubscribe(session: Session, *, chat_id: int, reason: str) -> bool:
    """End a subscription (/stop, or the bot was blocked); False when it was not active."""
    follower = session.get(Subscriber, chat_id)
    if follower is None or not follower.active:
        return False
    follower.active, follower.left_at, follower.left_reason = False, utcnow(), reason
    session.add(follower)
    session.flush()
    return True


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


def open_broadcasts(session: Session, *, published_since: datetime) -> int:
    """Create the deliveries of every post published since the cutoff and not yet broadcast,
    one per active follower of the post's unit (the organisation's own news: every active
    follower), except followers who already had the same recap as a post of the same kind
    (a unit's post and the organisation's featuring it); older posts are closed without
    deliveries. Returns how many were created.

    Both steps read only posts still waiting for a broadcast (through the (status,
    broadcast_at) index), so a database with years of history costs nothing here.
    """
    waiting = and_(col(Post.status) == PostStatus.PUBLISHED, col(Post.broadcast_at).is_(None))
    session.exec(
        update(Post)
        .where(waiting, or_(col(Post.slot).is_(None), col(Post.slot) < published_since))
        .values(broadcast_at=utcnow())
    )
    query = (
        select(Post)
        .where(waiting)
        .order_by(col(Post.slot), col(Post.id))  # of two posts of one recap, the first wins
        .with_for_update(skip_locked=True)
    )
    posts = list(session.exec(query).all())
    if not posts:
        return 0
    followers = session.exec(
        select(Subscriber.chat_id, Subscriber.units).where(col(Subscriber.active))
    ).all()
    created = 0
    for post in posts:
        chats = [chat for chat, units in followers if follows(units, post.unit)]
        if post.recap_id is not None and chats:
            had = set(_had_recap(session, post))
            chats = [chat for chat in chats if chat not in had]
        if chats:
            session.execute(
                insert(Delivery),
                [
                    {"post_id": post.id, "chat_id": chat, "status": "pending", "attempts": 0}
                    for chat in chats
                ],
            )
        created += len(chats)
        post.broadcast_at = utcnow()
        session.add(post)
    session.flush()
    return created


def _had_recap(session: Session, post: Post) -> Iterable[int]:
    """Followers with a delivery of another post of the same kind drafted from its recap."""
    query = (
        select(Delivery.chat_id)
        .join(Post, col(Post.id) == col(Delivery.post_id))
        .where(Post.recap_id == post.recap_id, Post.kind == post.kind, Post.id != post.id)
    )
    return session.exec(query).all()


def claim_deliveries(
    session: Session, *, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[Delivery]:
    """Pending deliveries ready now, taken atomically as with publications: ``claimed``
    under a lease, not yet ``sending`` (each is marked just before its own request, so a
    crash leaves at most the one in flight unknown)."""
    query = (
        select(Delivery)
        .where(
            Delivery.status == "pending",
            or_(col(Delivery.retry_at).is_(None), col(Delivery.retry_at) <= now),
        )
        .order_by(col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = list(session.exec(query).all())
    for delivery in claimed:
        delivery.status, delivery.claimed_by, delivery.lease_until = "claimed", worker, lease_until
        session.add(delivery)
    session.flush()
    return claimed


def mark_delivery_sending(
    session: Session, *, delivery_id: int, worker: str, lease_until: datetime
) -> bool:
    """``sending``, just before the request: False when the claim was lost (its lease ran
    out and another worker may have it), and then the message must not be sent."""
    result = session.exec(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.status) == "claimed",
            col(Delivery.claimed_by) == worker,
        )
        .values(status="sending", lease_until=lease_until, attempts=col(Delivery.attempts) + 1)
    )
    return int(result.rowcount) == 1


def finish_delivery(
    session: Session,
    *,
    delivery_id: int,
    status: str,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFoundError(f"no delivery with id {delivery_id}")
    delivery.status, delivery.error, delivery.retry_at = status, error, retry_at
    delivery.finished_at = None if status == "pending" else utcnow()
    delivery.lease_until = None
    session.add(delivery)
    session.flush()


def expire_deliveries(session: Session, *, now: datetime) -> int:
    """Deliveries left by a worker that died: ``claimed`` ones were never sent and go back
    to pending; ``sending`` ones may have gone out: unknown, never sent again."""
    session.exec(
        update(Delivery)
        .where(col(Delivery.status) == "claimed", col(Delivery.lease_until) < now)
        .values(status="pending", claimed_by=None, lease_until=None)
    )
    result = session.exec(
        update(Delivery)
        .where(col(Delivery.status) == "sending", col(Delivery.lease_until) < now)
        .values(status="unknown", error="worker stopped while sending")
    )
    return int(result.rowcount)


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


def grants_of(session: Session, *, user_id: int) -> set[str]:
    return set(session.exec(select(Grant.role).where(Grant.user_id == user_id)).all())


def grant(session: Session, *, user_id: int, role: str, by: int | None) -> bool:
    if session.get(Grant, (user_id, role)) is not None:
        return False
    session.add(Grant(user_id=user_id, role=role, granted_by=by))
    session.flush()
    return True


def revoke(session: Session, *, user_id: int, role: str) -> bool:
    found = session.get(Grant, (user_id, role))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def granted(session: Session, *, role: str) -> list[int]:
    return list(session.exec(select(Grant.user_id).where(Grant.role == role)).all())


def audit(
    session: Session,
    *,
    actor: int | None,
    action: str,
    post_id: int | None = None,
    before: str | None = None,
    after: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Record a change; ``at``: the instant the action ran at (default: now)."""
    session.add(
        AuditEntry(
            at=at if at is not None else utcnow(),
            actor=actor,
            action=action,
            post_id=post_id,
            before=before,
            after=after,
            detail=detail[:500] if detail else None,
        )
    )
    session.flush()


def audit_entries(
    session: Session, *, post_id: int | None, actor: int | None, limit: int = 1000
) -> list[AuditEntry]:
    query = select(AuditEntry)
    if post_id is not None:
        query = query.where(AuditEntry.post_id == post_id)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    return list(session.exec(query.order_by(col(AuditEntry.id)).limit(limit)).all())


def count_published(session: Session, *, since: datetime) -> int:
    query = select(func.count()).where(Post.status == PostStatus.PUBLISHED, col(Post.slot) >= since)
    return int(session.exec(query).one())


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


def rejections_between(
    session: Session, *, since: datetime, until: datetime
) -> list[tuple[str | None, PostKind, datetime]]:
    """(unit, kind, when) of every rejection in [since, until), from the audit log."""
    query = (
        select(Post.unit, Post.kind, AuditEntry.at)
        .join(Post, col(Post.id) == col(AuditEntry.post_id))
        .where(
            AuditEntry.action == "reject",
            col(AuditEntry.at) >= since,
            col(AuditEntry.at) < until,
        )
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return [(unit, PostKind(kind), at) for unit, kind, at in session.exec(query).all()]


def pause_log(session: Session) -> list[AuditEntry]:
    """Every pause and resume in the audit log (the channel is the detail), oldest first."""
    query = select(AuditEntry).where(col(AuditEntry.action).in_(["pause", "resume"]))
    return list(session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))).all())


def paused_since(session: Session) -> dict[str, datetime]:
    """Channels paused now, and when their state last changed."""
    query = select(ChannelState).where(col(ChannelState.paused).is_(True))
    return {state.name: state.updated_at for state in session.exec(query).all()}


def paused_channels(session: Session) -> set[str]:
    query = select(ChannelState.name).where(col(ChannelState.paused).is_(True))
    return set(session.exec(query).all())


def set_paused(session: Session, *, channel: str, paused: bool) -> bool:
    """Pause or resume a channel; False when it already was."""
    state = session.get(ChannelState, channel)
    if state is None:
        if not paused:
            return False
        state = ChannelState(name=channel)
    elif state.paused == paused:
        return False
    state.paused, state.updated_at = paused, utcnow()
    session.add(state)
    session.flush()
    return True


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


def hold_channel(session: Session, *, channel: str, reason: str, now: datetime) -> datetime:
    """Hold a channel's publications until a person fixes its credentials; returns since
    when it is held (the first hold's instant when it already was)."""
    state = session.get(ChannelState, channel) or ChannelState(name=channel)
    if state.held_since is None:
        state.held_since, state.held_reason, state.updated_at = now, reason, now
        session.add(state)
        session.flush()
    assert state.held_since is not None
    return state.held_since


def held_channels(session: Session) -> dict[str, str]:
    """Held channel names and why."""
    query = select(ChannelState).where(col(ChannelState.held_since).is_not(None))
    return {s.name: s.held_reason or "" for s in session.exec(query).all()}


def release_holds(session: Session, *, channels: Iterable[str] | None = None) -> list[str]:
    """Let held channels publish again (all of them, or these); the names released."""
    query = select(ChannelState).where(col(ChannelState.held_since).is_not(None))
    if channels is not None:
        query = query.where(col(ChannelState.name).in_(list(channels)))
    released = []
    for state in session.exec(query).all():
        state.held_since, state.held_reason, state.updated_at = None, None, utcnow()
        session.add(state)
        released.append(state.name)
    session.flush()
    return released


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
