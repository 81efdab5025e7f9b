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
from bot.platforms.publishers import OutgoingPost, Photo, Publishers, PublishResult
from bot.services import queued
from bot.services.post_rules import as_draft
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


@dataclass
class PassReport:
    at: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    recovered: int = 0
    became_unknown: int = 0
    filled: list[tuple[int, str]] = field(default_factory=list)  # (post id, channel) from reserve
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
    report = PassReport(at=at)
    sender = _Sender(db, config, publishers, worker, report)
    await sender.write_unrecorded()  # before the lease check calls them "stopped while sending"
    report.recovered, unknown = await db.run(_recover)
    report.became_unknown = len(unknown)
    for publication in unknown:  # a person must check these: say so, like any other outcome
        notice = _notice_for(publication)
        assert notice is not None
        report.notices.append(notice)
        detail = publication.error or "outcome unknown"
        log.warning("post %s → %s: unknown %s", publication.post_id, publication.channel, detail)
        report.outcomes.append(
            Outcome(publication.post_id, publication.channel, PublicationStatus.UNKNOWN, detail)
        )
    report.filled = await db.run(lambda s: queued.fill_from_reserve(s, config, now=at))
    while True:

        def claim(session: Session) -> tuple[list[Publication], dict[int, OutgoingPost]]:
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
            return batch, {p.post_id: _outgoing(session, config, p.post_id) for p in batch}

        batch, posts = await db.run(claim)
        if not batch:
            return report
        for publication in batch:
            outcome = await sender.send(publication, posts[publication.post_id])
            if outcome is not None:
                report.outcomes.append(outcome)


def _recover(session: Session) -> tuple[int, list[Publication]]:
    """Expired claims: never started → scheduled again; started → unknown (and its post's
    status follows)."""
    recovered, unknown = publication_rows.recover_expired(session, now=datetime.now(UTC))
    for publication in unknown:
        post_rows.refresh_post(session, post_id=publication.post_id)
        notice = _notice_for(publication)
        assert notice is not None
        event_rows.record(session, notice=notice)
    return recovered, unknown


def _outgoing(session: Session, config: Config, post_id: int) -> OutgoingPost:
    """The post as publishers take it: its draft and its photos' files in ``media_dir``."""
    photos = tuple(
        Photo(path=config.media_dir / photo.path, mime=photo.mime)
        for photo in post_rows.post_photos(session, post_id=post_id)
    )
    draft = as_draft(post_rows.get_post(session, post_id=post_id))
    return OutgoingPost(id=post_id, draft=draft, photos=photos)


def _notice_for(publication: Publication) -> PublishFailed | OutcomeUnknown | None:
    """What a person must hear about a publication that ended failed or unknown (its error
    says why); None for any other state."""
    kinds: dict[PublicationStatus, type[PublishFailed | OutcomeUnknown]] = {
        PublicationStatus.FAILED: PublishFailed,
        PublicationStatus.UNKNOWN: OutcomeUnknown,
    }
    kind = kinds.get(publication.status)
    if kind is None:
        return None
    assert publication.id is not None
    return kind(
        publication.id,
        publication.post_id,
        publication.channel,
        publication.error or "",
        publication.attempts,
    )


