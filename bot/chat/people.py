"""Who is writing, and in which language to answer them (or to write to them first)."""

from __future__ import annotations

from telegram import Update, User
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import i18n
from bot.chat.services import services
from bot.chat.texts import Texts, texts_for
from bot.config import Config
from bot.storage import people_rows
from bot.storage.gateway import Gateway

#: Languages already stored this run, so an update costs a write only when one changes.
_KNOWN = "known_languages"


def register(application: Application) -> None:  # type: ignore[type-arg]
    # Group -2 runs before every handler (a post card's buttons are in -1) and lets the
    # update go on to them.
    application.add_handler(TypeHandler(Update, remember_language), group=-2)


async def remember_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the language each person's Telegram app reports, for messages sent first."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    known: dict[int, str | None] = context.bot_data.setdefault(_KNOWN, {})
    if user.id in known and known[user.id] == user.language_code:
        return
    known[user.id] = user.language_code
    # Not awaited: no update waits for this write (the database may be busy for a while).
    context.application.create_task(
        services(context).db.run(
            lambda s: people_rows.remember_language(
                s, user_id=user.id, language_code=user.language_code
            )
        ),
        update=update,
    )


def reader(context: ContextTypes.DEFAULT_TYPE, user: User | None) -> Texts:
    """The texts for whoever sent this update, in their app's language."""
    config = services(context).config
    return texts_for_code(config, user.language_code if user is not None else None)


def texts_for_code(config: Config, language_code: str | None) -> Texts:
    return texts_for(i18n.negotiate(language_code, config.settings.language), config.tz)


async def texts_by_user(db: Gateway, config: Config, user_ids: list[int]) -> dict[int, Texts]:
    """Each person's texts, from the language they last wrote in (the default if never)."""
    codes = await db.run(lambda s: people_rows.language_codes(s, user_ids=user_ids))
    return {user_id: texts_for_code(config, codes.get(user_id)) for user_id in user_ids}
