"""Direct messages to followers: the same post as the channel gets, to one private chat."""

from __future__ import annotations

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.config import ChannelConfig
from bot.domain.drafting import render_telegram_html
from bot.domain.errors import PublishError, RecipientGoneError
from bot.publishers.base import OutgoingPost
from bot.publishers.telegram_channel import Pacer, held, translate_error


class DirectMessenger:
    """Sends posts to followers' private chats, within the bot's shared send budget."""

    def __init__(self, bot: Bot, pacer: Pacer) -> None:
        self.bot = bot
        self.pacer = pacer

    async def send(self, chat_id: int, post: OutgoingPost) -> str:
        """The message id; raises our PublishError kinds (RecipientGoneError on a 403)."""
        await self.pacer.wait()
        try:
            message = await self.bot.send_message(
                chat_id, render_telegram_html(post.draft), parse_mode="HTML"
            )
        except Forbidden as exc:  # blocked, deactivated, or never started the bot
            raise RecipientGoneError(f"follower {chat_id}: {exc.message}") from exc
        except TelegramError as exc:
            raise held(_translate(exc, chat_id), self.pacer) from exc
        return str(message.message_id)


def _translate(exc: TelegramError, chat_id: int) -> PublishError:
    follower = ChannelConfig(name="follower", type="telegram", chat_id=chat_id)
    return translate_error(exc, follower)
