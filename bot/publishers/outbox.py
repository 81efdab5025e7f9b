"""The dry run: each post and channel becomes one file holding exactly what would be sent:
every request, in order, and the photo files that would be uploaded."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bot.config import ChannelConfig
from bot.publishers import payloads
from bot.publishers.base import OutgoingPost, PublishResult


class OutboxPublisher:
    """Writes ``<outbox>/post-<id>-<channel>.json`` instead of calling a platform."""

    def __init__(self, folder: Path, *, telegram_api_url: str, graph_url: str, version: str):
        self.folder = folder
        self.telegram_api_url = telegram_api_url
        self.graph_url = graph_url
        self.version = version

    def request_for(self, post: OutgoingPost, channel: ChannelConfig) -> dict[str, Any]:
        """The first request at the top level (the only one for a text post), the ones that
        would follow it in ``then``, and the photo files uploaded in ``media``."""
        if channel.type == "telegram":
            base = f"{self.telegram_api_url}/bot<TELEGRAM_BOT_TOKEN>"
            calls = payloads.telegram_requests(post, channel)
            media = post.photos[: payloads.TELEGRAM_ALBUM_LIMIT]
        else:
            base = f"{self.graph_url}/{self.version}/{channel.page_id}"
            calls = payloads.facebook_requests(post, channel)
            media = post.photos
        first, *then = [
            {"method": "POST", "url": f"{base}/{name}", "params": params} for name, params in calls
        ]
        return {
            "channel": channel.name,
            **first,
            "then": then,
            "media": [str(photo.path) for photo in media],
        }

    def path_for(self, post: OutgoingPost, channel: ChannelConfig) -> Path:
        return self.folder / f"post-{post.id}-{channel.name}.json"

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult:
        path = self.path_for(post, channel)
        if path.exists():  # already "sent": the dry run is idempotent like the real thing
            return PublishResult(external_id=str(path), dry_run=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.request_for(post, channel), ensure_ascii=False, indent=2) + "\n"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # a reader never sees half a file
        return PublishResult(external_id=str(path), dry_run=True)
