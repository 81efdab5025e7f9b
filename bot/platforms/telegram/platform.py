"""Telegram channels (and groups) through the bot: the platform the registry finds.

python-telegram-bot is imported only when a publisher is opened or a check runs, so a
``goodnews tick`` with nothing due never loads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import ENV_TELEGRAM_TOKEN
from bot.platforms.base import Platform, Publisher, Shared
from bot.platforms.telegram import render
from bot.platforms.telegram.schema import TelegramOptions


@asynccontextmanager
async def _open_publisher(shared: Shared) -> AsyncIterator[Publisher | None]:
    """The channels' publisher on the shared bot, or on one started (and shut down) here."""
    if shared.bot is None and not shared.config.secrets.telegram_bot_token:
        yield None  # the dry run, without loading python-telegram-bot
        return
    from bot.platforms.telegram.client import make_bot, start_bot
    from bot.platforms.telegram.publisher import Pacer, TelegramChannelPublisher

    own = None
    if shared.bot is None:
        own = make_bot(shared.config)
        assert own is not None  # the token is set
        shared.bot = own
        await start_bot(own)
    try:
        # One bot, one send budget for all its channels and the followers' messages.
        shared.pacer = Pacer(shared.config.settings.telegram.max_per_second)
        yield TelegramChannelPublisher(shared.bot, shared.pacer)
    finally:
        if own is not None:
            await own.shutdown()


PLATFORM = Platform(
    name="telegram",
    options=TelegramOptions,
    token_env=ENV_TELEGRAM_TOKEN,
    limits=render.LIMITS,
    label=lambda channel: f"{channel.name} (telegram, {channel.target})",
    render=render.telegram_requests,
    text=render.telegram_text,
    link=render.telegram_link,
    home=render.telegram_home,
    dry_run_url=lambda config, _: f"{config.settings.telegram.api_url}/bot<{ENV_TELEGRAM_TOKEN}>",
    media=lambda post: post.photos[: render.TELEGRAM_ALBUM_LIMIT],
    open_publisher=_open_publisher,
)
