"""Follower rows: subscriptions and the broadcast deliveries to each follower.

Keyword-only functions, each taking the session it works in; they do not commit (the
caller's ``session_scope`` does), so a multi-step change is all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, insert, or_, update
from sqlmodel import Session, col, select

from bot.domain.errors import N_, NotFoundError
from bot.domain.following import follows
from bot.domain.posts import PostStatus
from bot.storage.models import Delivery, Post, Subscriber, utcnow


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
        raise NotFoundError(N_("no follower {chat_id}"), chat_id=chat_id)
    found.units = None if units is None else " ".join(units)
    session.add(found)
    session.flush()


def unsubscribe(session: Session, *, chat_id: int, reason: str) -> bool:
    """End a subscription (/stop, or the bot was blocked); False when it was not active."""
    follower = session.get(Subscriber, chat_id)
    if follower is None or not follower.active:
        return False
    follower.active, follower.left_at, follower.left_reason = False, utcnow(), reason
    session.add(follower)
    session.flush()
    return True


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
        raise NotFoundError(N_("no delivery with id {delivery_id}"), delivery_id=delivery_id)
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
