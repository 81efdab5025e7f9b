"""python-telegram-bot's errors sorted into ours: retry later, needs an admin, permanent,
or unknown outcome. Library errors become ours here, only here."""

from __future__ import annotations

import warnings
from datetime import timedelta

import httpx
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

from bot.domain.errors import (
    CredentialsError,
    NeedsAdminError,
    PermanentError,
    PublishError,
    RetryableError,
    UnknownOutcomeError,
)

#: BadRequest descriptions that mean the channel is misconfigured, not the post.
_ADMIN_BAD_REQUESTS = ("chat not found", "not enough rights", "need administrator rights")


def translate_error(exc: TelegramError, where: str) -> PublishError:
    """Sort a python-telegram-bot error into retry later / needs an admin / permanent / unknown;
    ``where`` names the chat for people."""
    if isinstance(exc, RetryAfter):
        seconds = retry_after(exc)
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


def unchanged(exc: BadRequest) -> bool:
    """An edit refused because the message already reads so: nothing left to do."""
    return "not modified" in exc.message.lower()


def gone(exc: BadRequest) -> bool:
    """An edit refused because the message no longer exists (its reader deleted it)."""
    return "message to edit not found" in exc.message.lower()


def retry_after(exc: TelegramError) -> float:
    """How many seconds Telegram asked us to wait (0: it did not ask)."""
    if not isinstance(exc, RetryAfter):
        return 0.0
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _not_sent(exc: TelegramError) -> bool:
    """True when the request surely did not take effect: httpx failed before it left
    (connect errors, pool timeout), or Telegram refused it as a flood (a 429 without
    ``retry_after``, which python-telegram-bot reports as a bare NetworkError)."""
    if exc.message.startswith("Too Many Requests"):
        return True
    cause = exc.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
