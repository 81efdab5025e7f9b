"""The database off the event loop (#11): while another process holds SQLite's write lock,
a real `goodnews run` keeps polling and answers every tap and command at once ("saving…"),
and the writes land once the lock is gone. A token refused on getUpdates (#17.10): the
owners' log says so, polling goes on with backoff, and SIGTERM stops cleanly."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.chat.texts import texts_for
from tests import running
from tests.fakes.telegram import Call, FakeTelegram

ADMIN, FOLLOWER, CHANNEL = 111, 501, -100300
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"
LOCK_SECONDS = 12

_HOLD = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


@contextmanager
def write_lock(database: Path, seconds: float) -> Iterator[subprocess.Popen[bytes]]:
    """Another process (a cron `tick`, a report) holds the write lock for ``seconds``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(database), str(seconds)], stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"locked\n"
        yield proc
    finally:
        proc.wait(timeout=seconds + 30)


def test_taps_and_commands_are_answered_while_another_process_holds_the_lock(
    workdir: Path,
) -> None:
    vi = texts_for("vi", ZoneInfo("Asia/Ho_Chi_Minh"))
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        tg.add_user(FOLLOWER, "Hoa")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]")
        cli("recap", "add", str(SAMPLE))
        cli("draft")
        [request] = tg.messages(ADMIN)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            with write_lock(workdir / "goodnews.db", LOCK_SECONDS) as lock:
                tap = tg.push_callback(ADMIN, ADMIN, request["message_id"], "approve:1")
                query_id = tap["callback_query"]["id"]
                tg.push_message(FOLLOWER, "/start")
                answer = tg.wait_for_call("answerCallbackQuery", _answers(query_id), timeout=10)
                [saving] = tg.wait_for_messages(FOLLOWER, 1, timeout=10)
                polls = len(tg.calls("getUpdates"))
                tg.wait_until(
                    lambda: len(tg.calls("getUpdates")) > polls + 1 or None,
                    timeout=10,
                    describe=lambda: "getUpdates stopped while the database was locked",
                )
                # The correctness property: answered while the write could not land.
                assert lock.poll() is None
                assert _read(workdir, "SELECT status FROM post") == [("pending",)]
            assert answer.params["text"] == vi.saving()
            assert saving["text"] == vi.saving()
            # The lock is gone: the approval lands, every admin's copy says so, and the
            # follower is subscribed and told.
            _eventually(
                lambda: _read(workdir, "SELECT status FROM post") == [("scheduled",)],
                "the approval to land",
            )
            tg.wait_for_call("editMessageText", timeout=20)
            welcome = tg.wait_for_messages(FOLLOWER, 2, timeout=20)[1]
            assert welcome["text"].startswith(vi.subscribed())
            assert running.stop(proc) == 0
        assert _read(workdir, "SELECT chat_id FROM subscriber WHERE active") == [(FOLLOWER,)]
        [post] = json.loads(cli("queue", "--json").stdout)
        assert post["status"] == "scheduled"


def _read(workdir: Path, query: str) -> list[tuple[object, ...]]:
    """Read as another process would: WAL readers are not blocked by the writer's lock."""
    with closing(sqlite3.connect(workdir / "goodnews.db")) as connection:
        return connection.execute(query).fetchall()


def _eventually(predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.05)  # another process's effect, polled with a deadline


def _answers(query_id: str) -> Callable[[Call], bool]:
    return lambda call: call.params.get("callback_query_id") == query_id


def test_a_refused_token_on_get_updates_is_said_retried_and_stops_cleanly(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        _cli, env = running.prepare(workdir, tg, CHANNEL, f"owners = [{ADMIN}]")
        tg.fail_next("getUpdates", status=401, description="Unauthorized", times=3)
        with running.worker(workdir, env) as proc:
            # Three refusals, then polling is back: the loop kept retrying.
            tg.wait_for_calls("getUpdates", 5, timeout=30)
            tg.wait_for_poller(timeout=30)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
        log = (workdir / "worker.log").read_text(encoding="utf-8")
        assert log.count("TELEGRAM_BOT_TOKEN was refused by Telegram (Unauthorized)") == 1, log
        assert "RuntimeError" not in log and "Traceback" not in log
        assert tg.token not in log
        refused: list[Call] = [c for c in tg.calls("getUpdates") if c.status == 401]
        assert len(refused) == 3
