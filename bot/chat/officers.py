"""Officers feed the bot in chat: a recap as text, a forwarded message, a document (.txt,
.md, .docx, .html) or photos with a caption. Thin: check the role, store, reply."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot import actions
from bot.chat import texts
from bot.chat.services import services
from bot.domain.errors import UserError
from bot.ingest import Image
from bot.storage.db import session_scope

log = logging.getLogger(__name__)

#: Telegram bots may download files up to 20 MB; our recaps stop at 10 MB anyway.
MAX_DOWNLOAD = 20 * 1024 * 1024


def register(application: Application) -> None:  # type: ignore[type-arg]
    recap = filters.ChatType.PRIVATE & (
        (filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO
    )
    application.add_handler(MessageHandler(recap, on_recap))


async def on_recap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store what an officer (or admin) sent as a recap and say its number."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    found = services(context)
    with session_scope(found.engine) as session:
        roles = actions.roles_of(session, found.config, user.id)
    if not roles & {"officer", "admin"}:
        await message.reply_text(texts.NOT_AN_OFFICER)
        return
    try:
        data, filename, photos = await _read(message)
        with session_scope(found.engine) as session:
            recap = actions.store_recap(
                session,
                data=data,
                source=filename or f"tin nhắn của {user.id}",
                title=None,
                url=None,
                filename=filename,
                media_dir=found.config.media_dir,
                submitted_by=user.id,
                photos=photos,
            )
    except UserError as exc:
        await message.reply_text(texts.recap_refused(str(exc)))
        return
    except TelegramError as exc:
        log.warning("could not download a file from %s: %s", user.id, exc)
        await message.reply_text(texts.recap_refused(str(exc)))
        return
    assert recap.id is not None
    await message.reply_text(texts.recap_stored(recap.id, recap.title))


async def _read(message: Message) -> tuple[bytes, str | None, list[Image]]:
    """The recap's bytes, its file name (documents) and any photo."""
    if message.document is not None:
        document = message.document
        if (document.file_size or 0) > MAX_DOWNLOAD:
            raise UserError(f"{document.file_name}: the file is larger than 20 MB")
        file = await document.get_file()
        return bytes(await file.download_as_bytearray()), document.file_name, []
    if message.photo:
        largest = message.photo[-1]
        file = await largest.get_file()
        data = bytes(await file.download_as_bytearray())
        photo = Image("photo.jpg", "image/jpeg", data)
        return (message.caption or "").encode("utf-8"), None, [photo]
    return (message.text or "").encode("utf-8"), None, []
