"""Helpers for tests that run `goodnews run` as its own process against the fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram


def write_config(
    workdir: Path, tg: FakeTelegram, channel_id: int | str, telegram: str = ""
) -> None:
    """A config.toml aimed at the fake: one Telegram channel (its id, or its quoted
    ``"@username"``), extra [telegram] lines."""
    (workdir / "config.toml").write_text(
        f'[telegram]\napi_url = "{tg.api_url}"\npoll_timeout = 1\n{telegram}\n'
        f'[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = {channel_id}\n',
        encoding="utf-8",
    )


def prepare(
    workdir: Path, tg: FakeTelegram, channel_id: int | str, telegram: str = ""
) -> tuple[Cli, dict[str, str]]:
    """Config aimed at the fake, the bot token in the environment, the database created:
    the CLI to drive it and the environment a worker needs."""
    write_config(workdir, tg, channel_id, telegram)
    env = {"TELEGRAM_BOT_TOKEN": tg.token}
    cli = Cli(env)
    cli("init")
    return cli, env


@contextmanager
def worker(
    workdir: Path, env: dict[str, str], *args: str, log: str = "worker.log"
) -> Iterator[subprocess.Popen[bytes]]:
    """`goodnews run ARGS` in ``workdir``, its log in ``workdir / log``; killed at the end if
    the test did not stop it."""
    with (workdir / log).open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> int:
    """Ctrl-C, as a person would press it; the exit status."""
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=timeout)


def until(
    done: Callable[[], object],
    what: str,
    *,
    timeout: float = 30,
    proc: subprocess.Popen[bytes] | None = None,
    every: float = 0.05,
) -> None:
    """Poll ``done()`` until it holds, failing after ``timeout`` seconds, or at once when the
    worker ``proc`` has exited (it would never come)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert proc is None or proc.poll() is None, f"the worker exited waiting for {what}"
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(every)  # polled with a deadline


def tick_until(
    cli: Cli, at: str, done: Callable[[], object], what: str, timeout: float = 30
) -> None:
    """`goodnews tick` again and again (as cron would) until ``done()`` holds."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        cli("tick", "--at", at)
        time.sleep(0.2)  # the retry is due after Telegram's retry_after: polled with a deadline
