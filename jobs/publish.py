"""One publishing pass: every publication due by an instant goes out once, on any number of
workers at the same time.

The order of writes, each committed before the next step, is what makes it exactly-once:
1. expired claims are recovered: never started → scheduled again; started → ``unknown``;
2. a batch of due publications is claimed under a lease (``SKIP LOCKED`` on PostgreSQL,
   ``BEGIN IMMEDIATE`` on SQLite), so two workers never hold the same row;
3. each one is marked ``sending`` just before the network call;
4. the outcome (sent / failed / unknown) is written after it.
A crash after 3 leaves ``sending``: once the lease runs out it becomes ``unknown`` and a
person decides; it is never sent again silently.

When a channel's credentials or permissions fail (an expired Page token, the bot removed
from the channel), the channel is *held*: its publications go back to ``scheduled`` and
wait, untouched, until the worker restarts or ``goodnews check`` passes. The admins are
told once per hold, not once per post. Everything a person must hear about comes back in
``PassReport.notices``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.config import Config
from bot.domain import duplicates
from bot.domain.errors import (
    AlreadyPublishedError,
    CredentialsError,
    NeedsAdminError,
    PublishError,
    RetryableError,
    UnknownOutcomeError,
)
from bot.domain.notices import ChannelHeld, Notice, OutcomeUnknown, Published, PublishFailed
from bot.domain.posts import PostStatus, PublicationStatus
from bot.platforms.publishers import OutgoingPost, Publishers, PublishResult
from bot.services import queued
from bot.services.post_detail import outgoing
from bot.services.views import PublicationView
from bot.storage import channel_rows, event_rows, post_rows, publication_rows
from bot.storage.gateway import Gateway, gateway_for
from bot.storage.models import Publication

log = logging.getLogger(__name__)

BATCH = 50


def worker_name() -> str:
    """Who holds a claim, for people reading the database: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Outcome:
    post_id: int
    channel: str
    status: PublicationStatus
    detail: str  # external id, or the error

    def __str__(self) -> str:
        """How the log says it."""
        return f"post {self.post_id} → {self.channel}: {self.status.value} {self.detail}"


@dataclass
class PassReport:
    outcomes: list[Outcome] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def posts(self) -> set[int]:
        return {o.post_id for o in self.outcomes}


async def publish_due(
    *,
    engine: Engine,
    config: Config,
    publishers: Publishers,
    at: datetime,
    worker: str | None = None,
) -> PassReport:
    """Publish every scheduled publication due at or before ``at``, in batches.

    Leases are measured on the real clock, whatever ``at`` says, so ``tick --at`` in the
    future never steals a live worker's claim.
    """
    worker, db = worker or worker_name(), gateway_for(engine)
    report = PassReport()
    sender = _Sender(db, config, publishers, worker, report)
    await sender.write_unrecorded()  # before the lease check calls them "stopped while sending"
    unknown, notices = await db.run(_recover)
    report.notices.extend(notices)
    for publication in unknown:  # a person must check these: say so, like any other outcome
        detail = publication.error or "outcome unknown"
        said = Outcome(publication.post_id, publication.channel, publication.status, detail)
        log.warning("%s", said)
        report.outcomes.append(said)
    await db.run(queued.fill_from_reserve, config, now=at)  # slots that would go empty
    while True:

        def claim(session: Session) -> tuple[list[PublicationView], dict[int, OutgoingPost]]:
            now = datetime.now(UTC)
            batch = publication_rows.claim_due(
                session,
                worker=worker,
                due_by=at,
                now=now,
                lease_until=now + config.lease,
                limit=BATCH,
                skip_channels=channel_rows.paused_channels(session)
                | set(channel_rows.held_channels(session)),
            )
            return [PublicationView.of(p) for p in batch], {
                p.post_id: outgoing(session, config, post_rows.get_post(session, post_id=p.post_id))
                for p in batch
            }

        batch, posts = await db.run(claim)
        if not batch:
            return report
        for publication in batch:
            outcome = await sender.send(publication, posts[publication.post_id])
            if outcome is not None:
                report.outcomes.append(outcome)


def _recover(session: Session) -> tuple[list[PublicationView], list[Notice]]:
    """Expired claims: never started → scheduled again; started → unknown (its post's
    status follows, and a person hears it)."""
    _, unknown = publication_rows.recover_expired(session, now=datetime.now(UTC))
    notices: list[Notice] = []
    for publication in unknown:
        post_rows.refresh_post(session, post_id=publication.post_id)
        notices += _told(session, publication)
    return [PublicationView.of(p) for p in unknown], notices


