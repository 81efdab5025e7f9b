"""Commands import only what they use (``python -m benchmarks.cli`` measures what it costs).

Each command runs in a fresh interpreter, as a user would start it; the test reads which
libraries that interpreter loaded. A behaviour check, not a timing one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.errors import ConfigError
from bot.storage import db

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"
DATABASE = {"sqlalchemy", "sqlmodel", "alembic", "psycopg"}
TELEGRAM = {"telegram", "tornado", "apscheduler", "httpx"}

#: Runs the CLI in this interpreter, then writes the modules it loaded.
_PROBE = """
import json, sys
from bot.cli import cli
try:
    cli.main(args=sys.argv[2:], prog_name="goodnews")
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def loaded(folder: Path, *args: str) -> set[str]:
    """The top-level packages ``goodnews ARGS`` loads, run in ``folder`` without tokens."""
    return {name.split(".")[0] for name in modules_loaded(folder, *args)}


def modules_loaded(folder: Path, *args: str) -> set[str]:
    """Every module ``goodnews ARGS`` loads, run in ``folder`` without tokens."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    for name in ("GOODNEWS_CONFIG", "DATABASE_URL"):
        env.pop(name, None)
    report = folder / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), *args],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["code"] in (0, None), result
    return set(result["modules"])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh project: the default config.toml and an initialised SQLite database."""
    folder = tmp_path_factory.mktemp("project")
    loaded(folder, "init")
    return folder


@pytest.mark.parametrize(
    "args", [("--help",), ("draft", "preview", str(SAMPLE)), ("draft", "preview", "--help")]
)
def test_help_and_preview_load_neither_pydantic_nor_the_database(
    project: Path, args: tuple[str, ...]
) -> None:
    modules = loaded(project, *args)
    assert not modules & ({"pydantic", "pydantic_core"} | DATABASE | TELEGRAM), modules


def test_tick_with_nothing_due_loads_no_telegram_code(project: Path) -> None:
    modules = loaded(project, "tick")
    assert "sqlalchemy" in modules  # it did look at the database
    assert not modules & (TELEGRAM | {"facebook", "requests"}), modules


@pytest.mark.parametrize(
    "args", [("--help",), ("tick", "-v"), ("draft", "preview", str(SAMPLE)), ("recap", "list")]
)
def test_the_cli_speaks_its_language_without_babel(project: Path, args: tuple[str, ...]) -> None:
    """The catalogs are read by bot.i18n's own small reader: Babel (a third of a second to
    import and compile) stays for extracting and for dates."""
    assert "babel" not in loaded(project, *args)


@pytest.mark.parametrize("args", [("queue",), ("tick",), ("recap", "list")])
def test_commands_that_only_read_check_the_schema_without_alembic(
    project: Path, args: tuple[str, ...]
) -> None:
    assert "alembic" not in loaded(project, *args)


def test_commands_on_sqlite_do_not_load_postgresqls_dialect(project: Path) -> None:
    modules = modules_loaded(project, "tick")  # (queue loads no SQLAlchemy at all)
    assert "sqlalchemy.dialects.sqlite" in modules
    assert "sqlalchemy.dialects.postgresql" not in modules


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    engine = db.make_engine("sqlite://")
    assert (
        db.head_revision()
        == ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()
    )


def test_an_old_database_is_refused_without_alembic(tmp_path: Path) -> None:
    """The cheap check still tells an outdated database from a current one."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade(engine)
    db.check_schema(engine)  # current: accepted
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    with pytest.raises(ConfigError, match="is at revision 0001; run `goodnews init`"):
        db.check_schema(engine)


def test_the_cli_imports_no_chat_module_itself() -> None:
    """The CLI has people told through the events outbox's dispatcher (``bot.courier``), the
    one the worker uses; it never drives the chat itself (#11)."""
    import ast

    import bot.cli

    tree = ast.parse(Path(bot.cli.__file__).read_text(encoding="utf-8"))
    imported = [
        name
        for node in ast.walk(tree)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    ]
    assert imported, "no import found: the check would pass on anything"
    chat = [name for name in imported if name == "bot.chat" or name.startswith("bot.chat.")]
    assert not chat, chat
    from_bot = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "bot"
        for alias in node.names
    ]
    assert "chat" not in from_bot
