"""The one way code reaches the database: async code (chat handlers, jobs, the worker) through
:meth:`Gateway.run`, the command line through :func:`bot.storage.db.unit`.

Each call is one unit of work: its own transaction, run in a worker thread, so the event loop
keeps polling Telegram and answering people while the database is busy (another process
holding SQLite's write lock, a slow PostgreSQL). No session is ever open across an ``await``.
SQLite has one writer at a time, so it gets one thread; PostgreSQL a few.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from bot.storage.db import unit

#: Engine is named here too: code that only hands the process's engine on to a gateway
#: (the web server) needs no SQLAlchemy import of its own.
__all__ = ["Busy", "Engine", "Gateway", "gateway_for"]

T = TypeVar("T")
P = ParamSpec("P")

#: Threads for PostgreSQL: enough for the chat and a publishing pass side by side.
POSTGRES_THREADS = 4

#: What a busy database raises: SQLite's "database is locked", a PostgreSQL lock timeout.
Busy = OperationalError


class Gateway:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        threads = 1 if engine.dialect.name == "sqlite" else POSTGRES_THREADS
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="db")

    async def run(
        self, work: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``work(session, *args, **kwargs)`` in its own transaction, committed before the
        result comes back. Cancelling the await does not cancel the work: a write once
        started lands."""
        work_unit = functools.partial(unit, self.engine, work, *args, **kwargs)
        result = await asyncio.get_running_loop().run_in_executor(self._pool, work_unit)
        _no_live_row(result, work)
        return result


def _no_live_row(value: object, work: object, depth: int = 0) -> None:
    """Async code gets plain values and frozen views back, never a table row: read on the
    event loop after its session closed, a row is stale, and any lazy load would block."""
    if isinstance(value, SQLModel) and hasattr(type(value), "__table__"):
        name = getattr(work, "__qualname__", repr(work))
        raise TypeError(f"{name} handed a live {type(value).__name__} row to async code")
    if depth < 3:
        if isinstance(value, dict):
            value = list(value.values())
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = [getattr(value, f.name) for f in dataclasses.fields(value)]
        if isinstance(value, list | tuple | set | frozenset):
            for item in value:
                _no_live_row(item, work, depth + 1)


_GATEWAYS: weakref.WeakKeyDictionary[Engine, Gateway] = weakref.WeakKeyDictionary()


def gateway_for(engine: Engine) -> Gateway:
    """The process's one gateway to this database (so SQLite keeps one writer thread)."""
    found = _GATEWAYS.get(engine)
    if found is None:
        found = _GATEWAYS[engine] = Gateway(engine)
    return found
