"""Event rows: the outbox of what people must hear, and its delivery to each recipient.

An event is recorded in the transaction of the change that caused it, once per cause (its
key); each (event, subscriber, recipient) gets a delivery row, done only after the message
went out, retried with backoff until then. Keyword-only functions, each taking the session
it works in; they do not commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from bot.domain.notices import Notice, from_payload, to_payload
from bot.storage.models import Event, EventDelivery


def record(session: Session, *, notice: Notice) -> bool:
    """Record the event for ``notice``; False when its cause was recorded already."""
    if session.exec(select(Event.id).where(Event.key == notice.key)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Event(key=notice.key, kind=type(notice).__name__, payload=to_payload(notice))
            )
    except IntegrityError:  # another worker recorded it at the same moment
        return False
    return True


def count_keys(session: Session, *, prefix: str) -> int:
    """How many events were recorded with a key starting with ``prefix``."""
    matching = col(Event.key).startswith(prefix, autoescape=True)
    query = select(func.count()).select_from(Event).where(matching)
    return session.exec(query).one()


def notices_with(session: Session, *, prefix: str) -> list[Notice]:
    """The notices of the events whose key starts with ``prefix``, oldest first."""
    query = select(Event.payload).where(col(Event.key).startswith(prefix, autoescape=True))
    return [from_payload(payload) for payload in session.exec(query.order_by(col(Event.id)))]


def unexpanded(session: Session) -> list[tuple[int, Notice]]:
    """Events whose recipients are not listed yet, oldest first."""
    query = select(Event).where(col(Event.expanded).is_(False)).order_by(col(Event.id))
    return [(e.id, from_payload(e.payload)) for e in session.exec(query) if e.id is not None]


def expand(
    session: Session, *, event_id: int, recipients: list[tuple[str, int]], now: datetime
) -> None:
    """List the event's (subscriber, recipient) deliveries, due now."""
    for subscriber, recipient in dict.fromkeys(recipients):
        session.add(
            EventDelivery(
                event_id=event_id, subscriber=subscriber, recipient=recipient, next_at=now
            )
        )
    event = session.get(Event, event_id)
    assert event is not None
    event.expanded = True
    session.add(event)
    session.flush()


def claim(
    session: Session, *, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[EventDelivery, Notice]]:
    """Deliveries due and not held by a live claim, each with its notice; claimed until
    ``lease_until`` (a worker that dies mid-send leaves it to be sent again: at least once)."""
    query = (
        select(EventDelivery, Event)
        .join(Event, col(Event.id) == col(EventDelivery.event_id))
        .where(
            EventDelivery.status == "pending",
            col(EventDelivery.next_at) <= now,
            or_(col(EventDelivery.lease_until).is_(None), col(EventDelivery.lease_until) < now),
        )
        .order_by(col(EventDelivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=EventDelivery)
    )
    found = list(session.exec(query))
    for delivery, _event in found:
        delivery.lease_until = lease_until
        session.add(delivery)
    session.flush()
    return [(delivery, from_payload(event.payload)) for delivery, event in found]


def settle(
    session: Session,
    *,
    delivery_id: int,
    status: str,
    error: str | None = None,
    next_at: datetime | None = None,
) -> None:
    """After a try: ``done`` once the message went out, ``failed`` when Telegram refused it
    for good, ``pending`` again at ``next_at`` when it failed for now (429, the network)."""
    delivery = session.get(EventDelivery, delivery_id)
    assert delivery is not None
    delivery.status, delivery.error, delivery.lease_until = status, error, None
    delivery.next_at = next_at or delivery.next_at
    delivery.attempts += 1
    session.add(delivery)
    session.flush()


def next_due(session: Session) -> datetime | None:
    """When the earliest pending delivery is due (None: nothing pending)."""
    query = select(EventDelivery.next_at).where(EventDelivery.status == "pending")
    return session.exec(query.order_by(col(EventDelivery.next_at)).limit(1)).first()


def waiting(session: Session, *, event_id: int, subscriber: str) -> int:
    """How many of an event's deliveries to ``subscriber`` are still to be tried."""
    query = (
        select(func.count())
        .select_from(EventDelivery)
        .where(
            EventDelivery.event_id == event_id,
            EventDelivery.subscriber == subscriber,
            EventDelivery.status == "pending",
        )
    )
    return session.exec(query).one()
