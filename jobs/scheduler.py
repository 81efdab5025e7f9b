"""The scheduler: APScheduler's AsyncIOScheduler on the bot's event loop.

The database is the source of truth; jobs are derived from it. At start and on every sweep
each scheduled post gets a one-shot job at its slot, and the sweep itself publishes anything
due, so a post approved by another process (``goodnews approve``) is never missed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.config import Config
from bot.publishers import Publishers
from bot.storage import repo
from bot.storage.db import session_scope
from jobs.publish import PassReport, publish_due

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60


class Worker:
    """Publishes at each slot; passes never overlap, and stopping waits for the one in flight."""

    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        publishers: Publishers,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self.engine = engine
        self.config = config
        self.publishers = publishers
        self.sweep_seconds = sweep_seconds
        self.scheduler = AsyncIOScheduler(timezone=config.tz)
        self._pass_lock = asyncio.Lock()
        self._stopping = False

    def start(self) -> None:
        """Start on the running loop: a sweep now, then every ``sweep_seconds``."""
        self.scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=self.sweep_seconds, timezone=self.config.tz),
            id="sweep",
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop taking new work, let the pass in flight finish, then stop the scheduler."""
        self._stopping = True
        self.scheduler.pause()
        async with self._pass_lock:
            self.scheduler.shutdown(wait=False)

    def schedule(self, post_id: int, slot: datetime) -> None:
        """Make sure a one-shot job fires at ``slot`` (idempotent per post)."""
        if slot <= datetime.now(UTC):
            return  # due already: the sweep takes it
        self.scheduler.add_job(
            self.publish_pass,
            DateTrigger(run_date=slot, timezone=self.config.tz),
            id=f"post-{post_id}",
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never; the DB prevents doubles
        )

    def sync_jobs(self) -> None:
        with session_scope(self.engine) as session:
            slots = repo.scheduled_slots(session)
        for post_id, slot in slots:
            self.schedule(post_id, slot)

    async def sweep(self) -> None:
        self.sync_jobs()
        await self.publish_pass()

    async def publish_pass(self) -> PassReport | None:
        if self._stopping:
            return None
        async with self._pass_lock:
            report = await publish_due(
                engine=self.engine,
                config=self.config,
                publishers=self.publishers,
                at=datetime.now(UTC),
            )
        if report.outcomes:
            log.info("published %d post(s)", len(report.posts))
        return report