def _told(session: Session, publication: Publication) -> list[Notice]:
    """What a person must hear about a publication that ended failed or unknown (its error
    says why), recorded in the outbox: a person settles it, told once. Nothing for any other
    state."""
    kinds: dict[PublicationStatus, type[PublishFailed | OutcomeUnknown]] = {
        PublicationStatus.FAILED: PublishFailed,
        PublicationStatus.UNKNOWN: OutcomeUnknown,
    }
    kind = kinds.get(publication.status)
    if kind is None:
        return []
    assert publication.id is not None
    notice = kind(
        publication.id,
        publication.post_id,
        publication.channel,
        publication.error or "",
        publication.attempts,
    )
    event_rows.record(session, notice=notice)
    return [notice]


@dataclass
class _Sender:
    db: Gateway
    config: Config
    publishers: Publishers
    worker: str
    report: PassReport
    held: set[str] = field(default_factory=set)

    async def send(self, publication: PublicationView, post: OutgoingPost) -> Outcome | None:
        """Mark sending, call the publisher, record the outcome; None if the claim was lost
        or its channel is held."""
        assert publication.id is not None
        if publication.channel in self.held:  # held during this pass: do not even try
            await self.db.run(publication_rows.unclaim, publication_id=publication.id)
            return None
        repeated = await self._repeated(publication)
        if repeated is not None:
            return repeated
        await self.publishers.ready(publication.channel)  # rate limit first, then `sending`
        if not await self.db.run(
            publication_rows.mark_sending, publication_id=publication.id, worker=self.worker
        ):
            return None  # our lease ran out and another worker recovered it
        outcome = await self._call(publication, post)
        if isinstance(outcome.error, NeedsAdminError):
            return await self._hold(publication, outcome.error)
        for pause in (*WRITE_RETRIES, None):
            try:
                said, notices = await self.db.run(self._settle, outcome)
                break
            except SQLAlchemyError as exc:  # the send happened: say what, not "worker stopped"
                if pause is None:
                    return self._unrecorded(outcome, exc)
                await asyncio.sleep(pause)  # a dropped connection, a locked file: try again
        self.report.notices.extend(notices)
        log.info("%s", said)
        return said

    async def _repeated(self, publication: PublicationView) -> Outcome | None:
        """A post whose text went out on the channel in the last 30 days is held for a person:
        it ends failed, with the reason, and the admins hear it and may send it anyway (a
        publication sent again by a person, ``finished_at`` set, is not held)."""
        if publication.finished_at is not None:
            return None
        channel = publication.channel
        since = datetime.now(UTC) - timedelta(days=duplicates.REPOST_WINDOW_DAYS)

        def hold(session: Session) -> tuple[Outcome, list[Notice]] | None:
            post = post_rows.get_post(session, post_id=publication.post_id)
            earlier = publication_rows.repeated_publication(
                session, post=post, channel=channel, since=since
            )
            if earlier is None:
                return None
            detail = (
                f"held: the same text as post {earlier[0]}, published on {channel} "
                f"at {earlier[1]:%Y-%m-%d %H:%M} UTC; send it again to publish it anyway"
            )
            return self._settle(session, _Settled(publication, PublicationStatus.FAILED, detail))

        held = await self.db.run(hold)
        if held is None:
            return None
        said, notices = held
        self.report.notices.extend(notices)
        log.warning("post %s → %s: %s", said.post_id, channel, said.detail)
        return said

    def _settle(self, session: Session, outcome: _Settled) -> tuple[Outcome, list[Notice]]:
        """Write a publication's outcome (or its retry), with the event a person must hear
        about in the same transaction: the outcome to report, and the notices (kept until
        the write is committed)."""
        publication, status, detail = outcome.publication, outcome.status, outcome.detail
        assert publication.id is not None
        notices: list[Notice] = []
        attempt = publication.attempts + 1
        retry_after = outcome.retry_after
        if retry_after is not None and attempt < self.config.settings.worker.max_attempts:
            retry_at = datetime.now(UTC) + timedelta(seconds=backoff(attempt, retry_after))
            publication_rows.retry_later(
                session, publication_id=publication.id, retry_at=retry_at, error=detail
            )
            status = PublicationStatus.SCHEDULED
            detail = f"{detail} (attempt {attempt}; next at {retry_at:%H:%M:%S} UTC)"
        else:
            finished = publication_rows.finish_publication(
                session,
                publication_id=publication.id,
                status=status,
                external_id=outcome.sent.external_id if outcome.sent else None,
                parts=outcome.sent.parts if outcome.sent else (),
                error=None if status is PublicationStatus.SENT and not outcome.error else detail,
            )
            notices = _told(session, finished)
        post_id = publication.post_id
        if post_rows.refresh_post(session, post_id=post_id).status is PostStatus.PUBLISHED:
            event_rows.record(session, notice=Published(post_id))  # its officer hears it
            notices.append(Published(post_id))
        return Outcome(post_id, publication.channel, status, detail), notices

    async def write_unrecorded(self) -> None:
        """Outcomes an earlier pass could not write (the database refused): written now."""
        for publication_id, outcome in list(UNRECORDED.items()):
            said, notices = await self.db.run(self._settle, outcome)
            del UNRECORDED[publication_id]
            self.report.notices.extend(notices)
            self.report.outcomes.append(said)
            log.info("%s (recorded late)", said)

    def _unrecorded(self, outcome: _Settled, exc: SQLAlchemyError) -> Outcome:
        """The database refused the outcome of a request that did happen: say exactly what
        happened, and keep it to write on the next pass (before the lease makes it
        "stopped while sending", which it was not)."""
        publication = outcome.publication
        assert publication.id is not None
        UNRECORDED[publication.id] = outcome
        said = Outcome(publication.post_id, publication.channel, outcome.status, outcome.detail)
        log.error(
            "%s, but the database refused to record it (%s); it is written at the next pass",
            said,
            str(exc).splitlines()[0],
        )
        return said

    async def _hold(self, publication: PublicationView, error: NeedsAdminError) -> Outcome:
        """The channel needs a person: hold it; this publication waits as if never tried."""
        assert publication.id is not None
        publication_id, reason = publication.id, f"{error.label}: {error}"
        now = datetime.now(UTC)
        channel = self.config.channel(publication.channel)

        def hold(session: Session) -> ChannelHeld:
            publication_rows.unclaim(session, publication_id=publication_id, error=reason)
            since = channel_rows.hold_channel(
                session, channel=publication.channel, reason=reason, now=now
            )
            expired = isinstance(error, CredentialsError)
            notice = ChannelHeld(channel.name, channel.type, reason, since, token_expired=expired)
            event_rows.record(session, notice=notice)
            return notice

        self.report.notices.append(await self.db.run(hold))
        self.held.add(publication.channel)
        log.warning("channel %s held until a person acts: %s", channel.name, reason)
        return Outcome(
            publication.post_id, publication.channel, PublicationStatus.SCHEDULED, reason
        )

    async def _call(self, publication: PublicationView, post: OutgoingPost) -> _Settled:
        """What the request did, to be written."""
        name = publication.channel
        if name not in {c.name for c in self.config.channels}:
            detail = f"refused: channel {name} is no longer configured"
            return _Settled(publication, PublicationStatus.FAILED, detail)
        channel = self.config.channel(name)
        try:
            result = await self.publishers.for_channel(channel).publish(post, channel)
        except PublishError as exc:
            wait = None
            if isinstance(exc, RetryableError):
                wait = exc.retry_after if exc.retry_after is not None else 0.0
            # An unknown outcome keeps what did go out, if the platform said (an album's id).
            sent = None
            if exc.external_id is not None:
                sent = PublishResult(external_id=exc.external_id, parts=exc.parts)
            return _Settled(publication, _status_after(exc), f"{exc.label}: {exc}", sent, wait, exc)
        except Exception as exc:  # a bug in an adapter: we cannot know whether it went out
            log.exception("publisher for %s crashed on post %s", name, post.id)
            return _Settled(publication, PublicationStatus.UNKNOWN, f"outcome unknown: {exc!r}")
        return _Settled(publication, PublicationStatus.SENT, result.external_id, result)


