"""`goodnews backup` and `restore`: a backup taken while a writer is busy restores, into a fresh
folder, the same queue and the same photos; on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import Cli
from tests.factories import png


def _write_config(folder: Path, database_url: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        f'database_url = "{database_url}"\nmedia_dir = "media"\n'
        '[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = -100123\n',
        encoding="utf-8",
    )


def _queue_two_posts(cli: Cli, folder: Path) -> None:
    (folder / "a.png").write_bytes(png(40, 40, 7))
    cli("queue", "add", "--text", "Tin vui\nHiến máu cứu người.", "--approved",
        "--photo", str(folder / "a.png"))  # fmt: skip
    cli("queue", "add", "--text", "Chuyện đẹp\nMột tuần đáng nhớ.", "--kind", "weekly")


def _queue_json(cli: Cli) -> list[dict[str, object]]:
    return json.loads(cli("queue", "--all", "--json").stdout)  # type: ignore[no-any-return]


def _media(folder: Path) -> dict[str, bytes]:
    media = folder / "media"
    return {p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*.*")}


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read what the CLI does; tests/test_cli_language.py reads its words."""
    monkeypatch.setenv("GOODNEWS_LANGUAGE", "en")


def test_sqlite_backup_while_a_writer_is_busy_restores_the_same_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _write_config(first, "sqlite:///goodnews.db")
    monkeypatch.chdir(first)
    cli = Cli()
    cli("init")
    _queue_two_posts(cli, first)
    before = _queue_json(cli)
    assert len(before) == 2 and len(_media(first)) == 1

    # A worker in the middle of a write transaction: the backup neither waits for it nor
    # sees its uncommitted change.
    writer = sqlite3.connect(first / "goodnews.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE post SET title = 'not committed'")
    try:
        made = cli("backup", str(tmp_path / "nightly.db"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "nightly.db.media.tar" in made.stderr
    assert (tmp_path / "nightly.db.media.tar").is_file()
    refused = cli("backup", str(tmp_path / "nightly.db"), ok=False)
    assert refused.exit_code == 1 and "exists" in refused.stderr

    _write_config(second, "sqlite:///goodnews.db")
    monkeypatch.chdir(second)
    restored = cli("restore", str(tmp_path / "nightly.db"))
    assert "restored into sqlite:///goodnews.db" in restored.stderr
    assert _queue_json(cli) == before
    assert _media(second) == _media(first)
    again = cli("restore", str(tmp_path / "nightly.db"), ok=False)
    assert again.exit_code == 1 and "--force" in again.stderr
    cli("restore", str(tmp_path / "nightly.db"), "--force")
    assert _queue_json(cli) == before


def test_restore_refuses_a_file_that_is_not_a_backup(workdir: Path, run_cli: Cli) -> None:
    (workdir / "notes.db").write_text("hello", encoding="utf-8")
    result = run_cli("restore", "notes.db", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: notes.db: not a goodnews SQLite backup"
    assert not (workdir / "goodnews.db").exists()  # nothing written


@pytest.fixture
def second_pg_url(pg_admin_url: str) -> Iterator[str]:
    name = f"goodnews_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{pg_admin_url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgres_backup_restores_the_same_queue_into_a_fresh_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, second_pg_url: str
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _write_config(first, pg_url)
    monkeypatch.chdir(first)
    cli = Cli()
    cli("init")
    _queue_two_posts(cli, first)
    before = _queue_json(cli)
    cli("backup", str(tmp_path / "nightly.dump"))
    assert (tmp_path / "nightly.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    _write_config(second, second_pg_url)
    monkeypatch.chdir(second)
    cli("restore", str(tmp_path / "nightly.dump"))
    assert _queue_json(cli) == before
    assert _media(second) == _media(first)


def test_postgres_backup_without_pg_dump_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    _write_config(tmp_path, pg_url)
    monkeypatch.chdir(tmp_path)
    cli = Cli()
    cli("init")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # a host without the client
    result = cli("backup", "b.dump", ok=False)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "pg_dump is not installed here" in result.stderr and "--format=custom" in result.stderr
    assert not (tmp_path / "b.dump").exists() and not (tmp_path / "b.dump.media.tar").exists()
