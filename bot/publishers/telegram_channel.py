"""Telegram channels through python-telegram-bot; library errors become ours here, only here."""

from __future__ import annotations

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


class TelegramChannelPublisher:
    """Sends a post to a channel as one HTML message."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def publish(self, post: OutgoingPost, channel: ChannelConfig) -> PublishResult:
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
        return NeedsAdminError(f"{where}: {exc.message}")
    if isinstance(exc, BadRequest):
        if any(text in exc.message.lower() for text in _ADMIN_BAD_REQUESTS):
            return NeedsAdminError(f"{where}: {exc.message}")
        return PermanentError(f"{where}: Telegram refused the post: {exc.message}")
    if isinstance(exc, TimedOut | NetworkError) and _not_sent(exc):
        return RetryableError(f"{where}: could not reach Telegram: {exc.message}")
    # A timeout or a broken connection after sending, or a 5xx: it may have gone out.
    return UnknownOutcomeError(f"{where}: no answer from Telegram, the post may be out: {exc}")


def _not_sent(exc: TelegramError) -> bool:
    """True when httpx failed before the request left (connect errors, pool timeout)."""
    cause = exc.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
