"""Exactly what goes over the wire for a post to a Telegram channel, shared by the real and
the dry-run publishers.

No photo → ``sendMessage``; photos and a text that fits a caption → ``sendPhoto`` (one) or
``sendMediaGroup`` (2-10, the caption on the first); a text too long for a caption → the
photos without one, then ``sendMessage`` with the whole text.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.config import ChannelConfig
from bot.domain.drafting import TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, render_telegram_html
from bot.platforms.base import Limits, OutgoingPost, Photo, Request
from bot.platforms.telegram.schema import TelegramOptions

log = logging.getLogger(__name__)

#: The most photos Telegram takes in one album (``sendMediaGroup``).
TELEGRAM_ALBUM_LIMIT = 10

LIMITS = Limits(
    text=TELEGRAM_TEXT_LIMIT, caption=TELEGRAM_CAPTION_LIMIT, photos=TELEGRAM_ALBUM_LIMIT
)


def options(channel: ChannelConfig) -> TelegramOptions:
    """The channel's Telegram keys (its config was validated by :class:`TelegramOptions`)."""
    assert isinstance(channel.options, TelegramOptions), channel.name
    return channel.options


def telegram_text(post: OutgoingPost) -> str:
    """The post as the channel reads it: the message's HTML (also the caption when it fits)."""
    return render_telegram_html(post.draft)


def telegram_link(channel: ChannelConfig, external_id: str | None) -> str | None:
    """``https://t.me/<username>/<id>`` for a public channel, ``https://t.me/c/<id>/<id>``
    for a private one (its chat id without the -100); the first message of an album."""
    first = (external_id or "").split(",")[0].strip()
    if not first.isdigit():
        return None  # not sent, or a dry run's file
    chat = options(channel).target
    if chat.startswith("@"):
        return f"https://t.me/{chat[1:]}/{first}"
    if chat.startswith("-100") and chat[4:].isdigit():
        return f"https://t.me/c/{chat[4:]}/{first}"
    return None  # a basic group or a person: no public link


def telegram_home(channel: ChannelConfig) -> str | None:
    """``https://t.me/<username>`` for a public channel; a private one has no address."""
    chat = options(channel).target
    return f"https://t.me/{chat[1:]}" if chat.startswith("@") else None


def telegram_send_message(post: OutgoingPost, channel: ChannelConfig) -> dict[str, Any]:
    """Parameters of the Bot API ``sendMessage`` call (also python-telegram-bot's kwargs,
    but for ``link_preview_options``, a ``LinkPreviewOptions`` there)."""
    params: dict[str, Any] = {
        "chat_id": options(channel).chat_id,
        "text": telegram_text(post),
        "parse_mode": "HTML",
    }
    if options(channel).link_preview is False:
        params["link_preview_options"] = {"is_disabled": True}
    return params


def telegram_album(post: OutgoingPost) -> tuple[Photo, ...]:
    """The photos that go to Telegram: all of them, up to the album limit (logged if cut)."""
    if len(post.photos) > TELEGRAM_ALBUM_LIMIT:
        log.warning(
            "post %s has %d photos; a Telegram album takes %d: the first %d are sent",
            post.id,
            len(post.photos),
            TELEGRAM_ALBUM_LIMIT,
            TELEGRAM_ALBUM_LIMIT,
        )
    return post.photos[:TELEGRAM_ALBUM_LIMIT]


def telegram_caption(post: OutgoingPost) -> str | None:
    """The photo's caption: the whole post as HTML when it fits Telegram's caption limit,
    else None (the photos go without a caption and the text follows as a message).

    The renderer only shortens what is over its limit, so rendering within the caption limit
    gives the message's text unchanged exactly when the whole post fits in a caption.
    """
    caption = render_telegram_html(post.draft, limit=TELEGRAM_CAPTION_LIMIT)
    return caption if caption == render_telegram_html(post.draft) else None


def telegram_requests(post: OutgoingPost, channel: ChannelConfig) -> list[Request]:
    """Every Bot API call the post takes, in order, as the dry run records them."""
    album = telegram_album(post)
    if not album:
        return [("sendMessage", telegram_send_message(post, channel))]
    chat_id = options(channel).chat_id
    caption = telegram_caption(post)
    first: Request
    if len(album) == 1:
        first = ("sendPhoto", {"chat_id": chat_id, "photo": str(album[0].path)})
        if caption is not None:
            first[1].update(caption=caption, parse_mode="HTML")
    else:
        media: list[dict[str, Any]] = [{"type": "photo", "media": str(p.path)} for p in album]
        if caption is not None:
            media[0].update(caption=caption, parse_mode="HTML")
        first = ("sendMediaGroup", {"chat_id": chat_id, "media": media})
    if caption is not None:
        return [first]
    return [first, ("sendMessage", telegram_send_message(post, channel))]
