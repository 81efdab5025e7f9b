"""Engagement in the database: metrics as a time series per publication and per channel,
Telegram's latest reaction totals per message, which insights metrics each Page serves,
and channels whose collection is held.

A value of NULL is "not available" (the platform gives no such number), never zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, Index, Text, delete, func, insert
from sqlmodel import Field, Session, col, select
from sqlmodel.sql.expression import Select

from bot.domain.engagement import collection_due, collection_window
from bot.domain.posts import PublicationStatus
from bot.storage.models import Delivery, Post, Publication, Table, utcnow
from bot.storage.types import UTCDateTime


class Measurement(Table, table=True):
    """One metric of one publication at one instant (NULL value: not available)."""

    __table_args__ = (Index("ix_measurement_publication_at", "publication_id", "measured_at"),)

    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id")
    metric: str = Field(max_length=32)
    value: int | None = Field(default=None, sa_type=BigInteger)
    measured_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ChannelMeasurement(Table, table=True):
    """One metric of a channel (its subscribers) at one instant."""

    __tablename__ = "channel_measurement"
    __table_args__ = (Index("ix_channel_measurement_at", "channel", "metric", "measured_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=64)
    metric: str = Field(max_length=32)
    value: int | None = Field(default=None, sa_type=BigInteger)
    measured_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ReactionCount(Table, table=True):
    """The latest total of one reaction on one Telegram channel message, as the last
    ``message_reaction_count`` update gave it."""

    __tablename__ = "reaction_count"

    channel: str = Field(primary_key=True, max_length=64)
    message_id: int = Field(primary_key=True, sa_type=BigInteger)
    reaction: str = Field(primary_key=True, max_length=64)  # an emoji, or custom:<id>, paid
    total: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class InsightSupport(Table, table=True):
    """Whether a Page, at an API version, serves an insights metric (Facebook retires them
    in waves; one retired metric fails a whole request)."""

    __tablename__ = "insight_support"

    page_id: str = Field(primary_key=True, max_length=64)
    api_version: str = Field(primary_key=True, max_length=16)
    metric: str = Field(primary_key=True, max_length=64)
    served: bool
    checked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CollectionHold(Table, table=True):
    """A channel whose metrics are not collected until a person fixes its token or rights
    (publishing has its own hold: reading insights needs rights posting does not)."""

    __tablename__ = "collection_hold"

    channel: str = Field(primary_key=True, max_length=64)
    held_since: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reason: str = Field(sa_column=Column(Text, nullable=False))


# -- publications' time series -----------------------------------------------------------


def _last_measured() -> Select[int, datetime]:
    """Each measured publication's latest instant: (publication_id, last), to narrow down and
    make a subquery of."""
    return select(
        Measurement.publication_id, func.max(Measurement.measured_at).label("last")
    ).group_by(col(Measurement.publication_id))


def due_for_collection(
    session: Session, *, now: datetime, checkpoints: Sequence[timedelta]
) -> list[Publication]:
    """Sent publications with a checkpoint passed since their last measurement."""
    last = _last_measured().subquery()
    query = (
        select(Publication, last.c.last)
        .outerjoin(last, last.c.publication_id == col(Publication.id))
        .where(
            Publication.status == PublicationStatus.SENT,
            col(Publication.external_id).is_not(None),
            col(Publication.finished_at) >= now - collection_window(checkpoints),
        )
        .order_by(col(Publication.id))
    )
    due = []
    for publication, last_at in session.exec(query).all():
        assert publication.finished_at is not None
        measured = UTCDateTime().process_result_value(last_at, session.get_bind().dialect)
        if collection_due(publication.finished_at, measured, checkpoints, now):
            due.append(publication)
    return due


def record(
    session: Session, *, publication_id: int, values: Mapping[str, int | None], at: datetime
) -> None:
    record_many(session, {publication_id: values}, at=at)


def record_many(
    session: Session, values: Mapping[int, Mapping[str, int | None]], *, at: datetime
) -> None:
    """One measurement of many publications (publication id → metric → value), in one
    statement."""
    rows = [
        {"publication_id": pid, "metric": m, "value": v, "measured_at": at}
        for pid, by_metric in values.items()
        for m, v in by_metric.items()
    ]
    if rows:
        session.execute(insert(Measurement), rows)


def latest(
    session: Session, publication_ids: Iterable[int]
) -> dict[int, tuple[dict[str, int | None], datetime]]:
    """Per publication: its last measurement's values and instant (publications never
    measured are absent)."""
    ids = list(publication_ids)
    if not ids:
        return {}
    last = _last_measured().where(col(Measurement.publication_id).in_(ids)).subquery()
    query = select(Measurement).join(
        last,
        (last.c.publication_id == col(Measurement.publication_id))
        & (last.c.last == col(Measurement.measured_at)),
    )
    out: dict[int, tuple[dict[str, int | None], datetime]] = {}
    for row in session.exec(query).all():
        values, _ = out.setdefault(row.publication_id, ({}, row.measured_at))
        values[row.metric] = row.value
    return out


def sent_between(
    session: Session, *, since: datetime, until: datetime, unit: str | None = None
) -> list[tuple[Post, list[Publication]]]:
    """Posts with a publication sent in [since, until), and their sent publications."""
    query = (
        select(Post, Publication)
        .join(Publication, col(Publication.post_id) == col(Post.id))
        .where(
            Publication.status == PublicationStatus.SENT,
            col(Publication.finished_at) >= since,
            col(Publication.finished_at) < until,
        )
        .order_by(col(Post.id), col(Publication.id))
    )
    if unit is not None:
        query = query.where(Post.unit == unit)
    grouped: dict[int, tuple[Post, list[Publication]]] = {}
    for post, publication in session.exec(query).all():
        assert post.id is not None
        grouped.setdefault(post.id, (post, []))[1].append(publication)
    return list(grouped.values())


def dm_deliveries(session: Session, post_ids: Iterable[int]) -> dict[int, int]:
    """Followers who got each post by direct message."""
    ids = list(post_ids)
    if not ids:
        return {}
    query = (
        select(Delivery.post_id, func.count())
        .where(col(Delivery.post_id).in_(ids), Delivery.status == "sent")
        .group_by(col(Delivery.post_id))
    )
    return dict(session.exec(query).all())


# -- channels ----------------------------------------------------------------------------


def record_channel(
    session: Session, *, channel: str, metric: str, value: int | None, at: datetime
) -> None:
    session.add(ChannelMeasurement(channel=channel, metric=metric, value=value, measured_at=at))
    session.flush()


def channel_latest(session: Session, *, metric: str) -> dict[str, tuple[int | None, datetime]]:
    """Each channel's last value of ``metric`` and when it was measured."""
    query = (
        select(ChannelMeasurement)
        .where(ChannelMeasurement.metric == metric)
        .order_by(col(ChannelMeasurement.measured_at), col(ChannelMeasurement.id))
    )
    return {row.channel: (row.value, row.measured_at) for row in session.exec(query).all()}


