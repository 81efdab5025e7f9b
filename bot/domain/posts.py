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
    pending | scheduled → rejected.
    """

    PENDING = "pending"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    REJECTED = "rejected"


class PublicationStatus(StrEnum):
    """Life of one post on one channel: written before the network call, so nothing is lost."""

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"


#: Statuses shown by ``goodnews queue`` without ``--all``.
OPEN_STATUSES = frozenset({PostStatus.PENDING, PostStatus.SCHEDULED, PostStatus.PUBLISHING})

#: Statuses in which a post may be approved; approving a scheduled post again is harmless.
APPROVABLE = frozenset({PostStatus.PENDING, PostStatus.SCHEDULED})

#: Statuses in which a post may be rejected.
REJECTABLE = frozenset({PostStatus.PENDING, PostStatus.SCHEDULED})


def post_status_after(publications: list[PublicationStatus]) -> PostStatus:
    """The post's status once every channel has an outcome.

    An unknown outcome outranks a failure: it needs a person to say whether it went out.
    """
    if any(p is PublicationStatus.UNKNOWN for p in publications):
        return PostStatus.UNKNOWN
    if any(p is PublicationStatus.FAILED for p in publications):
        return PostStatus.FAILED
    if any(p is PublicationStatus.CLAIMED for p in publications):
        return PostStatus.PUBLISHING
    return PostStatus.PUBLISHED
