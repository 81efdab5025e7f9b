"""Facebook Pages through facebook-sdk 3.1.0, kept behind our publisher interface.

The SDK is synchronous and has no timeout by default: each call runs in a worker thread
with the configured timeout. It rejects modern API versions in its constructor, so the
version is set on the object afterwards, and its base URL is a module global.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import facebook
import requests

from bot.config import ChannelConfig
from bot.domain.errors import (
    AlreadyPublishedError,
    CredentialsError,
    NeedsAdminError,
    PermanentError,
    PublishError,
    RetryableError,
    UnknownOutcomeError,
)
from bot.publishers import payloads
from bot.publishers.base import OutgoingPost, Photo, PublishResult, read_photos

RETRY_CODES = frozenset({1, 2, 4, 17, 32, 341, 613})
ADMIN_CODES = frozenset({10, 190, 368}) | frozenset(range(200, 300))
DUPLICATE_CODE = 506
TOKEN_CODE = 190


def make_graph(*, token: str, graph_url: str, version: str, timeout: float) -> Any:
    """A GraphAPI client aimed at ``graph_url`` and ``version`` for every call."""
    facebook.FACEBOOK_GRAPH_URL = graph_url.rstrip("/") + "/"
    graph = facebook.GraphAPI(access_token=token, timeout=timeout)
    graph.version = version  # after construction: the constructor only knows up to v3.1
    return graph


class FacebookPagePublisher:
    """Posts to a Page: the text (with the source link when there is one) to the feed, one
    photo with the text as its message, or several photos attached to one feed post."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult:
        photos = post.photos
        if not photos:
            result = await self._call(
                channel,
                self.graph.put_object,
                channel.page_id,
                "feed",
                **payloads.facebook_feed(post, channel),
            )
            return PublishResult(external_id=str(result["id"]))
        contents = read_photos(photos, _where(channel))  # before anything is sent
        album = f"{channel.page_id}/photos"
        if len(photos) == 1:
            result = await self._call(
                channel,
                self.graph.put_photo,
                _upload(photos[0], contents[0]),
                album,
                **payloads.facebook_photo(post, published=True),
            )
            return PublishResult(external_id=str(result.get("post_id") or result["id"]))
        # Several photos: each uploaded unpublished, then one feed post attaching them. An
        # unpublished photo is seen by nobody and is not a post, so a failure anywhere before
        # the feed post leaves nothing visible: the publication may simply be retried (the
        # retry uploads again; the orphaned uploads stay invisible on the Page). Even an
        # upload whose answer was lost is safe to retry, so it is retryable, not unknown.
        fbids = []
        for photo, data in zip(photos, contents, strict=True):
            try:
                result = await self._call(
                    channel,
                    self.graph.put_photo,
                    _upload(photo, data),
                    album,
                    **payloads.facebook_photo(post, published=False),
                )
            except UnknownOutcomeError as exc:
                raise RetryableError(
                    f"{exc} (an unpublished photo upload: nothing visible, safe to retry)"
                ) from exc
            fbids.append(str(result["id"]))
        result = await self._call(
            channel,
            self.graph.put_object,
            channel.page_id,
            "feed",
            **payloads.facebook_feed(post, channel, media_fbids=fbids),
        )
        return PublishResult(external_id=str(result["id"]))

    async def _call(
        self, channel: ChannelConfig, method: Callable[..., Any], *args: Any, **fields: Any
    ) -> dict[str, Any]:
        """One Graph API call in a worker thread (the SDK blocks); its errors become ours."""
        try:
            result: dict[str, Any] = await asyncio.to_thread(method, *args, **fields)
        except facebook.GraphAPIError as exc:
            raise translate_error(exc, channel) from exc
        except requests.RequestException as exc:
            raise translate_network_error(exc, channel) from exc
        return result


def _upload(photo: Photo, data: bytes) -> tuple[str, bytes, str]:
    """The multipart ``source`` part: file name, bytes, type."""
    return (photo.path.name, data, photo.mime)


def _where(channel: ChannelConfig) -> str:
    return f"facebook page {channel.name} ({channel.page_id})"


def translate_error(exc: Any, channel: ChannelConfig) -> PublishError:
    """Sort a GraphAPIError by its code into retry later / needs an admin / permanent."""
    where = _where(channel)
    code = exc.code
    message = str(exc.message) if exc.message else "no message"
    if code is None:  # not a Graph JSON error: a proxy's HTML page, a 5xx
        return UnknownOutcomeError(f"{where}: unexpected answer from Facebook: {message[:200]}")
    if code in RETRY_CODES:
        return RetryableError(f"{where}: Facebook asks to retry later (#{code}): {message}")
    if code == TOKEN_CODE:
        return CredentialsError(
            f"{where}: the Page token is expired or invalid (#{code}) {message}"
        )
    if code in ADMIN_CODES:
        return NeedsAdminError(f"{where}: (#{code}) {message}")
    if code == DUPLICATE_CODE:
        return AlreadyPublishedError(f"{where}: Facebook already has this post (#{code})")
    return PermanentError(f"{where}: Facebook refused the post (#{code}): {message}")


def translate_network_error(exc: requests.RequestException, channel: ChannelConfig) -> PublishError:
    where = _where(channel)
    if isinstance(exc, requests.ConnectTimeout | requests.ConnectionError) and not isinstance(
        exc, requests.ReadTimeout
    ):
        sent = "Connection aborted" in str(exc) or "RemoteDisconnected" in str(exc)
        if not sent:
            return RetryableError(f"{where}: could not reach Facebook: {exc}")
    return UnknownOutcomeError(f"{where}: no answer from Facebook, the post may be out: {exc}")
