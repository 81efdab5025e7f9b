"""Engines, sessions and migrations for SQLite (default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from bot.domain.errors import N_, ConfigError
from bot.storage import revision
from bot.storage.revision import MIGRATIONS

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Alembic is imported only to migrate (``goodnews init``): every other command checks the
# schema's revision with one query and the migration files' text (see check_schema).

T = TypeVar("T")
P = ParamSpec("P")

SQLITE_BUSY_MS = 30_000


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here, not psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine with our connection rules; a malformed URL is a one-line ConfigError."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(N_("database_url: not a database URL: {url!r}"), url=url) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        _sqlite_rules(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            N_("database_url: only sqlite and postgresql are supported, got {url!r}"), url=url
        )
    from bot.storage.models import partial_on_postgresql

    partial_on_postgresql()
    return create_engine(url, pool_pre_ping=True)


def _sqlite_rules(engine: Engine) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE, so writers queue instead of failing.

    SQLite ignores SELECT ... FOR UPDATE; taking the write lock at BEGIN makes every
    read-then-write transaction (claims, slot choice) atomic across processes.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def unit(
    engine: Engine, work: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """``work(session, *args, **kwargs)`` as one unit of work: its own transaction, committed
    before the result comes back. Services hand back plain views, so nothing returned needs the
    session. The command line calls this directly; async code through the gateway."""
    with session_scope(engine) as session:
        return work(session, *args, **kwargs)


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Create or upgrade the schema to the newest revision; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    return before, current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in ``alembic_version`` (what Alembic itself reads), None when the
    database has no goodnews tables yet."""
    try:
        with engine.connect() as connection:
            if not connection.execute(text(revision.HAS_VERSION[engine.dialect.name])).scalar():
                return None
            return connection.execute(text(revision.CURRENT)).scalar()
    except OperationalError as exc:
        said = _first_line(exc)
        raise ConfigError(N_("database: cannot connect: {said}"), said=said) from None


def head_revision(_engine: Engine | None = None) -> str | None:
    """The newest migration (see :func:`bot.storage.revision.head`); the engine is not
    needed: the migrations are the same for every database."""
    return revision.head()


def check_schema(engine: Engine) -> None:
    """Refuse to work on a database that ``goodnews init`` has not brought up to date."""
    revision.require_head(current_revision(engine))


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)) or exc.__class__.__name__
    return text.strip().splitlines()[0]
