"""Is this process healthy: the database answers, and (once the worker writes one) how old
its last heartbeat is.

A minimal version with the interface the deploy work settles on; that work replaces it with
the worker's real heartbeat. Until then ``heartbeat_age`` is None: nothing writes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str
    heartbeat_age: float | None  # seconds since the worker's last heartbeat; None: none seen


def check_health(engine: Engine, *, now: datetime, max_age: timedelta) -> Health:
    """Healthy when the database answers a query; the heartbeat is not written yet."""
    del now, max_age  # used once the worker writes heartbeats
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return Health(
            ok=False, reason=f"database unreachable: {type(exc).__name__}", heartbeat_age=None
        )
    return Health(ok=True, reason="database reachable", heartbeat_age=None)
