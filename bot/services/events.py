"""Who hears each recorded event: its deliveries, listed once per event (the admins of the
moment for the admins' alerts)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.services import access
from bot.storage import event_rows

ADMINS = "admins"


def expand(session: Session, config: Config, *, now: datetime) -> int:
    """List the deliveries of every event not yet expanded; how many events were."""
    events = event_rows.unexpanded(session)
    if events:
        admins = [(ADMINS, admin) for admin in access.people_with(session, config, "admin")]
    for event_id, _notice in events:
        event_rows.expand(session, event_id=event_id, recipients=admins, now=now)
    return len(events)
