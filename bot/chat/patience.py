"""Answering at once while the database is busy (another process holding SQLite's write
lock): a tap hears "saving…" when its write has not landed within ``PATIENCE``, then sees
the real outcome when it does; "busy, try again" when it cannot land at all. Nothing is
lost, and the next updates are not held up meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from bot.storage.gateway import Busy

log = logging.getLogger(__name__)

#: Seconds a person waits for the outcome itself before hearing "saving…".
PATIENCE = 1.0


@dataclass
class Tap:
    """A button press, answered once: the toast Telegram shows (a later refusal, after
    "saving…", comes as a message instead)."""

    query: CallbackQuery
    answered: bool = False

    async def answer(self, text: str = "", *, show_alert: bool = False) -> None:
        if not self.answered:
            self.answered = True
            await self.query.answer(text, show_alert=show_alert)
        elif show_alert and text:
            await self.query.get_bot().send_message(self.query.from_user.id, text)


async def patiently(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    work: Coroutine[Any, Any, None],
    *,
    early: Callable[[], Awaitable[object]],
    busy: Callable[[], Awaitable[object]],
) -> None:
    """Run a handler's ``work``; if it is not done within ``PATIENCE``, ``early`` answers
    now and the work goes on in the background. When the database stays busy past its
    timeout, ``busy`` tells the person to try again."""

    async def guarded() -> None:
        try:
            await work
        except Busy as exc:
            log.warning("database busy, update %s not handled: %s", update.update_id, exc)
            await busy()

    task = context.application.create_task(guarded(), update=update)
    done, _ = await asyncio.wait({task}, timeout=PATIENCE)
    if not done:
        await early()
