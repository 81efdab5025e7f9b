"""The worker's engagement job: a collection pass every few minutes (each publication is
measured only when one of its checkpoints has come), and the admins told of a channel
whose collection is held. A restart releases the holds, as it does for publishing: it is
how a new token takes effect."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from telegram import Bot

from bot.analytics.collect import collect, graph_for
from bot.config import Config
from bot.domain.notices import Notice
from bot.storage import metrics
from bot.storage.gateway import gateway_for

log = logging.getLogger(__name__)

#: How often the worker looks for publications due for measuring.
EVERY = timedelta(minutes=10)


class Collector:
    """One per worker: started with it (holds released), run by the scheduler."""

    def __init__(
        self,
        engine: Engine,
        config: Config,
        *,
        bot: Bot | None,
        notify: Callable[[Notice], Awaitable[None]],
    ) -> None:
        self.engine, self.config, self.bot, self.notify = engine, config, bot, notify
        self.graph: Any = graph_for(config)

    async def start(self) -> None:
        """Release the holds (through the gateway: no session on the event loop)."""
        released = await gateway_for(self.engine).run(metrics.release_collection)
        if released:
            log.info("collection no longer held on %s (tried again)", ", ".join(released))

    async def run(self, now: datetime) -> None:
        report = await collect(self.engine, self.config, at=now, graph=self.graph, bot=self.bot)
        if report.measured:
            log.info(
                "engagement: %d publication(s) measured, %d Graph call(s)",
                report.measured,
                report.graph_calls,
            )
        for notice in report.notices:
            await self.notify(notice)
