"""Inline keyboards from (text, callback data) pairs: the approval buttons, a post's card,
the followers' units."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def rows(*buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """A keyboard: rows of buttons, each a (text, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in buttons]
    )


def column(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """Buttons one under the other."""
    return rows(*([button] for button in buttons))
