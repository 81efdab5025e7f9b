"""Secrets never reach a log: one filter scrubs every record (its message, its arguments, its
exception text) of the tokens this process holds and of anything shaped like a bot token.

Libraries put the token where we cannot see it coming (python-telegram-bot's
``InvalidToken: The token '…' was rejected``, httpx's request URLs), so scrubbing is a rule
applied to every record rather than care taken at each call.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable

#: The environment variables that hold secrets.
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "FACEBOOK_PAGE_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
#: A Telegram bot token wherever it appears (``123456:AA…``), even one not ours.
BOT_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
MASK = "[REDACTED]"


class RedactSecrets(logging.Filter):
    """Replaces each secret in a record by ``[REDACTED]``; never drops a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole; short values
        # (an empty or placeholder variable) would mask ordinary words.
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return BOT_TOKEN.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()  # the arguments merged in, then scrubbed together
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def environment_secrets() -> list[str]:
    return [os.environ[name] for name in SECRET_VARIABLES if os.environ.get(name)]


def install(secrets: Iterable[str] | None = None) -> RedactSecrets:
    """Attach the filter to every handler of the root logger (where every record ends up)
    and to logging's last-resort handler; call it after the handlers are set up."""
    found = RedactSecrets(environment_secrets() if secrets is None else secrets)
    handlers = list(logging.getLogger().handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(old)
        handler.addFilter(found)
    return found
