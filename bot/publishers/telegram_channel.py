"""Telegram channels through python-telegram-bot; library errors become ours here, only here."""

from __future__ import annotations

import asyncio
import warnings
from datetime import timedelta

import httpx
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.config import ChannelConfig
from bot.domain.errors import (
    CredentialsError,
    NeedsAdminError,
    PermanentError,
    PublishError,
    RetryableError,
    UnknownOutcomeError,
)
from bot.publishers import payloads
from bot.publishers.base import OutgoingPost, PublishResult

#: BadRequest descriptions that mean the channel is misconfigured, not the post.
_ADMIN_BAD_REQUESTS = ("chat not found", "not enough rights", "need administrator rights")


class Pacer:
    """Spaces calls at least ``1 / per_second`` apart: Telegram allows a bot about 30
    messages a second, and a burst above that only earns 429s."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            delay = self._next - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing itself, not waiting for an event
            self._next = max(loop.time(), self._next) + self.interval


class TelegramChannelPublisher:
    """Sends a post to a channel as one HTML message."""

    def __init__(self, bot: Bot, pacer: Pacer | None = None) -> None:
        self.bot = bot
        self.pacer = pacer

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult:
        if self.pacer is not None:
            await self.pacer.wait()
        try:
            message = await self.bot.send_message(**payloads.telegram_send_message(post, channel))
        except TelegramError as exc:
            raise translate_error(exc, channel) from exc
        return PublishResult(external_id=str(message.message_id))


def translate_error(exc: TelegramError, channel: ChannelConfig) -> PublishError:
    """Sort a python-telegram-bot error into retry later / needs an admin / permanent / unknown."""
    where = f"telegram channel {channel.name} ({channel.chat_id})"
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryableError(
            f"{where}: rate limited, retry after {seconds:g}s", retry_after=seconds
        )
    if isinstance(exc, Forbidden | InvalidToken | ChatMigrated):
        needs = CredentialsError if isinstance(exc, InvalidToken) else NeedsAdminError
        return needs(f"{where}: {exc.message}")
    if isinstance(exc, BadRequest):
        if any(text in exc.message.lower() for text in _ADMIN_BAD_REQUESTS):
            return NeedsAdminError(f"{where}: {exc.message}")
        return PermanentError(f"{where}: Telegram refused the post: {exc.message}")
    if isinstance(exc, TimedOut | NetworkError) and _not_sent(exc):
        return RetryableError(f"{where}: could not reach Telegram: {exc.message}")
    # A timeout or a broken connection after sending, or a 5xx: it may have gone out.
    return UnknownOutcomeError(f"{where}: no answer from Telegram, the post may be out: {exc}")


def _not_sent(exc: TelegramError) -> bool:
    """True when the request surely did not take effect: httpx failed before it left
    (connect errors, pool timeout), or Telegram refused it as a flood (a 429 without
    ``retry_after``, which python-telegram-bot reports as a bare NetworkError)."""
    if exc.message.startswith("Too Many Requests"):
        return True
    cause = exc.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
