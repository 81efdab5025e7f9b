"""Direct messages to followers: the same post as the channel gets, photos included, to one
private chat."""

from __future__ import annotations

from telegram import Bot, InputFile
from telegram.error import Forbidden, TelegramError

from bot.domain.errors import RecipientGoneError
from bot.platforms.base import OutgoingPost, SendBudget, read_photos
from bot.platforms.telegram.errors import translate_error
from bot.platforms.telegram.publisher import held, send_album
from bot.platforms.telegram.render import telegram_album, telegram_caption, telegram_text


class DirectMessenger:
    """Sends posts to followers' private chats, within the bot's shared send budget. A
    post's photos are uploaded once; later followers get them by Telegram's file ids."""

    def __init__(self, bot: Bot, pacer: SendBudget) -> None:
        self.bot = bot
        self.pacer = pacer
        self._file_ids: dict[int, list[str]] = {}  # post id → its photos, once uploaded

    async def send(self, chat_id: int, post: OutgoingPost) -> str:
        """The (first) message id; raises our PublishError kinds (RecipientGoneError on a
        403). As the channel: the photo or album with the post as its caption, or the photos
        and then the text when it is too long for a caption."""
        try:
            if not telegram_album(post):
                return await self._text(chat_id, post)
            first = await self._photos(chat_id, post)
            if telegram_caption(post) is None:
                await self._text(chat_id, post)
            return first
        except Forbidden as exc:  # blocked, deactivated, or never started the bot
            raise RecipientGoneError(f"follower {chat_id}: {exc.message}") from exc
        except TelegramError as exc:
            raise held(
                translate_error(exc, f"telegram channel follower ({chat_id})"), self.pacer
            ) from exc

    async def _text(self, chat_id: int, post: OutgoingPost) -> str:
        await self.pacer.wait()
        message = await self.bot.send_message(chat_id, telegram_text(post), parse_mode="HTML")
        return str(message.message_id)

    async def _photos(self, chat_id: int, post: OutgoingPost) -> str:
        album, caption = telegram_album(post), telegram_caption(post)
        known = self._file_ids.get(post.id)
        media: list[str | InputFile] = (
            list(known)
            if known is not None
            else [
                InputFile(data, filename=photo.path.name, attach=True)
                for photo, data in zip(
                    album, read_photos(album, f"follower {chat_id}"), strict=True
                )
            ]
        )
        await self.pacer.wait()
        messages = await send_album(self.bot, chat_id, media, caption)
        if known is None:
            self._file_ids[post.id] = [m.photo[-1].file_id for m in messages if m.photo]
        return str(messages[0].message_id)