@dataclass
class _Sender:
    db: Gateway
    config: Config
    publishers: Publishers
    worker: str
    report: PassReport
    held: set[str] = field(default_factory=set)

    async def send(self, publication: Publication, post: OutgoingPost) -> Outcome | None:
        """Mark sending, call the publisher, record the outcome; None if the claim was lost
        or its channel is held."""
        assert publication.id is not None
        publication_id = publication.id
        if publication.channel in self.held:  # held during this pass: do not even try
            await self.db.run(lambda s: publication_rows.unclaim(s, publication_id=publication_id))
            return None
        repeated = await self._repeated(publication)
        if repeated is not None:
            return repeated
        await self.publishers.ready(publication.channel)  # rate limit first, then `sending`
        if not await self.db.run(
            lambda s: publication_rows.mark_sending(
                s, publication_id=publication_id, worker=self.worker
            )
        ):
            return None  # our lease ran out and another worker recovered it
        status, detail, sent, retry_after, error = await self._call(publication.channel, post)
        if isinstance(error, NeedsAdminError):
            await self._hold(publication, error)
            return Outcome(post.id, publication.channel, PublicationStatus.SCHEDULED, detail)
        outcome = _Settled(publication, post.id, status, detail, sent, retry_after, error)
        for pause in (*WRITE_RETRIES, None):
            try:
                status, detail, notices = await self.db.run(self._settle, outcome)
                break
            except SQLAlchemyError as exc:  # the send happened: say what, not "worker stopped"
                if pause is None:
                    return self._unrecorded(outcome, exc)
                await asyncio.sleep(pause)  # a dropped connection, a locked file: try again
        self.report.notices.extend(notices)
        log.info("post %s → %s: %s %s", post.id, publication.channel, status.value, detail)
        return Outcome(post.id, publication.channel, status, detail)

    async def _repeated(self, publication: Publication) -> Outcome | None:
        """A post whose text went out on the channel in the last 30 days is held for a person:
        it ends failed, with the reason, and the admins hear it and may send it anyway (a
        publication sent again by a person, ``finished_at`` set, is not held)."""
        assert publication.id is not None
        if publication.finished_at is not None:
            return None
        publication_id, channel = publication.id, publication.channel
        since = datetime.now(UTC) - timedelta(days=duplicates.REPOST_WINDOW_DAYS)

        def hold(session: Session) -> str | None:
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
            finished = publication_rows.finish_publication(
                session,
                publication_id=publication_id,
                status=PublicationStatus.FAILED,
                external_id=None,
                error=detail,
            )
            notice = _notice_for(finished)
            assert notice is not None
            event_rows.record(session, notice=notice)  # a person settles it, from the outbox
            self.report.notices.append(notice)
            post_rows.refresh_post(session, post_id=publication.post_id)
            return detail

        detail = await self.db.run(hold)
        if detail is None:
            return None
        log.warning("post %s → %s: %s", publication.post_id, channel, detail)
        return Outcome(publication.post_id, channel, PublicationStatus.FAILED, detail)

    def _settle(
        self, session: Session, outcome: _Settled
    ) -> tuple[PublicationStatus, str, list[Notice]]:
        """Write a publication's outcome (or its retry), with the event a person must hear
        about in the same transaction: the status and detail to report, and the notices
        (kept until the write is committed)."""
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
            notice = _notice_for(finished)
            if notice is not None:  # a person settles it: said once, from the outbox
                event_rows.record(session, notice=notice)
                notices.append(notice)
        if post_rows.refresh_post(session, post_id=outcome.post_id).status is PostStatus.PUBLISHED:
            event_rows.record(session, notice=Published(outcome.post_id))  # its officer hears it
            notices.append(Published(outcome.post_id))
        return status, detail, notices

    async def write_unrecorded(self) -> None:
        """Outcomes an earlier pass could not write (the database refused): written now."""
        for publication_id, outcome in list(UNRECORDED.items()):
            status, detail, notices = await self.db.run(self._settle, outcome)
            del UNRECORDED[publication_id]
            self.report.notices.extend(notices)
            self.report.outcomes.append(
                Outcome(outcome.post_id, outcome.publication.channel, status, detail)
            )
            log.info(
                "post %s → %s: %s %s (recorded late)",
                outcome.post_id,
                outcome.publication.channel,
                status.value,
                detail,
            )

    def _unrecorded(self, outcome: _Settled, exc: SQLAlchemyError) -> Outcome:
        """The database refused the outcome of a request that did happen: say exactly what
        happened, and keep it to write on the next pass (before the lease makes it
        "stopped while sending", which it was not)."""
        assert outcome.publication.id is not None
        UNRECORDED[outcome.publication.id] = outcome
        log.error(
            "post %s → %s: %s %s, but the database refused to record it (%s); "
            "it is written at the next pass",
            outcome.post_id,
            outcome.publication.channel,
            outcome.status.value,
            outcome.detail,
            str(exc).splitlines()[0],
        )
        return Outcome(outcome.post_id, outcome.publication.channel, outcome.status, outcome.detail)

    async def _hold(self, publication: Publication, error: NeedsAdminError) -> None:
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

    async def _call(self, name: str, post: OutgoingPost) -> _Result:
        """(status, detail, what went out (if anything did), retry after seconds when it may
        be retried, the error when there was one)."""
        if name not in {c.name for c in self.config.channels}:
            detail = f"refused: channel {name} is no longer configured"
            return PublicationStatus.FAILED, detail, None, None, None
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
            return _status_after(exc), f"{exc.label}: {exc}", sent, wait, exc
        except Exception as exc:  # a bug in an adapter: we cannot know whether it went out
            log.exception("publisher for %s crashed on post %s", name, post.id)
            return PublicationStatus.UNKNOWN, f"outcome unknown: {exc!r}", None, None, None
        return PublicationStatus.SENT, result.external_id, result, None, None


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
    """What one request did, to be written."""

    publication: Publication
    post_id: int
    status: PublicationStatus
    detail: str
    sent: PublishResult | None
    retry_after: float | None
    error: PublishError | None


#: Pauses between tries at writing an outcome the database refused (seconds).
WRITE_RETRIES = (0.2, 0.5, 1.0, 2.0)
#: Outcomes of requests that happened but could not be written, by publication id: the
#: next pass of this process writes them first.
UNRECORDED: dict[int, _Settled] = {}

_Result = tuple[PublicationStatus, str, PublishResult | None, float | None, PublishError | None]


def backoff(attempt: int, retry_after: float) -> float:
    """Seconds before the next attempt: what the platform asked for, else exponential from
    5 s (5, 10, 20, ... up to 15 min), plus up to 10% jitter so workers do not retry in step."""
    base = retry_after if retry_after > 0 else min(900.0, 5.0 * 2 ** (attempt - 1))
    return base * (1 + random.uniform(0, 0.1))
