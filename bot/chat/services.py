"""What the chat handlers need, kept in ``application.bot_data`` (a typed view of it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy.engine import Engine
from telegram.ext import ContextTypes

from bot.config import Config
from bot.storage.gateway import Gateway

KEY = "goodnews"


@dataclass(frozen=True)
class ChatServices:
    config: Config
    engine: Engine
    db: Gateway
    #: Called with (post id, slot) when a post gets scheduled, so the worker adds its job now.
    on_scheduled: Callable[[int, datetime], None]


def services(context: ContextTypes.DEFAULT_TYPE) -> ChatServices:
    return cast(ChatServices, context.bot_data[KEY])
