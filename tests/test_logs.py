"""Logs: a token never reaches the log, in a message, its arguments or a traceback; zoned
timestamps or JSON lines; libraries quiet unless debug; bad settings are usage errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from bot import logs
from tests.conftest import Cli

BOT_TOKEN = "7654321:AAHfakeFAKEfake_token-0123456789abcdef"
PAGE_TOKEN = "EAABfakePageTokenFromDotEnv0123456789"
OTHER_BOT = "1234567:ZZZsomeOtherBotsTokenNotConfigured0123"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in logs.QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _log_everything(name: str) -> None:
    log = logging.getLogger(name)
    log.warning("POST https://api.telegram.org/bot%s/sendMessage", BOT_TOKEN)
    log.warning(f"page token {PAGE_TOKEN} and another bot {OTHER_BOT}")  # noqa: G004 - in the message itself
    try:
        raise RuntimeError(f"Graph refused access_token={PAGE_TOKEN}")
    except RuntimeError:
        log.exception("publishing failed for bot%s", BOT_TOKEN)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_tokens_never_reach_the_log(
    fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    logs.setup("info", fmt)
    logs.hide(PAGE_TOKEN)  # read from .env by the config: not in os.environ
    _log_everything("httpx.client")  # a library's logger, through our handler all the same
    err = capsys.readouterr().err
    assert BOT_TOKEN not in err and PAGE_TOKEN not in err and OTHER_BOT not in err
    assert "AAHfake" not in err and "EAAB" not in err
    assert err.count("[hidden]") >= 5
    assert "Traceback" in err and "RuntimeError: Graph refused access_token=[hidden]" in (
        err
        if fmt == "text"
        else "".join(json.loads(line).get("exception", "") for line in err.splitlines())
    )


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_the_zone(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("info", "json")
    logging.getLogger("jobs.scheduler").info("published %d post(s)", 2)
    logging.getLogger("jobs.scheduler").debug("not at info")
    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert record["level"] == "info" and record["logger"] == "jobs.scheduler"
    assert record["message"] == "published 2 post(s)"
    assert datetime.fromisoformat(record["time"]).utcoffset() is not None


@pytest.mark.usefixtures("restore_logging")
def test_text_lines_carry_the_zone(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("warning", "text")
    logging.getLogger("bot.app").warning("held")
    stamp, level, rest = capsys.readouterr().err.split(" ", 2)
    assert datetime.fromisoformat(stamp).utcoffset() is not None
    assert (level, rest) == ("WARNING", "bot.app: held\n")


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize(
    ("level", "library"), [("info", logging.WARNING), ("debug", logging.DEBUG)]
)
def test_libraries_are_quiet_unless_debug(level: str, library: int) -> None:
    logs.setup(level)
    for name in ("apscheduler", "alembic", "httpx"):
        assert logging.getLogger(name).getEffectiveLevel() == library


@pytest.mark.usefixtures("restore_logging")
def test_bad_log_settings_are_usage_errors(run_cli: Cli) -> None:
    bad = run_cli("--log-level", "loud", "queue", ok=False)
    assert bad.exit_code == 2 and "'loud' is not one of" in bad.stderr
    cli = Cli({"GOODNEWS_LOG_FORMAT": "xml"})
    wrong = cli("queue", ok=False)
    assert wrong.exit_code == 2 and "GOODNEWS_LOG_FORMAT: expected text or json, got 'xml'" in (
        wrong.stderr
    )
    quiet = Cli({"GOODNEWS_LOG_LEVEL": "error"})("init")
    assert "created at revision" in quiet.stderr  # the command's own lines are not log records
