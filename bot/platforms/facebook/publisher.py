"""Facebook Pages through facebook-sdk 3.1.0, kept behind our publisher interface.

The SDK is synchronous and has no timeout by default: each call runs in a worker thread
with the configured timeout (see :mod:`.client` for how it is aimed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

import facebook
import requests

from bot.config import ChannelConfig
from bot.domain.errors import RetryableError, UnknownOutcomeError
from bot.platforms.base import OutgoingPost, Photo, PublishResult, Sent, read_photos
from bot.platforms.facebook import render as payloads
from bot.platforms.facebook.errors import translate_error, translate_network_error


class FacebookPagePublisher:
    """Posts to a Page: the text (with the source link when there is one) to the feed, one
    photo with the text as its message, or several photos attached to one feed post."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult:
        photos = post.photos
        contents = read_photos(photos, _where(channel))  # before anything is sent
        if len(photos) == 1:
            result = await self._put_photo(post, channel, photos[0], contents[0], published=True)
            return PublishResult(external_id=str(result.get("post_id") or result["id"]))
        # No photo: only the feed post. Several: each uploaded unpublished, then one feed post
        # attaching them. An unpublished photo is seen by nobody and is not a post, so a
        # failure anywhere before the feed post leaves nothing visible: the publication may
        # simply be retried (the retry uploads again; the orphaned uploads stay invisible on
        # the Page). Even an upload whose answer was lost is safe to retry, so it is
        # retryable, not unknown.
        fbids = []
        for photo, data in zip(photos, contents, strict=True):
            try:
                result = await self._put_photo(post, channel, photo, data, published=False)
            except UnknownOutcomeError as exc:
                raise RetryableError(
                    f"{exc} (an unpublished photo upload: nothing visible, safe to retry)"
                ) from exc
            fbids.append(str(result["id"]))
        result = await self._call(
            channel,
            self.graph.put_object,
            payloads.options(channel).page_id,
            "feed",
            **payloads.facebook_feed(post, channel, media_fbids=fbids),
        )
        return PublishResult(external_id=str(result["id"]))

    async def correct(self, before: OutgoingPost, after: OutgoingPost, sent: Sent) -> None:
        """``POST /{post-id}`` with the new message (a photo post's message is its caption);
        one post, whose id says it all."""
        edit = partial(
            self.graph.request,
            f"{self.graph.version}/{sent.external_id}",
            post_args={"message": payloads.facebook_text(after)},
            method="POST",
        )
        await self._call(sent.channel, edit)

    async def retract(self, post: OutgoingPost, sent: Sent) -> None:
        """``DELETE /{post-id}``."""
        await self._call(sent.channel, self.graph.delete_object, sent.external_id)

    async def _put_photo(
        self,
        post: OutgoingPost,
        channel: ChannelConfig,
        photo: Photo,
        data: bytes,
        *,
        published: bool,
    ) -> dict[str, Any]:
        """``POST /{page-id}/photos``, the image as the multipart ``source`` part (file name,
        bytes, type)."""
        album = f"{payloads.options(channel).page_id}/photos"
        fields = payloads.facebook_photo(post, published=published)
        source = (photo.path.name, data, photo.mime)
        return await self._call(channel, self.graph.put_photo, source, album, **fields)

    async def _call(
        self, channel: ChannelConfig, method: Callable[..., Any], *args: Any, **fields: Any
    ) -> dict[str, Any]:
        """One Graph API call in a worker thread (the SDK blocks); its errors become ours."""
        try:
            result: dict[str, Any] = await asyncio.to_thread(method, *args, **fields)
        except facebook.GraphAPIError as exc:
            raise translate_error(exc, _where(channel)) from exc
        except requests.RequestException as exc:
            raise translate_network_error(exc, _where(channel)) from exc
        return result


def _where(channel: ChannelConfig) -> str:
    return f"facebook page {channel.name} ({channel.target})"
