"""``goodnews run`` with no tokens: publishing still runs, into the dry-run outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from bot.storage import db
from bot.storage.models import Publication
from tests.conftest import Cli

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def test_run_without_tokens_publishes_to_the_outbox_and_stops_on_ctrl_c(
    run_cli: Cli, workdir: Path
) -> None:
    run_cli("init")
    run_cli("recap", "add", str(SAMPLE))
    run_cli("draft")
    run_cli("approve", "1")
    slot = datetime.now(UTC) + timedelta(seconds=3)  # bring the slot near: see test_end_to_end
    with db.make_engine(f"sqlite:///{workdir / 'goodnews.db'}").begin() as conn:
        conn.execute(update(Publication).where(Publication.post_id == 1).values(due_at=slot))  # type: ignore[arg-type]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TELEGRAM_BOT_TOKEN", "FACEBOOK_PAGE_TOKEN")
    }
    log = workdir / "worker.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        outbox = workdir / "outbox" / "post-1-telegram-main.json"
        deadline = time.monotonic() + 30
        while not outbox.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # waiting on another process's file, with a deadline
        assert outbox.exists(), log.read_text(encoding="utf-8")
        assert (
            json.loads(outbox.read_text(encoding="utf-8"))["params"]["chat_id"] == "@your_channel"
        )
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = log.read_text(encoding="utf-8")
    assert "dry run for telegram-main, facebook-main" in output
    assert "chat is off" in output and "stopped cleanly" in output
    assert "Traceback" not in output
    [post] = json.loads(run_cli("queue", "--all", "--json").stdout)
    assert post["status"] == "published"