def _status_after(exc: PublishError) -> PublicationStatus:
    """Already there (Graph #506: an earlier attempt went out after all) counts as sent;
    maybe there is unknown; anything else failed (retried first when retryable)."""
    if isinstance(exc, AlreadyPublishedError):
        return PublicationStatus.SENT
    if isinstance(exc, UnknownOutcomeError):
        return PublicationStatus.UNKNOWN
    return PublicationStatus.FAILED


@dataclass(frozen=True)
class _Settled:
    """What one request did, to be written: its status and detail, what went out (if
    anything did), seconds to wait when it may be retried, and the error if there was one."""

    publication: PublicationView
    status: PublicationStatus
    detail: str
    sent: PublishResult | None = None
    retry_after: float | None = None
    error: PublishError | None = None


#: Pauses between tries at writing an outcome the database refused (seconds).
WRITE_RETRIES = (0.2, 0.5, 1.0, 2.0)
#: Outcomes of requests that happened but could not be written, by publication id: the
#: next pass of this process writes them first.
UNRECORDED: dict[int, _Settled] = {}


def backoff(attempt: int, retry_after: float) -> float:
    """Seconds before the next attempt: what the platform asked for, else exponential from
    5 s (5, 10, 20, ... up to 15 min), plus up to 10% jitter so workers do not retry in step."""
    base = retry_after if retry_after > 0 else min(900.0, 5.0 * 2 ** (attempt - 1))
    return base * (1 + random.uniform(0, 0.1))
