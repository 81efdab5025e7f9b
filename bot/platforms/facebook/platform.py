"""Facebook Pages through facebook-sdk: the platform the registry finds.

facebook-sdk (and requests) are imported only when a publisher is opened or a check runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from bot.config import ENV_FACEBOOK_TOKEN, ChannelConfig, ChannelOptions, Config
from bot.domain.errors import N_, Text
from bot.platforms.base import (
    ChannelCheck,
    OutgoingPost,
    Photo,
    Platform,
    Publisher,
    Request,
    Shared,
)
from bot.platforms.facebook import render
from bot.platforms.facebook.schema import FacebookOptions


class Facebook:
    name = "facebook"
    options: type[ChannelOptions] = FacebookOptions
    token_env = ENV_FACEBOOK_TOKEN
    limits = render.LIMITS

    def label(self, channel: ChannelConfig) -> str:
        return Text(
            N_("{name} (facebook page {page_id})"), name=channel.name, page_id=channel.target
        )

    def render(self, post: OutgoingPost, channel: ChannelConfig) -> list[Request]:
        return render.facebook_requests(post, channel)

    def text(self, post: OutgoingPost) -> str:
        return render.facebook_text(post)

    def link(self, channel: ChannelConfig, external_id: str | None) -> str | None:
        return render.facebook_link(external_id)

    def home(self, channel: ChannelConfig) -> str | None:
        return f"https://www.facebook.com/{quote(channel.target, safe='')}"

    def dry_run_url(self, config: Config, channel: ChannelConfig) -> str:
        fb = config.settings.facebook
        return f"{fb.graph_url}/{fb.api_version}/{channel.target}"

    def media(self, post: OutgoingPost) -> tuple[Photo, ...]:
        return post.photos

    @asynccontextmanager
    async def open_publisher(self, shared: Shared) -> AsyncIterator[Publisher | None]:
        """One Graph client for every Page (the token is the Page's); None without a token."""
        token = shared.config.secrets.facebook_page_token
        if not token:
            yield None
            return
        from bot.platforms.facebook.client import make_graph
        from bot.platforms.facebook.publisher import FacebookPagePublisher

        fb = shared.config.settings.facebook
        graph = make_graph(
            token=token, graph_url=fb.graph_url, version=fb.api_version, timeout=fb.timeout
        )
        yield FacebookPagePublisher(graph)

    async def check(self, config: Config, channels: list[ChannelConfig]) -> list[ChannelCheck]:
        from bot.platforms.facebook.check import check_facebook

        return await check_facebook(config, channels)


PLATFORM: Platform = Facebook()  # mypy checks it has every part of the protocol
