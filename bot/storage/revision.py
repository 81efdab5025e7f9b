"""Whether a database's schema is the one this code expects, asked without SQLAlchemy or
Alembic: every command but ``goodnews init`` checks it, and the short read-only ones
(:mod:`bot.storage.plain`) must not pay for importing either."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from bot.domain.errors import N_, ConfigError

MIGRATIONS = Path(__file__).with_name("migrations")

#: Whether ``alembic_version`` exists, asked directly: SQLAlchemy's Inspector costs more to
#: set up than every other query of a read-only command.
HAS_VERSION = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'",
    "postgresql": "SELECT to_regclass('alembic_version') IS NOT NULL",
}
CURRENT = "SELECT version_num FROM alembic_version"

_REVISION = re.compile(r"^(down_)?revision\b[^=]*=\s*[\"']?([\w.-]+|None)", re.MULTILINE)


@cache
def head() -> str | None:
    """The newest migration: the revision no other one revises, read from the files' text
    (``revision = "0013"``, ``down_revision = "0012"``) without importing Alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revised if down else revisions).add(value)
    heads = sorted(revisions - revised)
    if len(heads) > 1:
        raise ConfigError(f"migrations: several heads {heads}: chain them one after another")
    return heads[0] if heads else None


def require_head(current: str | None) -> None:
    """Refuse to work on a database that ``goodnews init`` has not brought up to date."""
    if current == head():
        return
    if current is None:
        raise ConfigError(
            N_("database has no goodnews tables; run `goodnews init` to create or upgrade it")
        )
    raise ConfigError(
        N_("database is at revision {revision}; run `goodnews init` to create or upgrade it"),
        revision=current,
    )
