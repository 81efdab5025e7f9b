"""Direct messages to followers: the same post as the channel gets, to one private chat."""

from __future__ import annotations

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.domain.drafting import render_telegram_html
from bot.domain.errors import RecipientGoneError
from bot.platforms.base import OutgoingPost, SendBudget
from bot.platforms.telegram.errors import translate_error
from bot.platforms.telegram.publisher import held


class DirectMessenger:
    """Sends posts to followers' private chats, within the bot's shared send budget."""

    def __init__(self, bot: Bot, pacer: SendBudget) -> None:
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
            raise held(
                translate_error(exc, f"telegram channel follower ({chat_id})"), self.pacer
            ) from exc
        return str(message.message_id)
