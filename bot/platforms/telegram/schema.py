"""The keys of a ``type = "telegram"`` channel."""

from __future__ import annotations

from bot.config import ChannelOptions


class TelegramOptions(ChannelOptions):
    #: The channel: "@username" for a public one, the numeric id (-100…) for a private one.
    chat_id: str | int | None = None
    #: Whether a text message shows the preview of its link (None: Telegram's default, shown).
    link_preview: bool | None = None

    def model_post_init(self, _context: object) -> None:
        if self.chat_id in (None, ""):
            raise ValueError('a telegram channel needs chat_id (such as "@your_channel")')

    @property
    def target(self) -> str:
        return str(self.chat_id)


SCHEMA = TelegramOptions
