"""The one small interface every publisher implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import ChannelConfig
from bot.domain.drafting import Draft


@dataclass(frozen=True)
class OutgoingPost:
    """What a publisher needs: the post's id (for idempotency and file names) and its draft."""

    id: int
    draft: Draft


@dataclass(frozen=True)
class PublishResult:
    """The platform's id for what was published (a message id, a Page post id, a file path)."""

    external_id: str
    dry_run: bool = False


class Publisher(Protocol):
    """Deliver one post to one channel.

    Raises only our own errors from :mod:`bot.domain.errors`: ``RetryableError``,
    ``PermanentError``, ``NeedsAdminError`` or ``UnknownOutcomeError``.
    """

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult: ...
