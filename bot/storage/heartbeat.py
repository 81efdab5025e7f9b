"""The workers' heartbeat: written every sweep, read by `goodnews health` and /healthz."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from bot.storage.db import session_scope
from bot.storage.models import Heartbeat

FORGET_AFTER = timedelta(days=1)  # a restarted worker has a new name; its old row goes


def write_heartbeat(engine: Engine, *, worker: str, now: datetime) -> None:
    """Record that ``worker`` finished a sweep at ``now``, in a transaction of its own."""
    with session_scope(engine) as session:
        beat(session, worker=worker, now=now)


def beat(session: Session, *, worker: str, now: datetime) -> None:
    """Record that ``worker`` finished a sweep at ``now``; forget workers silent for a day."""
    # An upsert, not a read then a write: concurrent ticks on one host share a row, and two
    # inserts of it racing on PostgreSQL would fail one of them.
    # Only the database's own dialect is loaded (PostgreSQL's costs a SQLite tick a tenth).
    dialect = import_module(f"sqlalchemy.dialects.{session.get_bind().dialect.name}")
    upsert = dialect.insert(Heartbeat).values(worker=worker, beat_at=now)
    upsert = upsert.on_conflict_do_update(
        index_elements=["worker"], set_={"beat_at": upsert.excluded.beat_at}
    )
    session.execute(upsert)
    session.exec(delete(Heartbeat).where(col(Heartbeat.beat_at) < now - FORGET_AFTER))


def last_heartbeat(engine: Engine) -> datetime | None:
    """The newest beat of any worker, or None when none has beaten yet."""
    newest = select(Heartbeat.beat_at).order_by(col(Heartbeat.beat_at).desc()).limit(1)
    with session_scope(engine) as session:
        return session.exec(newest).first()
