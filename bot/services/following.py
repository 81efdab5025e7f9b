"""Followers: the units whose news they get, and how a direct message to one ended."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.following import chosen_units
from bot.storage import follower_rows


def followed_units(session: Session, config: Config, *, chat_id: int) -> set[str] | None:
    """The units whose news a follower gets (the organisation's own always come); None: not
    a follower."""
    found = follower_rows.follower(session, chat_id=chat_id)
    if found is None:
        return None
    chosen = chosen_units(found.units)
    ids = {unit.id for unit in config.units}
    return ids if chosen is None else ids & set(chosen)


def follow_unit(
    session: Session, config: Config, *, chat_id: int, unit: str | None
) -> set[str] | None:
    """A follower switches one unit's news on or off (``unit`` None: every unit's again).
    Returns the units they now get; None when they are not a follower (nothing changes)."""
    followed = followed_units(session, config, chat_id=chat_id)
    if followed is None:
        return None
    ids = [u.id for u in config.units]
    if unit is None:
        followed = set(ids)
    else:
        followed ^= {config.unit(unit).id}  # raises for an unknown id
    everything = followed >= set(ids)
    follower_rows.set_followed_units(
        session, chat_id=chat_id, units=None if everything else [i for i in ids if i in followed]
    )
    return followed


def finish_delivery(
    session: Session,
    *,
    chat_id: int,
    delivery_id: int,
    status: str,
    error: str | None,
    retry_at: datetime | None,
) -> None:
    """Record how a direct message ended; a follower who blocked the bot is one no more."""
    follower_rows.finish_delivery(
        session, delivery_id=delivery_id, status=status, error=error, retry_at=retry_at
    )
    if status == "blocked":
        follower_rows.unsubscribe(session, chat_id=chat_id, reason="blocked the bot")
