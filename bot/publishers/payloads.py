"""Exactly what goes over the wire for a post, shared by the real and the dry-run publishers.

Telegram: no photo → ``sendMessage``; photos and a text that fits a caption → ``sendPhoto``
(one) or ``sendMediaGroup`` (2-10, the caption on the first); a text too long for a caption →
the photos without one, then ``sendMessage`` with the whole text. Facebook: no photo →
``/feed``; one → ``/photos`` with the message; several → each to ``/photos`` unpublished,
then ``/feed`` attaching them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from bot.config import ChannelConfig
from bot.domain.drafting import (
    FACEBOOK_TEXT_LIMIT,
    TELEGRAM_CAPTION_LIMIT,
    render_plain,
    render_telegram_html,
)
from bot.publishers.base import OutgoingPost, Photo

log = logging.getLogger(__name__)

#: The most photos Telegram takes in one album (``sendMediaGroup``).
TELEGRAM_ALBUM_LIMIT = 10

#: One request: the Bot API method or the Graph edge, and its parameters without the token.
#: An uploaded file appears as its local path; on the wire it is a multipart part.
Request = tuple[str, dict[str, Any]]


# -- Telegram --------------------------------------------------------------------------------


def telegram_send_message(post: OutgoingPost, channel: ChannelConfig) -> dict[str, Any]:
    """Parameters of the Bot API ``sendMessage`` call (also python-telegram-bot's kwargs,
    but for ``link_preview_options``, a ``LinkPreviewOptions`` there)."""
    params: dict[str, Any] = {
        "chat_id": channel.chat_id,
        "text": render_telegram_html(post.draft),
        "parse_mode": "HTML",
    }
    if channel.link_preview is False:
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
    caption = telegram_caption(post)
    first: Request
    if len(album) == 1:
        first = ("sendPhoto", {"chat_id": channel.chat_id, "photo": str(album[0].path)})
        if caption is not None:
            first[1].update(caption=caption, parse_mode="HTML")
    else:
        media: list[dict[str, Any]] = [{"type": "photo", "media": str(p.path)} for p in album]
        if caption is not None:
            media[0].update(caption=caption, parse_mode="HTML")
        first = ("sendMediaGroup", {"chat_id": channel.chat_id, "media": media})
    if caption is not None:
        return [first]
    return [first, ("sendMessage", telegram_send_message(post, channel))]


# -- Facebook --------------------------------------------------------------------------------


def facebook_feed(
    post: OutgoingPost, channel: ChannelConfig, *, media_fbids: Sequence[str] = ()
) -> dict[str, Any]:
    """Fields of the Graph API ``POST /{page-id}/feed`` call, without the token.

    With ``media_fbids`` (photos uploaded unpublished) the post attaches them; it then has no
    ``link`` field, which would make it a link share instead of a photo post (the link is in
    the message either way).
    """
    fields: dict[str, Any] = {"message": render_plain(post.draft, limit=FACEBOOK_TEXT_LIMIT)}
    for index, fbid in enumerate(media_fbids):
        fields[f"attached_media[{index}]"] = json.dumps({"media_fbid": fbid})
    if post.draft.link and not media_fbids:
        fields["link"] = post.draft.link
    return fields


def facebook_photo(post: OutgoingPost, *, published: bool) -> dict[str, Any]:
    """Fields of ``POST /{page-id}/photos`` besides the image (the multipart ``source``).

    Published, the photo is the post and carries its message; unpublished, it is only
    uploaded, to be attached to a feed post, and is seen by nobody until then.
    """
    if published:
        return {"message": render_plain(post.draft, limit=FACEBOOK_TEXT_LIMIT)}
    return {"published": "false"}


def facebook_requests(post: OutgoingPost, channel: ChannelConfig) -> list[Request]:
    """Every Graph API call the post takes, in order, as the dry run records them (the ids
    of photos uploaded unpublished are known only once uploaded: placeholders here)."""
    if not post.photos:
        return [("feed", facebook_feed(post, channel))]
    if len(post.photos) == 1:
        fields = facebook_photo(post, published=True)
        return [("photos", {**fields, "source": str(post.photos[0].path)})]
    uploads: list[Request] = [
        ("photos", {**facebook_photo(post, published=False), "source": str(photo.path)})
        for photo in post.photos
    ]
    ids = [f"<id of photo {n}>" for n in range(1, len(post.photos) + 1)]
    return [*uploads, ("feed", facebook_feed(post, channel, media_fbids=ids))]
