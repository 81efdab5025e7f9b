"""Exactly what goes over the wire for a post, shared by the real and the dry-run publishers."""

from __future__ import annotations

from typing import Any

from bot.config import ChannelConfig
from bot.domain.drafting import render_plain, render_telegram_html
from bot.publishers.base import OutgoingPost


def telegram_send_message(post: OutgoingPost, channel: ChannelConfig) -> dict[str, Any]:
    """Parameters of the Bot API ``sendMessage`` call (also python-telegram-bot's kwargs)."""
    return {
        "chat_id": channel.chat_id,
        "text": render_telegram_html(post.draft),
        "parse_mode": "HTML",
    }


def facebook_feed(post: OutgoingPost, channel: ChannelConfig) -> dict[str, Any]:
    """Fields of the Graph API ``POST /{page-id}/feed`` call, without the token."""
    fields: dict[str, Any] = {"message": render_plain(post.draft)}
    if post.draft.link:
        fields["link"] = post.draft.link
    return fields
