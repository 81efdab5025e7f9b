"""A fresh database per benchmark run: a SQLite file, or a PostgreSQL database made on the
server the tests use (``GOODNEWS_TEST_PG``) and dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PG_ADMIN = os.environ.get("GOODNEWS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def database(kind: str, folder: Path, filename: str = "bench.db") -> Iterator[str | None]:
    """The URL of an empty database of ``kind`` (sqlite | postgres); None if PostgreSQL is
    not reachable, so the caller leaves its row out."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / filename}"
        return
    name = f"goodnews_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        yield None
        return
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
