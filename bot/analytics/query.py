"""Engagement as people see it: each post's latest metrics per publication, the period's
posts, and each channel's subscribers. Plain functions over a session, for the CLI, the
report, chat and the web dashboard alike."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from bot.config import Config
from bot.domain.engagement import (
    COMMENTS,
    REACH,
    REACTIONS,
    SHARES,
    SUBSCRIBERS,
    VIEWS,
    PostEngagement,
    PublicationMetrics,
    public_url,
)
from bot.domain.errors import ConfigError
from bot.domain.posts import PublicationStatus
from bot.domain.slots import local_instant
from bot.storage import metrics, publication_rows
from bot.storage.models import Post, Publication


def post_metrics(session: Session, config: Config, *, post_id: int) -> list[PublicationMetrics]:
    """A post's latest metrics on each channel it went out on (sent publications only)."""
    sent = [
        p
        for p in publication_rows.publications(session, post_id=post_id)
        if p.status is PublicationStatus.SENT
    ]
    return _metrics(session, config, sent)


def posts_between(
    session: Session, config: Config, *, since: datetime, until: datetime, unit: str | None = None
) -> list[PostEngagement]:
    """Every post that went out in [since, until), with its latest metrics."""
    found = metrics.sent_between(session, since=since, until=until, unit=unit)
    followers = metrics.dm_deliveries(session, (p.id for p, _ in found if p.id is not None))
    return [
        _post(post, publications, _metrics(session, config, publications), followers)
        for post, publications in found
    ]


def posts_on_days(
    session: Session, config: Config, *, start: date, end: date, unit: str | None = None
) -> list[PostEngagement]:
    """Every post that went out from ``start`` to ``end`` (local days, both included)."""
    since = local_instant(start, time(), config.tz)
    until = local_instant(end + timedelta(days=1), time(), config.tz)
    return posts_between(session, config, since=since, until=until, unit=unit)


def shown(value: int | None) -> str:
    """A number as people read it: "—" when no platform gives it (never a made-up 0)."""
    return "—" if value is None else str(value)


def subscribers(session: Session, config: Config) -> list[tuple[str, int | None]]:
    """Each configured channel and its last known subscriber count (None: never counted)."""
    latest = metrics.channel_latest(session, metric=SUBSCRIBERS)
    return [(c.name, latest.get(c.name, (None, None))[0]) for c in config.channels]


def _post(
    post: Post,
    publications: list[Publication],
    measured: list[PublicationMetrics],
    followers: dict[int, int],
) -> PostEngagement:
    assert post.id is not None
    return PostEngagement(
        post_id=post.id,
        title=post.title,
        unit=post.unit,
        kind=post.kind.value,
        published_at=min((p.finished_at for p in publications if p.finished_at), default=None),
        publications=tuple(measured),
        followers=followers.get(post.id, 0),
    )


def _metrics(
    session: Session, config: Config, publications: list[Publication]
) -> list[PublicationMetrics]:
    latest = metrics.latest(session, (p.id for p in publications if p.id is not None))
    out = []
    for publication in publications:
        values, at = latest.get(publication.id or 0, ({}, None))
        platform: str
        try:
            channel = config.channel(publication.channel)
            platform, target = channel.type, channel.target
        except ConfigError:  # a channel removed from the config since
            platform, target = "", ""
        out.append(
            PublicationMetrics(
                channel=publication.channel,
                platform=platform,
                external_id=publication.external_id,
                url=public_url(platform, target, publication.external_id),
                reactions=values.get(REACTIONS),
                comments=values.get(COMMENTS),
                shares=values.get(SHARES),
                views=values.get(VIEWS),
                reach=values.get(REACH),
                measured_at=at,
            )
        )
    return out
