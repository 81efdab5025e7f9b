"""Officers feed the bot in chat: a recap as text, a forwarded message, a document (.txt,
.md, .docx, .html) or photos with a caption. Thin: check the role, store, reply."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlmodel import Session
from telegram import ForceReply, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.chat import alerts
from bot.chat.people import Asker, asker
from bot.chat.texts import Texts
from bot.domain.errors import UserError
from bot.domain.posts import PostKind
from bot.ingest import Image
from bot.services import events, intake, queries, queued

log = logging.getLogger(__name__)

#: Telegram bots may download files up to 20 MB; our recaps stop at 10 MB anyway.
MAX_DOWNLOAD = 20 * 1024 * 1024


def register(application: Application) -> None:  # type: ignore[type-arg]
    recap = filters.ChatType.PRIVATE & (
        (filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO
    )
    application.add_handler(CommandHandler("new", on_new, filters=filters.ChatType.PRIVATE))
    application.add_handler(MessageHandler(recap, on_recap))


async def on_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/new: compose a post directly. ``/new Title⏎text`` in one message, or /new alone and
    then the text in reply to the bot's question."""
    message = update.effective_message
    if update.effective_user is None or message is None or message.text is None:
        return
    command_and_text = message.text.split(maxsplit=1)  # keeps the text's line breaks
    if len(command_and_text) == 2:
        await compose(update, context, command_and_text[1].strip())
    elif (asked := await _feeder(update, context)) is not None:
        question = asked.t.new_post_question()
        await message.reply_text(question, reply_markup=ForceReply(selective=True))


async def compose(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Store an officer's own post as a draft (first line title) and ask the admins."""
    asked = await _feeder(update, context)
    if asked is None:
        return
    user, message, found, t = asked.user, asked.message, asked.found, asked.t
    now = datetime.now(UTC)

    def store(session: Session) -> int:
        post = queued.queue_post(
            session,
            found.config,
            text=text,
            kind=PostKind.DAILY,
            at=None,
            channels=[],
            approved=False,
            reserve=False,
            now=now,
            by=user.id,
            unit=found.config.audience_of_officer(user.id),
        )
        assert post.id is not None
        events.ask_admins(session, post_id=post.id)  # recorded with the draft
        return post.id

    try:
        post_id = await found.db.run(store)
    except UserError as exc:
        await message.reply_text(t.recap_refused(t.error(exc)))
        return
    await alerts.deliver_now(context)
    reached = await found.db.run(queries.admins_have_it, post_id=post_id)
    # Said only once known: "sent to the admins" when at least one of them has it.
    await message.reply_text(t.post_drafted(post_id) if reached else t.post_not_sent(post_id))


async def on_recap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store what an officer (or admin) sent as a recap and say its number."""
    asked = await _feeder(update, context)
    if asked is None:
        return
    user, message, found, t = asked.user, asked.message, asked.found, asked.t
    try:
        data, filename, photos = await _read(message)
        recap = await found.db.run(
            intake.store_recap,
            data=data,
            source=filename or f"tin nhắn của {user.id}",
            title=None,
            url=None,
            filename=filename,
            media_dir=found.config.media_dir,
            submitted_by=user.id,
            photos=photos,
            unit=found.config.audience_of_officer(user.id),
        )
    except UserError as exc:
        await message.reply_text(t.recap_refused(t.error(exc)))
        return
    except TelegramError as exc:
        log.warning("could not download a file from %s: %s", user.id, exc)
        await message.reply_text(t.recap_refused(t.download_failed()))
        return
    assert recap.id is not None
    await message.reply_text(t.recap_stored(recap.id, recap.title))


async def _feeder(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Asker | None:
    """Officers (and admins) feed the bot; anyone else is told, in their language."""
    return await asker(update, context, {"officer", "admin"}, Texts.not_an_officer)


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
