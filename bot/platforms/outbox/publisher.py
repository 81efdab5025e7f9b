"""The dry run: each post and channel becomes one file holding exactly what would be sent:
every request, in order, and the photo files that would be uploaded."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bot.config import ChannelConfig, Config
from bot.domain.errors import NeedsAdminError
from bot.platforms.base import OutgoingPost, PublishResult, Sent
from bot.platforms.registry import platform_of


class OutboxPublisher:
    """Writes ``<outbox>/post-<id>-<channel>.json`` instead of calling a platform."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.folder = config.outbox_dir

    def request_for(self, post: OutgoingPost, channel: ChannelConfig) -> dict[str, Any]:
        """The first request at the top level (the only one for a text post), the ones that
        would follow it in ``then``, and the photo files uploaded in ``media``; each platform
        renders its own requests."""
        platform = platform_of(channel)
        base = platform.dry_run_url(self.config, channel)
        calls = platform.render(post, channel)
        media = platform.media(post)
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

    async def correct(self, before: OutgoingPost, after: OutgoingPost, sent: Sent) -> None:
        """The dry run's file holds the corrected requests (one post: its id says it all)."""
        self._dry_run_only(before, sent).unlink(missing_ok=True)
        await self.publish(after, sent.channel)

    async def retract(self, post: OutgoingPost, sent: Sent) -> None:
        """The dry run's file is removed."""
        self._dry_run_only(post, sent).unlink(missing_ok=True)

    def _dry_run_only(self, post: OutgoingPost, sent: Sent) -> Path:
        """The dry run's file of the post; a post that really went out cannot be changed
        without its platform's token."""
        path = self.path_for(post, sent.channel)
        if sent.external_id != str(path):
            token = platform_of(sent.channel).token_env
            raise NeedsAdminError(
                f"{sent.channel.name}: {token} is not set, so the post that went out there "
                "was not changed"
            )
        return path
