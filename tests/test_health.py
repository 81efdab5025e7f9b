"""The heartbeat and `goodnews health`: a real worker makes it healthy, a stopped one stale;
no heartbeat or no database is unhealthy, with one line saying why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.health import Health, check_health
from bot.storage import db
from bot.storage.heartbeat import last_heartbeat, write_heartbeat
from tests import running
from tests.conftest import Cli

NOW = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    return engine


def test_health_follows_the_newest_heartbeat(engine: Engine) -> None:
    two = timedelta(minutes=2)
    assert check_health(engine, now=NOW, max_age=two) == Health(
        False, "no heartbeat yet: is the worker (`goodnews run`) running?", None
    )
    write_heartbeat(engine, worker="host:1", now=NOW - timedelta(minutes=5))
    stale = check_health(engine, now=NOW, max_age=two)
    assert not stale.ok and stale.heartbeat_age == 300
    assert stale.reason == "heartbeat is 5m old (more than 2m): the worker is stopped or stuck"
    write_heartbeat(engine, worker="host:2", now=NOW - timedelta(seconds=30))
    assert check_health(engine, now=NOW, max_age=two) == Health(True, "ok: heartbeat 30s ago", 30)
    write_heartbeat(engine, worker="host:1", now=NOW - timedelta(seconds=5))  # the same row
    assert last_heartbeat(engine) == NOW - timedelta(seconds=5)


def test_a_worker_silent_for_a_day_is_forgotten(engine: Engine) -> None:
    write_heartbeat(engine, worker="gone:1", now=NOW - timedelta(days=2))
    write_heartbeat(engine, worker="here:1", now=NOW)
    write_heartbeat(engine, worker="gone:1", now=NOW - timedelta(days=2))  # a stray late write
    write_heartbeat(engine, worker="here:1", now=NOW)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT worker FROM heartbeat").scalars().all()
    assert rows == ["here:1"]


def test_concurrent_ticks_on_one_host_share_their_row(engine: Engine) -> None:
    """Ticks started together by cron: the same key written at once from many connections."""

    def beat(n: int) -> None:
        for i in range(15):
            write_heartbeat(engine, worker="host:tick", now=NOW + timedelta(seconds=n * 100 + i))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(beat, range(8)))  # an IntegrityError in any thread is raised here
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM heartbeat").scalar_one() == 1


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent-folder/goodnews.db", "postgresql://postgres@127.0.0.1:1/none"],
)
def test_an_unreachable_database_is_unhealthy(url: str) -> None:
    result = check_health(db.make_engine(url), now=NOW, max_age=timedelta(minutes=2))
    assert not result.ok and result.heartbeat_age is None
    assert result.reason.startswith("database unreachable: ") and "\n" not in result.reason


def test_a_database_without_the_tables_is_not_ready(tmp_path: Path) -> None:
    result = check_health(
        db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}"), now=NOW, max_age=timedelta(1)
    )
    assert result == Health(
        False, "database not ready (`goodnews init`): no such table: heartbeat", None, False
    )


def test_health_command_exit_status_and_one_line(run_cli: Cli, workdir: Path) -> None:
    missing = run_cli("health", ok=False)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        "unhealthy: database has no goodnews tables; run `goodnews init` to create or upgrade it"
    )
    run_cli("init")
    none = run_cli("health", ok=False)
    assert none.exit_code == 1 and none.stderr.startswith("unhealthy: no heartbeat yet")
    assert run_cli("tick").stderr == ""  # a tick beats too, silently
    fresh = run_cli("health", "--max-age", "90s")
    assert fresh.stderr.startswith("ok: heartbeat ") and len(fresh.stderr.splitlines()) == 1
    engine = db.make_engine(f"sqlite:///{workdir / 'goodnews.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM heartbeat")
    write_heartbeat(engine, worker="old:1", now=datetime.now(UTC) - timedelta(hours=3))
    stale = run_cli("health", ok=False)
    assert stale.exit_code == 1 and "heartbeat is 3h old (more than 2m)" in stale.stderr
    assert run_cli("health", "--max-age", "4h").exit_code == 0
    bad = run_cli("health", "--max-age", "soon", ok=False)
    assert bad.exit_code == 2 and "not a duration: 'soon'" in bad.stderr


def test_a_running_worker_is_healthy_and_logs_json_quietly(run_cli: Cli, workdir: Path) -> None:
    run_cli("init")
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN",)}
    env |= {"GOODNEWS_LOG_FORMAT": "json", "GOODNEWS_LOG_LEVEL": "info", "DYNO": "worker.1"}
    log = workdir / "worker.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--no-bot"],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        healthy = lambda: run_cli("health", ok=False).exit_code == 0  # noqa: E731
        running.until(healthy, "a heartbeat", timeout=60, proc=proc, every=0.2)
        proc.send_signal(2)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = log.read_text().splitlines()
    assert any(line.startswith("warning: SQLite on an ephemeral host") for line in lines)
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(r["message"].startswith("worker ") and "started" in r["message"] for r in records)
    for record in records:
        assert set(record) >= {"time", "level", "logger", "message"}
        assert datetime.fromisoformat(record["time"]).tzinfo is not None  # the zone is written
        assert not record["logger"].startswith(("apscheduler", "alembic")), record
    running.until(
        lambda: run_cli("health", "--max-age", "1s", ok=False).exit_code,
        "a stale heartbeat",
        every=0.2,
    )
