"""Followers choose the units whose news they get: the buttons under the answer to /start.

Each button toggles one unit (``follow:cnvc``); the last one follows every unit again
(``follow:*``). The organisation's own news go to every follower whatever they choose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.chat.keyboards import column
from bot.chat.people import reader
from bot.chat.services import services
from bot.chat.texts import Texts
from bot.config import Config
from bot.platforms.telegram.errors import unchanged
from bot.services import following

log = logging.getLogger(__name__)

FOLLOW = "follow"
#: Every unit's news, again.
ALL = "*"
#: The callback data this module answers (registered ahead of the approval buttons).
PATTERN = rf"^{FOLLOW}:"


@dataclass(frozen=True)
class FollowCallback:
    """A decoded press: ``follow:cnvc`` → FollowCallback("cnvc"); ``follow:*`` → every unit."""

    unit: str

    @classmethod
    def parse(cls, data: str | None, config: Config) -> FollowCallback | None:
        """None for anything that is not one of our buttons for a unit in the config now
        (forged, or a unit since removed)."""
        prefix, colon, unit = (data or "").partition(":")
        if prefix != FOLLOW or not colon:
            return None
        if unit != ALL and unit not in {u.id for u in config.units}:
            return None
        return cls(unit)

    def encode(self) -> str:
        return f"{FOLLOW}:{self.unit}"


def units_keyboard(t: Texts, config: Config, followed: set[str]) -> InlineKeyboardMarkup:
    """One button per unit, ✅ when followed, then "All units"."""
    units = [
        (t.unit_button(unit.name, unit.id in followed), FollowCallback(unit.id).encode())
        for unit in config.units
    ]
    return column(*units, (t.button_all_units(), FollowCallback(ALL).encode()))


async def on_follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A follower pressed a unit (or "All units"): their choice changes, the buttons show
    it. A forged button, or one pressed by someone no longer following, changes nothing."""
    query = update.callback_query
    if query is None:
        return
    found, t = services(context), reader(context, query.from_user)
    callback = FollowCallback.parse(query.data, found.config)
    if callback is None:
        await query.answer(t.unknown_button(), show_alert=True)
        return
    unit = None if callback.unit == ALL else callback.unit
    followed = await found.db.run(
        following.follow_unit, found.config, chat_id=query.from_user.id, unit=unit
    )
    if followed is None:
        await query.answer(t.not_subscribed(), show_alert=True)
        return
    if unit is None:
        await query.answer(t.all_units_followed())
    else:
        name = found.config.unit(unit).name
        await query.answer(t.unit_switched(name, unit in followed))
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(units_keyboard(t, found.config, followed))
        except BadRequest as exc:  # "All units" pressed when all were already followed
            if not unchanged(exc):
                log.warning("could not update the units of %s: %s", query.from_user.id, exc)
