"""The python-telegram-bot ``Bot``, aimed at ``telegram.api_url``; the chat uses it too."""

from __future__ import annotations

from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.config import Config
from bot.domain.errors import ConfigError


def make_bot(config: Config) -> Bot | None:
    """A Bot aimed at ``telegram.api_url``, or None when no token is set."""
    token = config.secrets.telegram_bot_token
    if not token:
        return None
    api = config.settings.telegram.api_url
    return Bot(token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")


async def start_bot(bot: Bot) -> None:
    """Initialise (``getMe``); a refused token is a one-line ConfigError, not a traceback."""
    try:
        await bot.initialize()
    except InvalidToken:
        raise ConfigError("TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)") from None
    except TelegramError as exc:
        raise ConfigError(f"cannot reach the Telegram Bot API: {exc}") from None
