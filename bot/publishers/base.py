"""The one small interface every publisher implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.config import ChannelConfig
from bot.domain.drafting import Draft
from bot.domain.errors import NeedsAdminError


@dataclass(frozen=True)
class Photo:
    """A photo to upload with a post: a local file (in ``media_dir``) and its type."""

    path: Path
    mime: str


@dataclass(frozen=True)
class OutgoingPost:
    """What a publisher needs: the post's id (for idempotency and file names), its draft and
    its photos in order."""

    id: int
    draft: Draft
    photos: tuple[Photo, ...] = ()


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


def read_photos(photos: Sequence[Photo], where: str) -> list[bytes]:
    """Every photo's bytes, read before the first request so that a missing file stops the
    post before anything of it is sent. A missing file needs a person (restore it)."""
    contents = []
    for photo in photos:
        try:
            contents.append(photo.path.read_bytes())
        except OSError as exc:
            raise NeedsAdminError(
                f"{where}: cannot read the photo {photo.path}: {exc.strerror or exc}"
            ) from exc
    return contents
