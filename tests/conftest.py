"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), CLI, a project folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from bot.cli import cli

PG_ADMIN_URL = os.environ.get("GOODNEWS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _pg_unavailable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The PostgreSQL server; on a laptop without one, tests skip. In CI they must not."""
    problem = _pg_unavailable()
    if problem is not None:
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {problem}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the PostgreSQL tests)")
        pytest.skip(message)
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"goodnews_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'goodnews.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the current directory, with no goodnews variables set but one:
    the CLI speaks English (``$GOODNEWS_LANGUAGE``), as the tests about what it does read
    it; tests/test_cli_language.py checks the words, Vietnamese by default."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in ("GOODNEWS_CONFIG", "DATABASE_URL", "TELEGRAM_BOT_TOKEN", "FACEBOOK_PAGE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOODNEWS_LANGUAGE", "en")
    return folder


class Cli:
    """Runs ``goodnews`` in-process, as a user would type it."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env or {}

    def __call__(self, *args: str, input: str | bytes | None = None, ok: bool = True) -> Result:
        result = CliRunner().invoke(
            cli, list(args), input=input, env=self.env, catch_exceptions=False
        )
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"goodnews {' '.join(args)} exited {result.exit_code}:\n"
                f"{result.stdout}{result.stderr}"
            )
        return result


@pytest.fixture
def run_cli(workdir: Path) -> Cli:
    return Cli()
