"""Alembic environment: runs on the connection goodnews hands over, or on sqlalchemy.url."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import bot.storage.metrics  # the engagement tables, too
import bot.storage.models  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate writes sqlmodel's AutoString without importing it: render plain String."""
    if type_ == "type" and obj.__class__.__module__.startswith("sqlmodel"):
        length = getattr(obj, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    if type_ == "type" and obj.__class__.__module__ == "bot.storage.types":
        # Migrations must not depend on today's Python types: write the plain column type.
        if obj.__class__.__name__ == "StrEnumType":
            return f"sa.String(length={obj.impl.length})"
        return "sa.DateTime(timezone=True)"
    return False


def _configured_url() -> str:
    """The database of config.toml / $GOODNEWS_CONFIG, .env and $DATABASE_URL."""
    from bot.config import load
    from bot.storage.db import normalise_url

    return normalise_url(load().database_url)


def run_migrations(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    # The `alembic` command (alembic.ini): goodnews's own database unless the ini names one.
    if context.config.config_file_name:
        fileConfig(context.config.config_file_name, disable_existing_loggers=False)
    url = context.config.get_main_option("sqlalchemy.url") or _configured_url()
    with create_engine(url).connect() as conn:
        run_migrations(conn)
        conn.commit()
