"""Post kinds and states, and which transitions between states are allowed."""

from __future__ import annotations

from enum import StrEnum


class PostKind(StrEnum):
    """The two promises: a daily good news and a weekly beautiful story."""

    DAILY = "daily"
    WEEKLY = "weekly"


class PostStatus(StrEnum):
    """Life of a post.

    pending → scheduled → publishing → published | failed | unknown;
    pending | scheduled → rejected (the admins' no) | cancelled (withdrawn by a person);
    published → retracted (taken down from every channel it went out on).
    """

    PENDING = "pending"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RETRACTED = "retracted"


class PublicationStatus(StrEnum):
    """Life of one post on one channel; each step is committed before the next begins.

    scheduled → claimed (a worker holds it under a lease) → sending (written just before the
    network call) → sent | failed | unknown. A scheduled publication may also be cancelled
    (post rejected or unapproved); a sent one retracted (taken down). An expired lease puts
    ``claimed`` back to ``scheduled`` (nothing was sent) but turns ``sending`` into
    ``unknown`` (it may have gone out).
    """

    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    RETRACTED = "retracted"


#: Publication states that hold their slot on the channel.
HOLDS_SLOT = frozenset(
    {
        PublicationStatus.SCHEDULED,
        PublicationStatus.CLAIMED,
        PublicationStatus.SENDING,
        PublicationStatus.SENT,
    }
)
#: Publication states in which a worker is, or may be, acting on it.
IN_FLIGHT = frozenset({PublicationStatus.CLAIMED, PublicationStatus.SENDING})


#: A post in these states was approved: it features its unit (at its slot), and its recap
#: is kept.
FEATURING = frozenset(
    {
        PostStatus.SCHEDULED,
        PostStatus.PUBLISHING,
        PostStatus.PUBLISHED,
        PostStatus.FAILED,
        PostStatus.UNKNOWN,
    }
)
#: Statuses shown by ``goodnews queue`` without ``--all``.
OPEN_STATUSES = frozenset({PostStatus.PENDING, PostStatus.SCHEDULED, PostStatus.PUBLISHING})

#: Statuses in which a post may be approved; approving a scheduled post again is harmless.
APPROVABLE = frozenset({PostStatus.PENDING, PostStatus.SCHEDULED})

#: Statuses in which a post may be rejected.
REJECTABLE = frozenset({PostStatus.PENDING, PostStatus.SCHEDULED})

#: Statuses in which a post may be cancelled or edited before it goes out.
CHANGEABLE = frozenset({PostStatus.PENDING, PostStatus.SCHEDULED})

#: Statuses a post's publications no longer decide (see ``post_status_after``).
SETTLED_BY_PERSON = frozenset(
    {PostStatus.PENDING, PostStatus.REJECTED, PostStatus.CANCELLED, PostStatus.RETRACTED}
)

#: Statuses of a post that went out somewhere, so that it may be corrected or retracted.
WENT_OUT = frozenset({PostStatus.PUBLISHED, PostStatus.FAILED, PostStatus.UNKNOWN})


def post_status_after(publications: list[PublicationStatus]) -> PostStatus:
    """A scheduled post's status, derived from its publications.

    Still waiting anywhere: scheduled (none started) or publishing. Once every channel has
    an outcome, an unknown outranks a failure: it needs a person to say whether it went out.
    """
    live = [p for p in publications if p is not PublicationStatus.CANCELLED]
    waiting = [p for p in live if p is PublicationStatus.SCHEDULED or p in IN_FLIGHT]
    if waiting:
        started = len(waiting) < len(live) or any(p in IN_FLIGHT for p in waiting)
        return PostStatus.PUBLISHING if started else PostStatus.SCHEDULED
    if any(p is PublicationStatus.UNKNOWN for p in live):
        return PostStatus.UNKNOWN
    if any(p is PublicationStatus.FAILED for p in live):
        return PostStatus.FAILED
    return PostStatus.PUBLISHED
