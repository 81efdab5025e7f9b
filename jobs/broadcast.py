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

from sqlalchemy.engine import Engine

from bot.actions import as_draft
from bot.config import Config
from bot.domain.errors import PublishError, RecipientGoneError, RetryableError, UnknownOutcomeError
from bot.publishers import OutgoingPost, Publishers
from bot.publishers.telegram_dm import DirectMessenger
from bot.storage import repo
from bot.storage.db import session_scope
from bot.storage.models import Delivery

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
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        repo.expire_deliveries(session, now=now)
        report.created = repo.open_broadcasts(session, published_since=now - FRESH_FOR)
    posts: dict[int, OutgoingPost] = {}
    while limit is None or report.finished < limit:
        now = datetime.now(UTC)
        size = BATCH if limit is None else min(BATCH, limit - report.finished)
        with session_scope(engine) as session:
            batch = repo.claim_deliveries(
                session, worker=worker, now=now, lease_until=now + config.lease, limit=size
            )
            for delivery in batch:
                if delivery.post_id not in posts:
                    post = repo.get_post(session, post_id=delivery.post_id)
                    posts[delivery.post_id] = OutgoingPost(
                        id=delivery.post_id, draft=as_draft(post)
                    )
        if not batch:
            return report
        for delivery in batch:
            await _deliver(
                engine=engine,
                config=config,
                messenger=messenger,
                delivery=delivery,
                post=posts[delivery.post_id],
                report=report,
                worker=worker,
            )
    return report


async def _deliver(
    *,
    engine: Engine,
    config: Config,
    messenger: DirectMessenger,
    delivery: Delivery,
    post: OutgoingPost,
    report: BroadcastReport,
    worker: str,
) -> None:
    assert delivery.id is not None
    await messenger.pacer.reserve()  # the rate limit (and a 429's pause) before `sending`
    with session_scope(engine) as session:
        lease_until = datetime.now(UTC) + config.lease
        if not repo.mark_delivery_sending(
            session, delivery_id=delivery.id, worker=worker, lease_until=lease_until
        ):
            return  # our lease ran out and the claim went back to the queue
    status, error, retry_at = "sent", None, None
    try:
        await messenger.send(delivery.chat_id, post)
    except PublishError as exc:
        error = str(exc)[:500]
        attempts = delivery.attempts + 1  # counted when it was marked sending
        status = _status_after(exc, attempts, config.settings.worker.max_attempts)
        if status == "pending":
            retry_at = datetime.now(UTC) + timedelta(seconds=exc.retry_after or 5.0)
    report.count(status)
    with session_scope(engine) as session:
        repo.finish_delivery(
            session, delivery_id=delivery.id, status=status, error=error, retry_at=retry_at
        )
        if status == "blocked":
            repo.unsubscribe(session, chat_id=delivery.chat_id, reason="blocked the bot")


def _status_after(exc: PublishError, attempts: int, max_attempts: int) -> str:
    """A delivery's state after a failed send: the follower is gone, try again, or stop."""
    if isinstance(exc, RecipientGoneError):
        return "blocked"
    if isinstance(exc, RetryableError) and attempts < max_attempts:
        return "pending"
    if isinstance(exc, UnknownOutcomeError):
        return "unknown"
    return "failed"
