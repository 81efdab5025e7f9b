"""The publisher of each configured channel for one session: the platform's own when its
token is set, the dry-run outbox otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import ChannelConfig, Config
from bot.domain.errors import N_, Text
from bot.platforms.base import (
    OutgoingPost,
    Photo,
    Publisher,
    PublishResult,
    SendBudget,
    Shared,
)
from bot.platforms.outbox.publisher import OutboxPublisher
from bot.platforms.registry import platform_of, used_by

if TYPE_CHECKING:
    from telegram import Bot

    from bot.platforms.telegram.dm import DirectMessenger

__all__ = [
    "OutgoingPost",
    "Photo",
    "PublishResult",
    "Publisher",
    "Publishers",
    "open_publishers",
]


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
        pacer = getattr(self.by_channel.get(name), "pacer", None)  # only Telegram's has one
        if isinstance(pacer, SendBudget):
            await pacer.reserve()

    def dry_run_notice(self, config: Config) -> Text | None:
        """One line saying which channels only go to the outbox, or None."""
        if not self.dry_run:
            return None
        missing = sorted({platform_of(config.channel(n)).token_env for n in self.dry_run})
        tokens = missing[-1]
        if len(missing) > 1:
            tokens = Text(N_("{first} and {last}"), first=", ".join(missing[:-1]), last=tokens)
        return Text(
            N_("dry run for {channels}: {tokens} not set, posts go to {outbox}/ instead"),
            channels=", ".join(self.dry_run),
            tokens=tokens,
            outbox=config.outbox_dir,
        )


@asynccontextmanager
async def open_publishers(config: Config, *, bot: Bot | None = None) -> AsyncIterator[Publishers]:
    """Publishers for every channel, each platform's opened for the session and closed after
    it (a Bot the Telegram platform starts is shut down; ``bot``, the chat's, is shared)."""
    shared = Shared(config=config, bot=bot)
    async with AsyncExitStack() as stack:
        opened = {
            p.name: await stack.enter_async_context(p.open_publisher(shared))
            for p in used_by(config)
        }
        result = Publishers()
        outbox = OutboxPublisher(config)
        for channel in config.channels:
            real = opened[channel.type]
            if real is None:
                result.dry_run.append(channel.name)
            result.by_channel[channel.name] = real or outbox
        if shared.bot is not None:  # the followers hear from the bot, within its send budget
            from bot.platforms.telegram.dm import DirectMessenger
            from bot.platforms.telegram.publisher import Pacer

            pacer = shared.pacer or Pacer(config.settings.telegram.max_per_second)
            result.direct = DirectMessenger(shared.bot, pacer)
        yield result
