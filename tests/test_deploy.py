"""The deployment files, checked by content (there is no Docker daemon or systemd here):
every `goodnews` command they run exists with those options; the image runs as a non-root
user with a health check; compose has the database, worker and web with their volumes."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bot.cli import cli
from tests.conftest import Cli

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = (REPO / "compose.yaml").read_text(encoding="utf-8")
PROCFILE = (REPO / "Procfile").read_text(encoding="utf-8")
UNITS = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "deploy").iterdir()}
WEB_PENDING = "goodnews web arrives with the web dashboard (bot/web), merged separately"


def _parses(argv: list[str]) -> None:
    """Parse like `goodnews ARGV` would, without running it: unknown commands or options fail.

    `goodnews web` is the web dashboard's (bot/web), merged from another branch: until then
    it is checked by test_the_web_command_exists alone."""
    assert argv[0] == "goodnews", argv
    parent = click.Context(cli, info_name="goodnews")
    command = cli.get_command(parent, argv[1])
    if command is None and argv[1] == "web":
        return
    assert command is not None, f"no command goodnews {argv[1]}"
    command.make_context(f"goodnews {argv[1]}", argv[2:], parent=parent)


def test_the_web_command_exists() -> None:
    if "web" not in cli.commands:
        pytest.skip(WEB_PENDING)
    _parses(["goodnews", "web", "--host", "0.0.0.0", "--port", "8000"])


def _procfile() -> dict[str, list[str]]:
    lines = (line.split(":", 1) for line in PROCFILE.splitlines() if line.strip())
    return {kind.strip(): shlex.split(command.replace("$PORT", "8000")) for kind, command in lines}


def _compose_commands() -> dict[str, list[str]]:
    found = re.findall(r"^  (\w+):\n(?:    .*\n|\n)*?    command: (\[.*\])$", COMPOSE, re.M)
    return {service: re.findall(r'"([^"]*)"', command) for service, command in found}


def _exec_starts() -> list[list[str]]:
    starts = []
    for text in UNITS.values():
        for line in re.findall(r"^ExecStart=(.*)$", text, re.M):
            argv = shlex.split(line)
            if argv[:2] == ["/bin/sh", "-c"]:
                argv = shlex.split(argv[2].removeprefix("exec "))
            starts.append([Path(argv[0]).name, *argv[1:]])
    return starts


def test_procfile_starts_the_worker_web_and_a_postgres_only_release() -> None:
    procs = _procfile()
    assert set(procs) == {"release", "worker", "web"}
    assert procs["worker"] == ["goodnews", "run"]
    assert procs["release"] == ["goodnews", "init", "--if-postgres"]
    assert procs["web"][:2] == ["goodnews", "web"] and "8000" in procs["web"]  # $PORT
    for argv in procs.values():
        _parses(argv)


def test_dockerfile_is_slim_multi_stage_non_root_with_a_health_check() -> None:
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?$", DOCKERFILE, re.M)
    assert len(stages) >= 2 and stages[0][1] == "build"
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE, re.M)
    assert "COPY --from=build" in DOCKERFILE
    assert "pip wheel" in DOCKERFILE and "goodnews-*.whl" in DOCKERFILE  # the wheel, with
    assert "-r requirements.txt" in DOCKERFILE  # its package data, over the lock
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(rf"useradd .*\b{users[-1]}\b", DOCKERFILE)
    # compose mounts a volume on /data/media: it must exist, the user's, before the mount.
    assert re.search(rf"install -d -o {users[-1]} -g {users[-1]} /data/media", DOCKERFILE)
    healthcheck = re.search(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$", DOCKERFILE, re.M)
    assert healthcheck
    health = re.findall(r'"([^"]*)"', healthcheck[1])
    assert health[:2] == ["goodnews", "health"]
    _parses(health)
    command = re.findall(r'"([^"]*)"', re.findall(r"^CMD (\[.*\])$", DOCKERFILE, re.M)[-1])
    assert command == ["goodnews", "run"]
    _parses(command)
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "*.db"} <= set(ignored)  # secrets and local state stay out


def test_the_wheel_carries_the_catalogs_and_migrations() -> None:
    package_data = re.search(r"^bot = \[(.*)\]$", (REPO / "pyproject.toml").read_text(), re.M)
    assert package_data
    assert "locales/*/LC_MESSAGES/*.po" in package_data[1]
    assert "storage/migrations/versions/*.py" in package_data[1]


def test_compose_has_postgres_worker_and_web_with_volumes() -> None:
    services = set(re.findall(r"^  (\w+):$", COMPOSE.split("\nvolumes:")[0], re.M))
    assert {"db", "worker", "web", "migrate"} <= services
    assert re.search(r"^    image: postgres:\d+", COMPOSE, re.M)
    assert "database:/var/lib/postgresql/data" in COMPOSE and "media:/data/media" in COMPOSE
    assert re.search(r"^volumes:\n  database:\n  media:\n", COMPOSE, re.M)
    assert "DATABASE_URL: postgresql://" in COMPOSE and "env_file: .env" in COMPOSE
    commands = _compose_commands()
    assert commands["worker"] == ["goodnews", "run"]
    assert commands["migrate"] == ["goodnews", "init", "--if-postgres"]
    assert commands["web"][:2] == ["goodnews", "web"]
    assert "condition: service_completed_successfully" in COMPOSE  # migrated before starting
    for argv in commands.values():
        _parses(argv)


def test_systemd_units_run_the_worker_and_a_nightly_backup() -> None:
    assert set(UNITS) == {"goodnews.service", "goodnews-backup.service", "goodnews-backup.timer"}
    worker = UNITS["goodnews.service"]
    assert re.search(r"^User=goodnews$", worker, re.M) and "Restart=on-failure" in worker
    assert "WantedBy=multi-user.target" in worker and "EnvironmentFile=-/etc/goodnews/env" in worker
    assert re.search(r"^OnCalendar=", UNITS["goodnews-backup.timer"], re.M)
    assert "WantedBy=timers.target" in UNITS["goodnews-backup.timer"]
    assert "Type=oneshot" in UNITS["goodnews-backup.service"]
    starts = _exec_starts()
    assert [argv[:2] for argv in starts] == [["goodnews", "backup"], ["goodnews", "run"]] or [
        argv[:2] for argv in starts
    ] == [["goodnews", "run"], ["goodnews", "backup"]]
    for argv in starts:
        _parses(argv)


def test_release_migrates_only_postgres(run_cli: Cli, workdir: Path, pg_url: str) -> None:
    sqlite = run_cli("init", "--if-postgres")
    assert "database is SQLite: nothing to migrate" in sqlite.stderr
    assert not (workdir / "goodnews.db").exists() and not (workdir / "config.toml").exists()
    postgres = Cli({"DATABASE_URL": pg_url})
    assert "migrated to" in postgres("init", "--if-postgres").stderr
    assert "up to date" in postgres("init", "--if-postgres").stderr
    postgres("queue")  # the schema is the current one


def test_sqlite_on_an_ephemeral_host_is_warned_about(run_cli: Cli, workdir: Path) -> None:
    assert "ephemeral" not in run_cli("init").stderr
    dyno = Cli({"DYNO": "worker.1"})
    warned = dyno("init").stderr
    assert "warning: SQLite on an ephemeral host ($DYNO is set)" in warned
    assert "set DATABASE_URL to a PostgreSQL database" in warned
    # `run` warns too: tests/test_health.py starts a worker with $DYNO set.


def test_alembic_reads_the_configured_database(run_cli: Cli, workdir: Path) -> None:
    run_cli("init")
    alembic = [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini")]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    current = subprocess.run(
        [*alembic, "current"], cwd=workdir, env=env, capture_output=True, text=True, check=True
    )
    head = sorted(p.name[:4] for p in (REPO / "bot/storage/migrations/versions").glob("0*.py"))
    assert current.stdout.strip() == f"{head[-1]} (head)"
    history = subprocess.run(
        [*alembic, "history"], cwd=workdir, env=env, capture_output=True, text=True, check=True
    )
    assert "heartbeat" in history.stdout and "<base> -> 0001" in history.stdout