# -- Telegram reactions ------------------------------------------------------------------


def set_reactions(
    session: Session, *, channel: str, message_id: int, totals: Mapping[str, int], at: datetime
) -> None:
    """Replace a message's reaction totals with the latest update's."""
    session.execute(
        delete(ReactionCount).where(
            col(ReactionCount.channel) == channel, col(ReactionCount.message_id) == message_id
        )
    )
    session.add_all(
        ReactionCount(channel=channel, message_id=message_id, reaction=r, total=n, updated_at=at)
        for r, n in totals.items()
        if n > 0
    )
    session.flush()


def reactions_of(
    session: Session, *, channel: str, message_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Per message: reaction → latest total (messages never reacted to are absent)."""
    ids = list(message_ids)
    query = select(ReactionCount).where(
        ReactionCount.channel == channel, col(ReactionCount.message_id).in_(ids)
    )
    out: dict[int, dict[str, int]] = {}
    for row in session.exec(query).all():
        out.setdefault(row.message_id, {})[row.reaction] = row.total
    return out


# -- Facebook insights support -----------------------------------------------------------


def insight_support(session: Session, *, page_id: str, api_version: str) -> dict[str, bool]:
    query = select(InsightSupport).where(
        InsightSupport.page_id == page_id, InsightSupport.api_version == api_version
    )
    return {row.metric: row.served for row in session.exec(query).all()}


def remember_support(
    session: Session, *, page_id: str, api_version: str, served: Mapping[str, bool]
) -> None:
    for metric, ok in served.items():
        session.merge(
            InsightSupport(page_id=page_id, api_version=api_version, metric=metric, served=ok)
        )
    session.flush()


# -- holds -------------------------------------------------------------------------------


def hold_collection(session: Session, *, channel: str, reason: str, now: datetime) -> datetime:
    """Hold a channel's collection; since when it is held (the first hold's instant)."""
    hold = session.get(CollectionHold, channel)
    if hold is None:
        hold = CollectionHold(channel=channel, held_since=now, reason=reason)
        session.add(hold)
        session.flush()
    return hold.held_since


def collection_holds(session: Session) -> dict[str, str]:
    return {h.channel: h.reason for h in session.exec(select(CollectionHold)).all()}


def release_collection(session: Session, *, channels: Iterable[str] | None = None) -> list[str]:
    """Collect on held channels again (all, or these); the names released."""
    query = select(CollectionHold)
    if channels is not None:
        query = query.where(col(CollectionHold.channel).in_(list(channels)))
    released = []
    for hold in session.exec(query).all():
        session.delete(hold)
        released.append(hold.channel)
    session.flush()
    return released
