"""Secrets never reach a log or the terminal (issue #17, finding 2): a refused token at
`goodnews run` is one line, and every log record is scrubbed by one filter."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import logs
from tests import running
from tests.fakes.telegram import FakeTelegram

CHANNEL = -100555
BAD_TOKEN = "987654321:AAHwrongwrongwrongwrongwrongwrong123"


def test_run_with_a_refused_token_says_so_in_one_line_without_the_token(workdir: Path) -> None:
    with FakeTelegram() as tg:
        _cli, env = running.prepare(workdir, tg, CHANNEL)
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env={**os.environ, **env, "TELEGRAM_BOT_TOKEN": BAD_TOKEN},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 1
    assert "TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)" in proc.stderr
    logged = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d INFO ")  # zoned
    lines = [line for line in proc.stderr.splitlines() if line.strip() and not logged.match(line)]
    assert lines == ["Error: TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)"], lines
    assert BAD_TOKEN not in proc.stdout + proc.stderr


def test_every_record_is_scrubbed_message_arguments_and_exception(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One mechanism (bot/logs.py): a token nobody told it about is hidden by its shape, even
    # inside a Bot API URL where its id follows "bot" with no word boundary.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logger = logging.getLogger("test.redact")
    try:
        logs.setup("info")
        logs.hide("EAAGsecretpagetoken123")
        logger.warning("calling https://api.telegram.org/bot%s/getMe", BAD_TOKEN)
        logger.warning("page token EAAGsecretpagetoken123 in the message")
        try:
            raise ValueError(f"The token '{BAD_TOKEN}' was rejected by the server.")
        except ValueError:
            logger.exception("start failed")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name in logs.QUIET:
            logging.getLogger(name).setLevel(logging.NOTSET)
    text = capsys.readouterr().err
    assert BAD_TOKEN not in text and "EAAGsecretpagetoken123" not in text
    assert text.count(logs.HIDDEN) == 3
    assert f"ValueError: The token '{logs.HIDDEN}' was rejected" in text
