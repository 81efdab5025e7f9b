"""What goes wrong in chat: logged with its context, and the owners told once per cause."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, ExtBot

from bot.chat.people import texts_by_user
from bot.chat.services import ChatServices, services

log = logging.getLogger(__name__)

#: Causes the owners were told about in this run (by exception type and first line).
_TOLD = "told_causes"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB's error handler: a handler or a background task failed. A failed update goes
    no further, even when the owners cannot be told: a later handler group would take it
    for something else (an admin's reply to a question of ours stored as a recap)."""
    error = context.error
    where = f"update {update.update_id}" if isinstance(update, Update) else "a background task"
    log.error("while handling %s: %r", where, error, exc_info=error)
    try:
        if error is not None:
            cause = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"
            await tell_owners(context.bot, services(context), context.bot_data, cause)
    except Exception:
        log.exception("could not tell the owners about %s", where)
    if isinstance(update, Update):
        raise ApplicationHandlerStop


async def tell_owners(
    bot: ExtBot[Any], found: ChatServices, memory: dict[Any, Any], cause: str
) -> None:
    """Each owner hears about ``cause`` once per run; a send that fails is only logged."""
    told: set[str] = memory.setdefault(_TOLD, set())
    if cause in told:
        return
    told.add(cause)
    owners = found.config.settings.telegram.owners
    for owner, t in (await texts_by_user(found.db, found.config, owners)).items():
        try:
            await bot.send_message(owner, t.bot_trouble(cause))
        except TelegramError as exc:
            log.warning("could not tell owner %s about %s: %s", owner, cause, exc)


class TokenRefusedError(NetworkError):
    """Telegram answered 401 to getUpdates: the polling loop retries it with backoff (PTB
    would stop polling for good on InvalidToken, leaving chat dead and the worker alive)."""


#: Bots (by id) whose token is refused right now: PTB's bots take no new attributes.
_REFUSED: set[int] = set()


class PollingBot(ExtBot[Any]):
    """The bot the worker polls with: a refused token is said clearly, once, and retried."""

    async def get_updates(self, *args: Any, **kwargs: Any) -> Any:
        try:
            updates = await super().get_updates(*args, **kwargs)
        except InvalidToken:
            if id(self) not in _REFUSED:
                _REFUSED.add(id(self))
                log.error(
                    "TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized) while receiving "
                    "updates; chat is off until it is accepted again (retrying with backoff)"
                )
            raise TokenRefusedError(
                "TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)"
            ) from None
        if id(self) in _REFUSED:
            _REFUSED.discard(id(self))
            log.warning("Telegram accepts TELEGRAM_BOT_TOKEN again; chat is back")
        return updates
