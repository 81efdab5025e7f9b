"""Logging for a service: one level for everything, quiet libraries, zoned timestamps, optional
JSON lines, and never a token.

The token scrub is a rule, not a habit: a filter on our one handler rewrites every record —
its message, its arguments and its exception text — before any formatter sees it, so a token
in a library's URL or in a traceback cannot reach the log.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import TextIO

ENV_LEVEL = "GOODNEWS_LOG_LEVEL"
ENV_FORMAT = "GOODNEWS_LOG_FORMAT"
LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")

# Chatty below warning: APScheduler logs two lines a minute, alembic on every start, httpx
# every request (its URLs carry the bot token). Shown with --log-level debug.
QUIET = ("apscheduler", "alembic", "httpx", "httpcore")

# Secrets read from the environment; .env values are added by hide() when the config loads.
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "FACEBOOK_PAGE_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
HIDDEN = "[hidden]"
# The shapes of the tokens, for ones we were never told about (another bot's, a Page token
# taken from a Graph answer): Telegram's "<bot id>:<35 characters>", Facebook's "EAA…". Not
# \b before the bot id: in a Bot API URL it follows "/bot" with no word boundary.
TOKEN_SHAPES = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}|\bEAA[A-Za-z0-9]{20,}")


class ScrubSecrets(logging.Filter):
    """Replace every known secret and anything shaped like a token with ``[hidden]``."""

    def __init__(self) -> None:
        super().__init__()
        self._values: set[str] = set()

    def hide(self, *values: str | None) -> None:
        self._values.update(v for v in values if v and len(v) >= 8)  # a short one is no token

    def scrub(self, text: str) -> str:
        known = self._values | {
            v for v in (os.environ.get(name) for name in SECRET_VARIABLES) if v and len(v) >= 8
        }
        for value in sorted(known, key=len, reverse=True):
            text = text.replace(value, HIDDEN)
        return TOKEN_SHAPES.sub(HIDDEN, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


SCRUB = ScrubSecrets()


def hide(*values: str | None) -> None:
    """Scrub these values (tokens read from .env or the environment) from every record."""
    SCRUB.hide(*values)


def _zoned_time(record: logging.LogRecord) -> str:
    """ISO 8601 with the host's offset: a log line says which 07:30 it means."""
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        return _zoned_time(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _zoned_time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (click's test runner swaps it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def setup(level: str, fmt: str = "text", *, quiet: Iterable[str] = QUIET) -> logging.Handler:
    """Route every logger through one scrubbed handler on stderr; replaces an earlier setup."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, not {level!r}")
    if fmt not in FORMATS:
        raise ValueError(f"{ENV_FORMAT} must be one of {', '.join(FORMATS)}, not {fmt!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.addFilter(SCRUB)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    if logging.lastResort is not None and SCRUB not in logging.lastResort.filters:
        logging.lastResort.addFilter(SCRUB)  # used when a record finds no handler at all
    root.setLevel(level.upper())
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    return handler
