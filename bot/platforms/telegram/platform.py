"""Telegram channels (and groups) through the bot: the platform the registry finds.

python-telegram-bot is imported only when a publisher is opened or a check runs, so a
``goodnews tick`` with nothing due never loads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import ENV_TELEGRAM_TOKEN, ChannelConfig, ChannelOptions, Config
from bot.platforms.base import (
    ChannelCheck,
    OutgoingPost,
    Photo,
    Platform,
    Publisher,
    Request,
    Shared,
)
from bot.platforms.telegram import render
from bot.platforms.telegram.schema import TelegramOptions


class Telegram:
    name = "telegram"
    options: type[ChannelOptions] = TelegramOptions
    token_env = ENV_TELEGRAM_TOKEN
    limits = render.LIMITS

    def label(self, channel: ChannelConfig) -> str:
        return f"{channel.name} (telegram, {channel.target})"

    def render(self, post: OutgoingPost, channel: ChannelConfig) -> list[Request]:
        return render.telegram_requests(post, channel)

    def text(self, post: OutgoingPost) -> str:
        return render.telegram_text(post)

    def link(self, channel: ChannelConfig, external_id: str | None) -> str | None:
        return render.telegram_link(channel, external_id)

    def home(self, channel: ChannelConfig) -> str | None:
        return render.telegram_home(channel)

    def dry_run_url(self, config: Config, channel: ChannelConfig) -> str:
        return f"{config.settings.telegram.api_url}/bot<{ENV_TELEGRAM_TOKEN}>"

    def media(self, post: OutgoingPost) -> tuple[Photo, ...]:
        return post.photos[: render.TELEGRAM_ALBUM_LIMIT]

    @asynccontextmanager
    async def open_publisher(self, shared: Shared) -> AsyncIterator[Publisher | None]:
        """The channels' publisher on the shared bot, or on one started (and shut down) here."""
        if shared.bot is None and not shared.config.secrets.telegram_bot_token:
            yield None  # the dry run, without loading python-telegram-bot
            return
        from bot.platforms.telegram.client import make_bot, start_bot
        from bot.platforms.telegram.publisher import Pacer, TelegramChannelPublisher

        own = None
        if shared.bot is None:
            shared.bot = own = make_bot(shared.config)
            if own is not None:
                await start_bot(own)
        try:
            if shared.bot is None:
                yield None
                return
            # One bot, one send budget for all its channels and the followers' messages.
            shared.pacer = Pacer(shared.config.settings.telegram.max_per_second)
            yield TelegramChannelPublisher(shared.bot, shared.pacer)
        finally:
            if own is not None:
                await own.shutdown()

    async def check(self, config: Config, channels: list[ChannelConfig]) -> list[ChannelCheck]:
        from bot.platforms.telegram.check import check_telegram

        return await check_telegram(config, channels)


PLATFORM: Platform = Telegram()  # mypy checks it has every part of the protocol
