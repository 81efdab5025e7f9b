"""Is the service alive? The worker's heartbeat is fresh and the database answers.

Pure: one read of the database and arithmetic on ``now``, so `goodnews health`, the Docker
HEALTHCHECK and the web dashboard's /healthz give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.heartbeat import last_heartbeat


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str  # one line for people
    heartbeat_age: float | None  # seconds since the newest beat; None without one
    database_ok: bool = True  # the database answered (the web process itself can serve)


def check_health(engine: Engine, *, now: datetime, max_age: timedelta) -> Health:
    """Healthy when the newest heartbeat is at most ``max_age`` old."""
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        return Health(False, f"database unreachable: {_first_line(exc)}", None, False)
    try:
        beat = last_heartbeat(engine)
    except SQLAlchemyError as exc:  # reachable, but without the heartbeat table
        return Health(
            False, f"database not ready (`goodnews init`): {_first_line(exc)}", None, False
        )
    if beat is None:
        return Health(False, "no heartbeat yet: is the worker (`goodnews run`) running?", None)
    age = (now - beat).total_seconds()
    if age > max_age.total_seconds():
        return Health(
            False,
            f"heartbeat is {_span(age)} old (more than {_span(max_age.total_seconds())}): "
            "the worker is stopped or stuck",
            age,
        )
    return Health(True, f"ok: heartbeat {_span(age)} ago", age)


def _span(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def _first_line(exc: SQLAlchemyError) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__
