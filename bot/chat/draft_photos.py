"""A draft's photos in the admin's chat, just above its approval message: they approve what
the channel will show (one photo, or an album of up to ten)."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Bot, InputFile, InputMediaPhoto
from telegram.error import TelegramError

from bot.config import Config
from bot.domain.errors import PublishError
from bot.platforms.base import Photo, read_photos
from bot.platforms.telegram.render import TELEGRAM_ALBUM_LIMIT
from bot.services.post_detail import outgoing
from bot.storage import post_rows
from bot.storage.gateway import Gateway

log = logging.getLogger(__name__)


async def show_photos(bot: Bot, db: Gateway, config: Config, *, chat_id: int, post_id: int) -> None:
    """Send the draft's photos to one admin; nothing for a post without any. A photo that
    cannot be read or sent is logged and never stops the approval request."""

    def read(session: Session) -> tuple[Photo, ...]:
        return outgoing(session, config, post_rows.get_post(session, post_id=post_id)).photos

    album = (await db.run(read))[:TELEGRAM_ALBUM_LIMIT]
    if not album:
        return
    try:
        files = [
            InputFile(data, filename=photo.path.name, attach=True)
            for photo, data in zip(album, read_photos(album, f"post {post_id}"), strict=True)
        ]
        if len(files) == 1:
            await bot.send_photo(chat_id, files[0])
        else:
            await bot.send_media_group(chat_id, [InputMediaPhoto(f) for f in files])
    except (TelegramError, PublishError) as exc:
        log.warning("could not show post %s's photos to %s: %s", post_id, chat_id, exc)
