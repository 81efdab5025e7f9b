"""Reads over the bare database driver (sqlite3, psycopg 3), for short read-only commands.

Importing SQLAlchemy and building the model classes would be most of what ``goodnews queue``
costs (``python -m benchmarks.cli``), and what it shows takes four queries, so it asks the
driver directly. The same :class:`Reader` wraps a Session's connection, so the chat reads the
board through the very same queries, inside its unit of work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_type_hints

from bot.domain.errors import N_, ConfigError
from bot.storage import revision

if TYPE_CHECKING:
    from sqlmodel import Session

V = TypeVar("V")

_SQLITE = re.compile(r"^sqlite(?:\+pysqlite)?:///(?P<path>[^?]+)$")
_POSTGRESQL = re.compile(r"^postgres(?:ql)?(?:\+psycopg)?://(?P<rest>.*)$")
#: How SQLAlchemy stores a DATETIME in SQLite (naive UTC here, see bot.storage.types), so a
#: bound instant compares as the stored text does.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
_NAMED = re.compile(r"(?<!:):(\w+)")


class Reader:
    """Queries with ``:name`` parameters over one DB-API connection, in its transaction.
    Instants are bound and read as aware UTC datetimes on both databases."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self.connection = connection
        self.dialect = dialect

    @classmethod
    def of_session(cls, session: Session) -> Reader:
        """The reader of a Session's connection (its transaction, begun if need be)."""
        connection = session.connection()
        return cls(connection.connection, connection.dialect.name)

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        if self.dialect == "postgresql":  # psycopg's paramstyle is pyformat
            sql = _NAMED.sub(r"%(\1)s", sql)
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, {name: self._bind(value) for name, value in params.items()})
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def views(self, view: type[V], sql: str, **params: Any) -> list[V]:
        """Rows as ``view`` dataclasses: the query selects its fields, in order."""
        decoders = _decoders(view)
        return [
            view(*(decode(value) for decode, value in zip(decoders, row, strict=True)))
            for row in self.rows(sql, **params)
        ]

    def require_head(self) -> None:
        """Refuse a database ``goodnews init`` has not brought up to date (as db.check_schema)."""
        has_version = self.rows(revision.HAS_VERSION[self.dialect])
        current = self.rows(revision.CURRENT)[0][0] if has_version and has_version[0][0] else None
        revision.require_head(current)

    def _bind(self, value: Any) -> Any:
        if isinstance(value, StrEnum):
            return value.value
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
            return value.strftime(_SQLITE_TIME) if self.dialect == "sqlite" else value
        return value


def listed(name: str, values: Collection[Any]) -> tuple[str, dict[str, Any]]:
    """Placeholders and parameters for ``IN (...)``, the same on both databases."""
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{key}" for key in params) or "NULL", params


def columns(view: type[Any], table: str = "") -> str:
    """The SELECT list of a view's fields, in order (``table.`` before each if given)."""
    prefix = f"{table}." if table else ""
    return ", ".join(prefix + field.name for field in fields(view))


@contextmanager
def connect(url: str) -> Iterator[Reader | None]:
    """A checked reader in one read transaction on the database at ``url``; None for a URL
    it does not read (the caller then goes through SQLAlchemy)."""
    sqlite, postgresql = _SQLITE.match(url), _POSTGRESQL.match(url)
    if sqlite:
        connection = _sqlite(Path(sqlite["path"]))
        dialect = "sqlite"
    elif postgresql:
        connection = _postgresql("postgresql://" + postgresql["rest"])
        dialect = "postgresql"
    else:
        yield None
        return
    try:
        reader = Reader(connection, dialect)
        reader.require_head()
        yield reader
    finally:
        connection.close()  # nothing was written: closing ends the read transaction


def _sqlite(path: Path) -> Any:
    import sqlite3

    if not path.exists():  # never create it, as a read would not: it has no tables
        revision.require_head(None)
    try:
        # Autocommit with a deferred BEGIN: one snapshot for every query, and no write lock
        # to wait for (BEGIN IMMEDIATE, as writers take it, would queue behind a writer).
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
        connection.isolation_level = None
        connection.execute("BEGIN")
    except sqlite3.Error as exc:
        raise ConfigError(N_("database: cannot connect: {said}"), said=str(exc)) from None
    return connection


def _postgresql(conninfo: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(conninfo)  # a transaction begins with the first query
    except psycopg.Error as exc:
        said = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(N_("database: cannot connect: {said}"), said=said) from None


_DECODERS: dict[type[Any], tuple[Callable[[Any], Any], ...]] = {}


def _decoders(view: type[Any]) -> tuple[Callable[[Any], Any], ...]:
    """How to read each field of ``view`` from what the driver returns, by its type."""
    if view not in _DECODERS:
        hints = get_type_hints(view)
        _DECODERS[view] = tuple(_decoder(hints[field.name]) for field in fields(view))
    return _DECODERS[view]


def _decoder(hint: Any) -> Callable[[Any], Any]:
    kinds: Sequence[Any] = get_args(hint) or (hint,)
    if datetime in kinds:
        return _instant
    if bool in kinds:
        return lambda value: value if value is None else bool(value)
    enums = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, StrEnum)]
    if enums:
        enum = enums[0]
        return lambda value: value if value is None else enum(value)
    return lambda value: value


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    # SQLite: naive UTC text; PostgreSQL: an aware datetime
    when: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
