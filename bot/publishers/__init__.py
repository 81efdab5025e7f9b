"""Publishers: adapters that deliver a post to one channel, behind one small interface.

:func:`open_publishers` picks, per channel, the real adapter when its token is set and the
dry-run outbox otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.config import ChannelConfig, Config
from bot.domain.errors import ConfigError
from bot.publishers.base import OutgoingPost, Photo, Publisher, PublishResult
from bot.publishers.facebook_page import FacebookPagePublisher, make_graph
from bot.publishers.outbox import OutboxPublisher
from bot.publishers.telegram_channel import Pacer, TelegramChannelPublisher
from bot.publishers.telegram_dm import DirectMessenger

__all__ = [
    "OutgoingPost",
    "Photo",
    "PublishResult",
    "Publisher",
    "Publishers",
    "make_bot",
    "open_publishers",
]


def make_bot(config: Config) -> Bot | None:
    """A Bot aimed at ``telegram.api_url``, or None when no token is set."""
    token = config.secrets.telegram_bot_token
    if not token:
        return None
    api = config.settings.telegram.api_url
    return Bot(token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")


async def start_bot(bot: Bot) -> None:
    """Initialise (``getMe``); a refused token is a one-line ConfigError, not a traceback."""
    try:
        await bot.initialize()
    except InvalidToken:
        raise ConfigError("TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)") from None
    except TelegramError as exc:
        raise ConfigError(f"cannot reach the Telegram Bot API: {exc}") from None


@dataclass
class Publishers:
    """The publisher of each configured channel."""

    by_channel: dict[str, Publisher] = field(default_factory=dict)
    dry_run: list[str] = field(default_factory=list)
    #: Followers' direct messages; None without a bot token.
    direct: DirectMessenger | None = None

    def for_channel(self, channel: ChannelConfig) -> Publisher:
        return self.by_channel[channel.name]

    async def ready(self, name: str) -> None:
        """Wait for the channel's send budget (the rate limit, a 429's pause), so that its
        publication is marked ``sending`` only when the request really goes next."""
        publisher = self.by_channel.get(name)
        if isinstance(publisher, TelegramChannelPublisher) and publisher.pacer is not None:
            await publisher.pacer.reserve()

    def dry_run_notice(self, config: Config) -> str | None:
        """One line saying which channels only go to the outbox, or None."""
        if not self.dry_run:
            return None
        missing = sorted(
            {
                "TELEGRAM_BOT_TOKEN"
                if config.channel(n).type == "telegram"
                else "FACEBOOK_PAGE_TOKEN"
                for n in self.dry_run
            }
        )
        return (
            f"dry run for {', '.join(self.dry_run)}: {' and '.join(missing)} not set, "
            f"posts go to {config.outbox_dir}/ instead"
        )


@asynccontextmanager
async def open_publishers(config: Config, *, bot: Bot | None = None) -> AsyncIterator[Publishers]:
    """Publishers for every channel; a Bot created here is started and shut down here."""
    own_bot = None
    if bot is None and any(c.type == "telegram" for c in config.channels):
        bot = own_bot = make_bot(config)
    if own_bot is not None:
        await start_bot(own_bot)
    try:
        yield _assemble(config, bot)
    finally:
        if own_bot is not None:
            await own_bot.shutdown()


def _assemble(config: Config, bot: Bot | None) -> Publishers:
    settings = config.settings
    outbox = OutboxPublisher(
        config.outbox_dir,
        telegram_api_url=settings.telegram.api_url,
        graph_url=settings.facebook.graph_url,
        version=settings.facebook.api_version,
    )
    result = Publishers()
    page_token = config.secrets.facebook_page_token
    graph = (
        make_graph(
            token=page_token,
            graph_url=settings.facebook.graph_url,
            version=settings.facebook.api_version,
            timeout=settings.facebook.timeout,
        )
        if page_token
        else None
    )
    pacer = Pacer(settings.telegram.max_per_second)  # one bot, one budget for all channels
    if bot is not None:
        result.direct = DirectMessenger(bot, pacer)
    for channel in config.channels:
        publisher: Publisher
        if channel.type == "telegram" and bot is not None:
            publisher = TelegramChannelPublisher(bot, pacer)
        elif channel.type == "facebook" and graph is not None:
            publisher = FacebookPagePublisher(graph)
        else:
            publisher = outbox
            result.dry_run.append(channel.name)
        result.by_channel[channel.name] = publisher
    return result
