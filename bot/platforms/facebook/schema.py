"""The keys of a ``type = "facebook"`` channel (a Facebook Page)."""

from __future__ import annotations

from bot.config import ChannelOptions


class FacebookOptions(ChannelOptions):
    #: The Page's id (About → Page transparency).
    page_id: str | None = None

    def model_post_init(self, _context: object) -> None:
        if not self.page_id:
            raise ValueError("a facebook channel needs page_id")

    @property
    def target(self) -> str:
        return str(self.page_id)


SCHEMA = FacebookOptions
