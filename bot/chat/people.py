"""Who is writing, and in which language to answer them (or to write to them first)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, ForceReply, Message, Update, User
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import i18n
from bot.chat.services import ChatServices, services
from bot.chat.texts import Texts, texts_for
from bot.config import Config
from bot.services import access
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


async def roles_of(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> set[str]:
    """A person's roles, as the database has them now (granted and revoked in chat)."""
    found = services(context)
    return await found.db.run(lambda s: access.roles_of(s, found.config, user_id))


@dataclass(frozen=True)
class Asker:
    """Who sent a message, with their roles: to whom to answer, and in which words."""

    user: User
    message: Message
    found: ChatServices
    t: Texts
    roles: set[str]


async def asker(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    allowed: set[str],
    refusal: Callable[[Texts], str],
) -> Asker | None:
    """The sender of a command meant for some roles; None when there is nothing to do (and
    the ``refusal`` said to anyone with none of the ``allowed`` roles)."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return None
    t, roles = reader(context, user), await roles_of(context, user.id)
    if not roles & allowed:
        await message.reply_text(refusal(t))
        return None
    return Asker(user, message, services(context), t, roles)


async def admin_asker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Asker | None:
    """The sender of an admin's command (anyone else hears that it is for admins only)."""
    return await asker(update, context, {"admin"}, Texts.admins_only)


def our_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Message, str] | None:
    """A reply to one of the bot's own messages: the reply, and the text it answers (None
    for any other message: the question carries what it is about)."""
    message, user = update.effective_message, update.effective_user
    asked = message.reply_to_message if message is not None else None
    if message is None or user is None or asked is None or not asked.text:
        return None
    if asked.from_user is None or asked.from_user.id != context.bot.id:
        return None
    return message, asked.text


async def ask(bot: Bot, user_id: int, question: str) -> None:
    """A question whose answer comes as a reply to it (read back from the reply)."""
    await bot.send_message(user_id, question, reply_markup=ForceReply(selective=True))
