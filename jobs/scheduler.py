"""The scheduler: APScheduler's AsyncIOScheduler on the bot's event loop.

The database is the source of truth; jobs are derived from it. At start the worker catches
up on what it missed, then keeps one-shot jobs at every upcoming due instant, rebuilt on a
sweep that also publishes anything due (a post scheduled by another process is never
missed). Several workers may run on one PostgreSQL database: claims keep them apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.config import Config
from bot.domain.notices import Notice, Published
from bot.domain.slots import format_local
from bot.platforms.publishers import Publishers
from bot.services import channel_names, scheduling
from bot.storage import channel_rows, publication_rows
from bot.storage.gateway import gateway_for
from bot.storage.heartbeat import beat
from jobs.engagement import EVERY as COLLECT_EVERY
from jobs.one_pass import one_pass
from jobs.publish import PassReport, worker_name

log = logging.getLogger(__name__)

Notify = Callable[[Notice], Awaitable[None]]


async def _log_only(notice: Notice) -> None:
    """Without chat, the log is all we have; a post going out is no warning."""
    log.log(logging.INFO if isinstance(notice, Published) else logging.WARNING, "%s", notice)


class Worker:
    """Publishes at each due instant; passes never overlap within a worker, and stopping
    waits for the one in flight."""

    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        publishers: Publishers,
        notify: Notify = _log_only,
        warn_empty: Callable[[datetime], Awaitable[object]] | None = None,
        summarise: Callable[[datetime], Awaitable[object]] | None = None,
        dispatch: Callable[[], Awaitable[datetime | None]] | None = None,
        collect: Callable[[datetime], Awaitable[object]] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.publishers = publishers
        self.notify = notify
        self.warn_empty = warn_empty
        self.summarise = summarise
        self.dispatch = dispatch
        self.collect = collect  # reactions and views read back (jobs.engagement)
        self.name = worker_name()
        self.scheduler = AsyncIOScheduler(timezone=config.tz)
        self._pass_lock = asyncio.Lock()
        self._stopping = False
        self._titles: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Release held channels (a restart is how a new token takes effect), catch up on
        missed slots, then sweep now and every ``worker.sweep``."""
        released = await gateway_for(self.engine).run(channel_rows.release_holds)
        if released:
            log.info("channels no longer held: %s (they are tried again)", ", ".join(released))
        # How people know the channels, for the officers' notices: asked now, never waited on.
        self._titles = asyncio.create_task(
            channel_names.refresh(gateway_for(self.engine), self.config)
        )
        await self.catch_up()
        self.scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=self.config.sweep.total_seconds(), timezone=self.config.tz),
            id="sweep",
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
        )
        if self.warn_empty is not None:
            hour, minute = map(int, self.config.settings.cadence.warn_at.split(":"))
            self.scheduler.add_job(
                self._now,
                CronTrigger(hour=hour, minute=minute, timezone=self.config.tz),
                args=[self.warn_empty],
                id="warn-empty-slots",
                max_instances=1,
                misfire_grace_time=3600,
            )
        if self.summarise is not None:
            hour, minute = map(int, self.config.settings.cadence.summary_at.split(":"))
            self.scheduler.add_job(
                self._now,
                CronTrigger(day_of_week="mon", hour=hour, minute=minute, timezone=self.config.tz),
                args=[self.summarise],
                id="weekly-summary",
                max_instances=1,
                misfire_grace_time=6 * 3600,  # a worker that starts late on Monday still sends it
            )
        if self.collect is not None:
            self.scheduler.add_job(
                self._collect,
                IntervalTrigger(seconds=COLLECT_EVERY.total_seconds(), timezone=self.config.tz),
                id="collect-engagement",
                next_run_time=datetime.now(UTC),
                max_instances=1,
                coalesce=True,
            )
        self.scheduler.start()
        log.info(
            "worker %s started: a sweep every %gs", self.name, self.config.sweep.total_seconds()
        )

    async def _collect(self) -> None:
        assert self.collect is not None
        try:
            await self.collect(datetime.now(UTC))
        except Exception:  # a bug in reading metrics back must not stop publishing
            log.exception("engagement collection failed; tried again at the next run")

    @staticmethod
    async def _now(job: Callable[[datetime], Awaitable[object]]) -> None:
        """A job that takes the instant it runs at."""
        await job(datetime.now(UTC))

    async def stop(self) -> None:
        """Stop taking new work, let the pass in flight finish, then stop the scheduler."""
        self._stopping = True
        if self._titles is not None:
            self._titles.cancel()
        self.scheduler.pause()
        async with self._pass_lock:
            self.scheduler.shutdown(wait=False)

    async def catch_up(self) -> None:
        moved = await gateway_for(self.engine).run(
            scheduling.catch_up_after_downtime, self.config, now=datetime.now(UTC)
        )
        for m in moved:
            log.warning(
                "post %s on %s missed its slot %s while no worker ran; moved to %s",
                m.post_id,
                m.channel,
                format_local(m.missed, self.config.tz),
                format_local(m.moved_to, self.config.tz),
            )
        await self.deliver_events()

    async def deliver_events(self) -> None:
        """Deliver what the outbox holds; come back when a delivery waits for its retry."""
        if self.dispatch is None or self._stopping:
            return
        try:
            retry_at = await self.dispatch()
        except Exception:  # a bug or a database error: the events wait for the next pass
            log.exception("delivering events failed; they wait for the next pass")
            return
        if retry_at is not None and not self._stopping:
            self.scheduler.add_job(
                self.deliver_events,
                DateTrigger(run_date=max(retry_at, datetime.now(UTC)), timezone=self.config.tz),
                id="deliver-events",
                replace_existing=True,
                misfire_grace_time=None,
            )

    def schedule(self, _post_id: int, due: datetime) -> None:
        """Make sure a one-shot job fires at ``due`` (one job per distinct instant)."""
        if self._stopping:
            return
        if due <= datetime.now(UTC):  # due already: a pass right away, not at the next sweep
            self.scheduler.add_job(self.publish_pass, id="due-now", replace_existing=True)
            return
        self.scheduler.add_job(
            self.publish_pass,
            DateTrigger(run_date=due, timezone=self.config.tz),
            id=f"due-{due.timestamp():.6f}",
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never; claims prevent doubles
        )

    async def sync_jobs(self) -> None:
        dues = await gateway_for(self.engine).run(
            lambda s: publication_rows.upcoming_due_times(s, after=datetime.now(UTC))
        )
        for due in dues:
            self.schedule(0, due)

    async def sweep(self) -> None:
        await self.sync_jobs()
        await self.publish_pass()
        if not self._stopping:  # the sweep came round: `goodnews health` and /healthz see it
            await gateway_for(self.engine).run(beat, worker=self.name, now=datetime.now(UTC))

    async def publish_pass(self) -> PassReport | None:
        if self._stopping:
            return None
        async with self._pass_lock:
            report, sent = await one_pass(
                engine=self.engine,
                config=self.config,
                publishers=self.publishers,
                at=datetime.now(UTC),
                worker=self.name,
                notify=self.notify,
            )
        await self.deliver_events()
        if report.outcomes:
            log.info("published %d post(s)", len(report.posts))
        if sent.sent or sent.gone:
            log.info("followers: %d sent, %d gone", sent.sent, sent.gone)
        return report
