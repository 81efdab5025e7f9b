"""Exactly what goes over the wire for a post to a Facebook Page, shared by the real and the
dry-run publishers.

No photo → ``/feed``; one → ``/photos`` with the message; several → each to ``/photos``
unpublished, then ``/feed`` attaching them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.config import ChannelConfig
from bot.domain.drafting import FACEBOOK_TEXT_LIMIT, render_plain
from bot.platforms.base import Limits, OutgoingPost, Request
from bot.platforms.facebook.schema import FacebookOptions

#: A Page post's text; a photo's message is the post's text; any number of photos.
LIMITS = Limits(text=FACEBOOK_TEXT_LIMIT, caption=None, photos=None)


def options(channel: ChannelConfig) -> FacebookOptions:
    """The channel's Page keys (its config was validated by :class:`FacebookOptions`)."""
    assert isinstance(channel.options, FacebookOptions), channel.name
    return channel.options


#: A Page post's id (``<page>_<post>``) or a photo's: what a link can be made of.
_POST_ID = re.compile(r"\d+(_\d+)?")


def facebook_text(post: OutgoingPost) -> str:
    """The post as the Page shows it: its plain message."""
    return render_plain(post.draft, limit=FACEBOOK_TEXT_LIMIT)


def facebook_link(external_id: str | None) -> str | None:
    """``https://www.facebook.com/<post-id>``; None when nothing went out (or a dry run)."""
    if not external_id or not _POST_ID.fullmatch(external_id):
        return None
    return f"https://www.facebook.com/{external_id}"


def facebook_feed(
    post: OutgoingPost, channel: ChannelConfig, *, media_fbids: Sequence[str] = ()
) -> dict[str, Any]:
    """Fields of the Graph API ``POST /{page-id}/feed`` call, without the token.

    With ``media_fbids`` (photos uploaded unpublished) the post attaches them; it then has no
    ``link`` field, which would make it a link share instead of a photo post (the link is in
    the message either way).
    """
    fields: dict[str, Any] = {"message": facebook_text(post)}
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
        return {"message": facebook_text(post)}
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
