"""Facebook Pages through facebook-sdk: the platform the registry finds.

facebook-sdk (and requests) are imported only when a publisher is opened or a check runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from bot.config import ENV_FACEBOOK_TOKEN, ChannelConfig, Config
from bot.domain.errors import N_, Text
from bot.platforms.base import Platform, Publisher, Shared
from bot.platforms.facebook import render
from bot.platforms.facebook.schema import FacebookOptions


def _dry_run_url(config: Config, channel: ChannelConfig) -> str:
    fb = config.settings.facebook
    return f"{fb.graph_url}/{fb.api_version}/{channel.target}"


@asynccontextmanager
async def _open_publisher(shared: Shared) -> AsyncIterator[Publisher | None]:
    """One Graph client for every Page (the token is the Page's); None without a token."""
    if not shared.config.secrets.facebook_page_token:
        yield None
        return
    from bot.platforms.facebook.client import make_graph
    from bot.platforms.facebook.publisher import FacebookPagePublisher

    yield FacebookPagePublisher(make_graph(shared.config))


PLATFORM = Platform(
    name="facebook",
    options=FacebookOptions,
    token_env=ENV_FACEBOOK_TOKEN,
    limits=render.LIMITS,
    label=lambda channel: Text(
        N_("{name} (facebook page {page_id})"), name=channel.name, page_id=channel.target
    ),
    render=render.facebook_requests,
    text=render.facebook_text,
    link=lambda _, external_id: render.facebook_link(external_id),
    home=lambda channel: f"https://www.facebook.com/{quote(channel.target, safe='')}",
    dry_run_url=_dry_run_url,
    media=lambda post: post.photos,
    open_publisher=_open_publisher,
)
