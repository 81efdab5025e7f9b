"""One publishing pass: every post due by an instant goes to every configured channel, once.

Order of writes, so that no outcome is ever lost and nothing is sent twice:
1. the post is claimed (scheduled → publishing) in its own committed transaction;
2. per channel, a publication row is written as ``claimed`` and committed *before* the call;
3. the outcome (sent / failed / unknown) is written after the call.
A crash between 2 and 3 leaves a ``claimed`` row: that channel is never sent again silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.actions import as_draft
from bot.config import ChannelConfig, Config
from bot.domain.errors import PublishError, UnknownOutcomeError
from bot.domain.posts import PublicationStatus, post_status_after
from bot.publishers import OutgoingPost, Publishers
from bot.storage import repo
from bot.storage.db import session_scope

log = logging.getLogger(__name__)


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

    @property
    def posts(self) -> set[int]:
        return {o.post_id for o in self.outcomes}


async def publish_due(
    *, engine: Engine, config: Config, publishers: Publishers, at: datetime
) -> PassReport:
    """Publish every scheduled post whose slot is at or before ``at``."""
    report = PassReport(at=at)
    with session_scope(engine) as session:
        due = repo.due_post_ids(session, at=at)
    for post_id in due:
        await publish_post(
            engine=engine, config=config, publishers=publishers, post_id=post_id, report=report
        )
    return report


async def publish_post(
    *, engine: Engine, config: Config, publishers: Publishers, post_id: int, report: PassReport
) -> None:
    with session_scope(engine) as session:
        if not repo.claim_post(session, post_id=post_id):
            return  # another worker or pass has it
        outgoing = OutgoingPost(id=post_id, draft=as_draft(repo.get_post(session, post_id=post_id)))
    for channel in config.channels:
        outcome = await _publish_to(engine, publishers, outgoing, channel)
        if outcome is not None:
            report.outcomes.append(outcome)
    with session_scope(engine) as session:
        post = repo.get_post(session, post_id=post_id)
        statuses = [p.status for p in repo.publications(session, post_id=post_id)]
        repo.set_post_status(session, post=post, status=post_status_after(statuses))


async def _publish_to(
    engine: Engine, publishers: Publishers, post: OutgoingPost, channel: ChannelConfig
) -> Outcome | None:
    with session_scope(engine) as session:
        claim = repo.claim_publication(session, post_id=post.id, channel=channel.name)
    if claim is None or claim.id is None:
        return None  # this channel already has an outcome for this post
    status, detail, external_id = PublicationStatus.SENT, "", None
    try:
        result = await publishers.for_channel(channel).publish(post, channel)
        external_id = detail = result.external_id
    except UnknownOutcomeError as exc:
        status, detail = PublicationStatus.UNKNOWN, f"{exc.label}: {exc}"
    except PublishError as exc:
        status, detail = PublicationStatus.FAILED, f"{exc.label}: {exc}"
    except Exception as exc:  # a bug in an adapter: we cannot know whether it went out
        log.exception("publisher for %s crashed on post %s", channel.name, post.id)
        status, detail = PublicationStatus.UNKNOWN, f"{type(exc).__name__}: {exc}"
    with session_scope(engine) as session:
        repo.finish_publication(
            session,
            publication_id=claim.id,
            status=status,
            external_id=external_id,
            error=None if status is PublicationStatus.SENT else detail,
        )
    log.info("post %s → %s: %s %s", post.id, channel.name, status.value, detail)
    return Outcome(post.id, channel.name, status, detail)
