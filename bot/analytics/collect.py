"""One collection pass: every publication with a checkpoint due (+1 h, +24 h, +7 d after it
went out, ``analytics.collect_after``) gets one measurement, and each channel's subscriber
count is read once a day.

Facebook posts are read back fifty a call (:mod:`bot.analytics.facebook`). Telegram gives
no API to read a channel post's reactions: the bot keeps the totals its
``message_reaction_count`` updates bring (:mod:`bot.analytics.telegram`), and a pass
snapshots them; Telegram's views are never given to bots, so they stay "not available".

A token or permission error (Graph 190, 10, 200) holds collection on that channel (not its
publishing) and the admins are told once, in ``CollectReport.notices``; a restart of the
worker or a passing ``goodnews check`` releases it. Any other error skips the channel
until the next pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram import Bot
from telegram.error import TelegramError

from bot.analytics.facebook import FacebookReader, PageReading, Values
from bot.config import ChannelConfig, Config
from bot.domain.engagement import METRICS, REACTIONS, SUBSCRIBERS
from bot.domain.errors import NeedsAdminError, PublishError
from bot.domain.notices import CollectionHeld
from bot.platforms.facebook.client import make_graph
from bot.storage import event_rows, metrics
from bot.storage.gateway import Gateway, gateway_for

log = logging.getLogger(__name__)


@dataclass
class CollectReport:
    at: datetime
    measured: int = 0
    graph_calls: int = 0
    subscribers: dict[str, int | None] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # channel → why
    notices: list[CollectionHeld] = field(default_factory=list)


def graph_for(config: Config) -> Any:
    """A Graph client with the Page token, or None without one (nothing to read back)."""
    if not any(c.type == "facebook" for c in config.channels):
        return None
    return make_graph(config)


@dataclass(frozen=True)
class Sent:
    """A sent publication due for measuring, as read: a plain value, not a live row."""

    id: int
    channel: str
    external_id: str | None


async def collect(
    engine: Engine, config: Config, *, at: datetime, graph: Any = None, bot: Bot | None = None
) -> CollectReport:
    """Measure what is due by ``at``. Without a Page token (``graph`` None) Facebook
    channels are skipped: a dry run has nothing to read back. The database is reached
    through the gateway (a worker thread), never on the event loop."""
    report = CollectReport(at=at)
    db = gateway_for(engine)
    due = await db.run(
        lambda session: [
            Sent(p.id or 0, p.channel, p.external_id)
            for p in metrics.due_for_collection(session, now=at, checkpoints=config.collect_after)
        ]
    )
    holds = await db.run(metrics.collection_holds)
    by_channel: dict[str, list[Sent]] = defaultdict(list)
    for publication in due:
        by_channel[publication.channel].append(publication)
    configured = {c.name: c for c in config.channels}
    for name, publications in by_channel.items():
        channel = configured.get(name)
        if channel is None:
            continue  # removed from the config since: nothing to read it with
        if name in holds:
            report.skipped[name] = f"held: {holds[name]}"
        elif channel.type == "telegram":
            report.measured += await db.run(_snapshot_telegram, channel.name, publications, at)
        elif graph is None:
            report.skipped[name] = "no FACEBOOK_PAGE_TOKEN (dry run)"
        else:
            await _read_facebook(db, config, graph, channel, publications, report)
    await _count_subscribers(db, config, at=at, graph=graph, bot=bot, report=report)
    return report


async def _read_facebook(  # noqa: PLR0917 - a private step of collect
    db: Gateway,
    config: Config,
    graph: Any,
    channel: ChannelConfig,
    publications: list[Sent],
    report: CollectReport,
) -> None:
    page, version = channel.target, config.settings.facebook.api_version
    served = await db.run(metrics.insight_support, page_id=page, api_version=version)
    reader = FacebookReader(graph, channel)
    ids = [str(p.external_id) for p in publications]
    try:
        reading = await reader.read(ids, served)
    except NeedsAdminError as exc:
        notice = await db.run(_hold, channel.name, str(exc), report.at)
        report.skipped[channel.name] = f"held: {exc}"
        report.notices.append(notice)
        return
    except PublishError as exc:
        report.skipped[channel.name] = str(exc)
        log.warning("collection skipped on %s this pass: %s", channel.name, exc)
        return
    finally:
        report.graph_calls += reader.calls
    report.measured += await db.run(_store, publications, reading, report.at)
    if reading.learnt:
        await db.run(
            metrics.remember_support, page_id=page, api_version=version, served=reading.learnt
        )


def _store(session: Session, publications: list[Sent], reading: PageReading, at: datetime) -> int:
    """Record what was read; returns how many publications were measured."""
    gone: Values = dict.fromkeys(METRICS)
    found: dict[int, Values] = {}
    for publication in publications:
        assert publication.id is not None
        values = reading.values.get(str(publication.external_id))
        if values is not None:
            found[publication.id] = values
        elif str(publication.external_id) in reading.gone:
            found[publication.id] = gone  # deleted on the Page: nothing to read any more
    metrics.record_many(session, found, at=at)
    return len(found)


def _hold(session: Session, channel: str, reason: str, at: datetime) -> CollectionHeld:
    """Hold collection on ``channel``; the admins hear of it from the events outbox."""
    since = metrics.hold_collection(session, channel=channel, reason=reason, now=at)
    notice = CollectionHeld(channel=channel, reason=reason, since=since)
    event_rows.record(session, notice=notice)
    return notice


def _snapshot_telegram(
    session: Session, channel: str, publications: list[Sent], at: datetime
) -> int:
    """The latest reaction totals the updates brought; no update yet means nobody reacted
    (Telegram sends one on every change). Views, comments and shares: not available.
    Returns how many publications were measured."""
    message_ids = {p.id: int(str(p.external_id)) for p in publications if p.id is not None}
    totals = metrics.reactions_of(session, channel=channel, message_ids=message_ids.values())
    found: dict[int, Values] = {
        publication_id: {
            **dict.fromkeys(METRICS),
            REACTIONS: sum(totals.get(message_id, {}).values()),
        }
        for publication_id, message_id in message_ids.items()
    }
    metrics.record_many(session, found, at=at)
    return len(found)


async def _count_subscribers(
    db: Gateway,
    config: Config,
    *,
    at: datetime,
    graph: Any,
    bot: Bot | None,
    report: CollectReport,
) -> None:
    """Each channel's subscribers (a Page's followers), once a local day."""
    last = await db.run(metrics.channel_latest, metric=SUBSCRIBERS)
    holds = await db.run(metrics.collection_holds)
    today = at.astimezone(config.tz).date()
    for channel in config.channels:
        measured = last.get(channel.name)
        if channel.name in holds or (
            measured is not None and measured[1].astimezone(config.tz).date() == today
        ):
            continue
        count = await _subscribers(channel, graph, bot)
        if count is None:
            continue
        report.subscribers[channel.name] = count
        await db.run(
            metrics.record_channel, channel=channel.name, metric=SUBSCRIBERS, value=count, at=at
        )


async def _subscribers(channel: ChannelConfig, graph: Any, bot: Bot | None) -> int | None:
    try:
        if channel.type == "telegram" and bot is not None:
            return int(await bot.get_chat_member_count(channel.target))
        if channel.type == "facebook" and graph is not None:
            page = await asyncio.to_thread(
                graph.get_object, channel.target, fields="followers_count"
            )
            return int(page["followers_count"])
    except (TelegramError, KeyError, ValueError) as exc:
        log.warning("could not count the subscribers of %s: %s", channel.name, exc)
    except Exception as exc:  # facebook.GraphAPIError or a network error: try tomorrow
        log.warning("could not count the followers of %s: %s", channel.name, exc)
    return None
