"""Is the service alive? The worker's heartbeat is fresh and the database answers.

Pure: one read of the database and arithmetic on ``now``, so `goodnews health`, the Docker
HEALTHCHECK and the web dashboard's /healthz give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.errors import N_, Text
from bot.storage.heartbeat import last_heartbeat


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str  # one line for people: a Text, English as a str, translated by the CLI
    heartbeat_age: float | None  # seconds since the newest beat; None without one
    database_ok: bool = True  # the database answered (the web process itself can serve)


def check_health(engine: Engine, *, now: datetime, max_age: timedelta) -> Health:
    """Healthy when the newest heartbeat is at most ``max_age`` old."""
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        said = _first_line(exc)
        return Health(False, Text(N_("database unreachable: {said}"), said=said), None, False)
    try:
        beat = last_heartbeat(engine)
    except SQLAlchemyError as exc:  # reachable, but without the heartbeat table
        said = _first_line(exc)
        reason = Text(N_("database not ready (`goodnews init`): {said}"), said=said)
        return Health(False, reason, None, False)
    if beat is None:
        return Health(
            False, Text(N_("no heartbeat yet: is the worker (`goodnews run`) running?")), None
        )
    age = (now - beat).total_seconds()
    if age > max_age.total_seconds():
        return Health(
            False,
            Text(
                N_("heartbeat is {age} old (more than {limit}): the worker is stopped or stuck"),
                age=_span(age),
                limit=_span(max_age.total_seconds()),
            ),
            age,
        )
    return Health(True, Text(N_("ok: heartbeat {age} ago"), age=_span(age)), age)


def _span(seconds: float) -> Text:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return Text(N_("{n}s"), n=seconds)
    if seconds < 7200:
        return Text(N_("{n}m"), n=seconds // 60)
    return Text(N_("{n}h"), n=seconds // 3600)


def _first_line(exc: SQLAlchemyError) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__
