"""The followers' broadcast: each published post, once, to every follower's private chat.

Deliveries are rows written before any message is sent and claimed like publications, so a
restart resumes where the broadcast stopped and nobody gets the same update twice; a 429
waits its ``retry_after``; a follower who blocked the bot (403) is marked as gone and the
broadcast goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Config
from bot.domain.errors import PublishError, RecipientGoneError, RetryableError, UnknownOutcomeError
from bot.platforms.publishers import OutgoingPost, Publishers
from bot.services import following
from bot.services.post_detail import outgoing
from bot.services.views import DeliveryView
from bot.storage import follower_rows, post_rows
from bot.storage.gateway import Gateway, gateway_for

if TYPE_CHECKING:  # python-telegram-bot loads only when there is someone to message
    from bot.platforms.telegram.dm import DirectMessenger

log = logging.getLogger(__name__)

BATCH = 50
#: Posts published longer ago than this are not sent to followers (a bot that was off for
#: a week does not flood them with old news when it comes back).
FRESH_FOR = timedelta(days=1)


@dataclass
class BroadcastReport:
    created: int = 0
    sent: int = 0
    gone: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def finished(self) -> int:
        """Deliveries this run settled (a retry waiting is not settled)."""
        return self.sent + self.gone + self.failed

    def count(self, status: str) -> None:
        if status == "sent":
            self.sent += 1
        elif status == "blocked":
            self.gone += 1
        elif status == "pending":
            self.retried += 1
        else:
            self.failed += 1


async def broadcast_due(
    *,
    engine: Engine,
    config: Config,
    publishers: Publishers,
    worker: str,
    limit: int | None = None,
) -> BroadcastReport:
    """Open broadcasts for newly published posts and send what is ready (``limit``: stop
    after that many sends, as a crash would)."""
    report = BroadcastReport()
    messenger = publishers.direct
    if messenger is None:
        return report  # no bot token: followers are reached only through channels
    db = gateway_for(engine)
    report.created = await db.run(_open)
    sender = _DeliverySender(db, config, messenger, worker, report)
    posts: dict[int, OutgoingPost] = {}
    while limit is None or report.finished < limit:
        size = BATCH if limit is None else min(BATCH, limit - report.finished)

        def claim(session: Session, size: int = size) -> list[DeliveryView]:
            now = datetime.now(UTC)
            batch = follower_rows.claim_deliveries(
                session, worker=worker, now=now, lease_until=now + config.lease, limit=size
            )
            for delivery in batch:
                if delivery.post_id not in posts:  # with its photos, as the channel got it
                    post = post_rows.get_post(session, post_id=delivery.post_id)
                    posts[delivery.post_id] = outgoing(session, config, post)
            return [DeliveryView.of(delivery) for delivery in batch]

        batch = await db.run(claim)
        if not batch:
            return report
        for delivery in batch:
            await sender.deliver(delivery, posts[delivery.post_id])
    return report


def _open(session: Session) -> int:
    """Expired claims settle; broadcasts open for posts newly published."""
    now = datetime.now(UTC)
    follower_rows.expire_deliveries(session, now=now)
    return follower_rows.open_broadcasts(session, published_since=now - FRESH_FOR)


@dataclass(frozen=True)
class _DeliverySender:
    """Sends claimed deliveries, one at a time, as ``worker``, counting how they end."""

    db: Gateway
    config: Config
    messenger: DirectMessenger
    worker: str
    report: BroadcastReport

    async def deliver(self, delivery: DeliveryView, post: OutgoingPost) -> None:
        """Mark it sending, send it, write how it ended (nothing if the claim was lost)."""
        assert delivery.id is not None
        await self.messenger.pacer.reserve()  # the rate limit (and a 429's pause) before `sending`
        lease_until = datetime.now(UTC) + self.config.lease
        if not await self.db.run(
            follower_rows.mark_delivery_sending,
            delivery_id=delivery.id,
            worker=self.worker,
            lease_until=lease_until,
        ):
            return  # our lease ran out and the claim went back to the queue
        status, error, retry_at = "sent", None, None
        try:
            await self.messenger.send(delivery.chat_id, post)
        except PublishError as exc:
            error = str(exc)[:500]
            attempts = delivery.attempts + 1  # counted when it was marked sending
            status = _status_after(exc, attempts, self.config.settings.worker.max_attempts)
            if status == "pending":
                retry_at = datetime.now(UTC) + timedelta(seconds=exc.retry_after or 5.0)
        self.report.count(status)
        await self.db.run(
            following.finish_delivery,
            chat_id=delivery.chat_id,
            delivery_id=delivery.id,
            status=status,
            error=error,
            retry_at=retry_at,
        )


def _status_after(exc: PublishError, attempts: int, max_attempts: int) -> str:
    """A delivery's state after a failed send: the follower is gone, try again, or stop."""
    if isinstance(exc, RecipientGoneError):
        return "blocked"
    if isinstance(exc, RetryableError) and attempts < max_attempts:
        return "pending"
    if isinstance(exc, UnknownOutcomeError):
        return "unknown"
    return "failed"
