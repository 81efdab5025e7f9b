"""What admins do about a publication's outcome: send a failed one again, confirm an
unknown one went out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.errors import N_
from bot.domain.posts import PublicationStatus
from bot.services.post_rules import refused_publication
from bot.services.views import PublicationView
from bot.storage import audit_rows, post_rows, publication_rows


@dataclass(frozen=True)
class Settled:
    """What became of a publication an admin acted on; ``changed`` False: already done."""

    publication: PublicationView
    changed: bool


_ON_ITS_WAY = frozenset(
    {
        PublicationStatus.SCHEDULED,
        PublicationStatus.CLAIMED,
        PublicationStatus.SENDING,
        PublicationStatus.SENT,
    }
)


def retry_publication(
    session: Session, *, publication_id: int, by: int | None, now: datetime
) -> Settled:
    """Retry, or send again: a failed publication (or an unknown one, once a person has
    checked it did not go out) is sent at the next pass, with its attempts reset."""
    publication = publication_rows.get_publication(
        session, publication_id=publication_id, for_update=True
    )
    if publication.status in _ON_ITS_WAY:  # another admin's press got there first
        return Settled(PublicationView.of(publication), changed=False)
    if publication.status not in (PublicationStatus.FAILED, PublicationStatus.UNKNOWN):
        raise refused_publication(
            publication, N_("post {post_id} is {status} on {channel}; it cannot be sent again")
        )
    before = publication.status.value
    publication.status, publication.due_at, publication.pinned = (
        PublicationStatus.SCHEDULED,
        now,
        True,  # an instant, not a slot: the slot it missed may have another post by now
    )
    publication.attempts, publication.retry_at, publication.error = 0, None, None
    publication.claimed_by = publication.lease_until = None
    session.add(publication)
    session.flush()
    post_rows.refresh_post(session, post_id=publication.post_id)
    audit_rows.audit(
        session,
        actor=by,
        action="retry" if before == "failed" else "send-again",
        post_id=publication.post_id,
        before=before,
        after="scheduled",
        detail=publication.channel,
    )
    return Settled(PublicationView.of(publication), changed=True)


def confirm_sent(
    session: Session, *, publication_id: int, by: int | None, now: datetime
) -> Settled:
    """A person checked the channel: the publication whose outcome was unknown went out."""
    publication = publication_rows.get_publication(
        session, publication_id=publication_id, for_update=True
    )
    if publication.status is PublicationStatus.SENT:
        return Settled(PublicationView.of(publication), changed=False)
    if publication.status is not PublicationStatus.UNKNOWN:
        raise refused_publication(
            publication,
            N_("post {post_id} is {status} on {channel}; only an unknown outcome can be confirmed"),
        )
    publication.status, publication.finished_at = PublicationStatus.SENT, now
    publication.error = f"confirmed by {by}" if by is not None else "confirmed"
    session.add(publication)
    session.flush()
    post_rows.refresh_post(session, post_id=publication.post_id)
    audit_rows.audit(
        session,
        actor=by,
        action="confirm-sent",
        post_id=publication.post_id,
        before="unknown",
        after="sent",
        detail=publication.channel,
    )
    return Settled(PublicationView.of(publication), changed=True)
