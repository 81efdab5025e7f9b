"""One publishing pass, the same for the worker and for `goodnews tick`: what is due goes out,
followers get what was published, and each notice is handed on (logged). What people must
hear (the admins' alerts, a post now out to its officer) was recorded as events with each
change; the caller delivers the outbox after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.config import Config
from bot.domain.notices import Notice
from bot.platforms.publishers import Publishers
from jobs.broadcast import BroadcastReport, broadcast_due
from jobs.publish import PassReport, publish_due


async def one_pass(
    *,
    engine: Engine,
    config: Config,
    publishers: Publishers,
    at: datetime,
    worker: str,
    notify: Callable[[Notice], Awaitable[object]],
) -> tuple[PassReport, BroadcastReport]:
    report = await publish_due(
        engine=engine, config=config, publishers=publishers, at=at, worker=worker
    )
    followers = await broadcast_due(
        engine=engine, config=config, publishers=publishers, worker=worker
    )
    for notice in report.notices:
        await notify(notice)
    return report, followers
