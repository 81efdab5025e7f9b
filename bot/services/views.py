"""Plain, immutable views of stored rows, for what a service hands back: no live row, no
session behind it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Self

from bot.domain.posts import PostKind, PostStatus, PublicationStatus


class _View:
    @classmethod
    def of(cls, row: Any) -> Self:
        """The view of a row: its columns as they are now."""
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class PostView(_View):
    id: int
    kind: PostKind
    status: PostStatus
    title: str
    body: str
    link: str | None
    hashtags: str
    recap_id: int | None
    channels: str | None
    unit: str | None
    audience: str | None
    #: The fair rotation's reason for choosing its recap (see the Post model).
    rotation_waiting: int | None
    rotation_last_featured: datetime | None
    slot: datetime | None
    pinned_at: datetime | None
    reserve: bool
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime
    #: :mod:`bot.domain.tone`'s verdict on its recap (None: stored before tone was judged)
    #: and its reasons, one a line.
    tone: str | None
    tone_reasons: str
    #: Optional rewriting: the extractive body while ``body`` is the rewrite, and why.
    extractive_body: str | None
    rewrite_note: str | None


@dataclass(frozen=True)
class PublicationView(_View):
    id: int
    post_id: int
    channel: str
    kind: PostKind
    status: PublicationStatus
    due_at: datetime | None
    attempts: int
    external_id: str | None
    error: str | None
    finished_at: datetime | None


@dataclass(frozen=True)
class RecapView(_View):
    id: int
    title: str
    unit: str | None
    source_url: str | None
    source_name: str | None
    submitted_by: int | None
    tone: str | None
    tone_reasons: str
    tone_mixed: bool
    #: The earlier recap this one tells the story of again (a near-duplicate), if any.
    duplicate_of: int | None
    created_at: datetime


@dataclass(frozen=True)
class AuditView(_View):
    """One change from the audit log; ``actor`` None: the CLI or the bot itself."""

    at: datetime
    actor: int | None
    action: str
    post_id: int | None
    before: str | None
    after: str | None
    detail: str | None


@dataclass(frozen=True)
class DeliveryView(_View):
    """A post claimed for one follower's direct message (see the Delivery model)."""

    id: int
    post_id: int
    chat_id: int
    attempts: int


@dataclass(frozen=True)
class EventDeliveryView(_View):
    """An event claimed for one recipient of one subscriber (see the EventDelivery model)."""

    id: int
    event_id: int
    subscriber: str
    recipient: int
    attempts: int
