"""Reactions on the channels' posts: Telegram sends a ``message_reaction_count`` update to
a channel's admin bot whenever a post's anonymous reaction totals change (the bot asks for
that update type). The latest totals per message and per reaction are kept; a collection
pass snapshots them into each publication's time series."""

from __future__ import annotations

from typing import Any

from telegram import (
    Chat,
    ReactionType,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
    Update,
)
from telegram.ext import Application, ContextTypes, MessageReactionHandler

from bot.chat.services import services
from bot.config import Config
from bot.storage import metrics


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(
        MessageReactionHandler(
            on_reaction_count,
            message_reaction_types=MessageReactionHandler.MESSAGE_REACTION_COUNT_UPDATED,
        )
    )


async def on_reaction_count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    counts = update.message_reaction_count
    if counts is None:
        return
    found = services(context)
    channel = channel_of(found.config, counts.chat)
    if channel is None:
        return  # a chat that is none of ours
    totals: dict[str, int] = {}
    for reaction in counts.reactions:
        key = reaction_key(reaction.type)
        totals[key] = totals.get(key, 0) + reaction.total_count
    # Through the gateway, as every handler's write: a busy database never stalls polling.
    await found.db.run(
        metrics.set_reactions,
        channel=channel,
        message_id=counts.message_id,
        totals=totals,
        at=counts.date,
    )


def channel_of(config: Config, chat: Chat) -> str | None:
    """The configured Telegram channel a chat is: by id, or by @username."""
    for channel in config.channels:
        if channel.type != "telegram":
            continue
        target = channel.target
        if target == str(chat.id) or (
            chat.username and target.lower() == f"@{chat.username}".lower()
        ):
            return channel.name
    return None


def reaction_key(reaction: ReactionType) -> str:
    """An emoji as itself, a custom emoji as ``custom:<id>``, a paid star as ``paid``."""
    if isinstance(reaction, ReactionTypeEmoji):
        return str(reaction.emoji)
    if isinstance(reaction, ReactionTypeCustomEmoji):
        return f"custom:{reaction.custom_emoji_id}"
    return str(reaction.type)
