"""A real `goodnews run` killed with SIGKILL in the middle of the followers' broadcast and
restarted: every follower is reached exactly once, except at most the one message that was
in flight (``unknown``, never sent twice).

Before issue #17 a claimed batch of 50 was all marked ``sending`` at once, and a kill lost
the unsent rest of the batch for good.
"""

from __future__ import annotations

import random
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, select

from bot.storage import db, follower_rows
from bot.storage.db import session_scope
from bot.storage.models import Delivery
from tests import running
from tests.fakes.telegram import FakeTelegram

CHANNEL = -100777
FOLLOWERS = range(700_001, 700_301)  # 300 followers
DEADLINE = 90.0


def test_a_sigkill_mid_broadcast_loses_no_follower(workdir: Path) -> None:
    kill_after = random.Random().randint(1, len(FOLLOWERS) - 1)  # any point of the broadcast
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        for chat in FOLLOWERS:
            tg.add_user(chat, f"Người {chat}")
        cli, env = running.prepare(
            workdir, tg, CHANNEL, 'max_per_second = 30.0\n[worker]\nlease = "2s"\nsweep = "1s"'
        )
        url = f"sqlite:///{workdir / 'goodnews.db'}"
        engine = db.make_engine(url)
        with session_scope(engine) as session:
            for chat in FOLLOWERS:
                follower_rows.subscribe(session, chat_id=chat, language_code="vi")
        engine.dispose()
        at = datetime.now(UTC) + timedelta(seconds=1)
        cli("queue", "add", "--text", "Tin tốt\nĐoàn viên hiến 300 đơn vị máu.", "--at",
            at.isoformat(), "--approved")  # fmt: skip
        with running.worker(workdir, env, "--no-bot", log="killed.log") as proc:
            running.until(lambda: _dms(tg) >= kill_after, "the broadcast to start", **_watch(proc))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        reader = create_engine(url)
        with running.worker(workdir, env, "--no-bot", log="restarted.log") as proc:
            running.until(lambda: not _waiting(reader), "the broadcast to finish", **_watch(proc))
            assert running.stop(proc) == 0
        with Session(reader) as session:
            rows = {d.chat_id: d for d in session.exec(select(Delivery)).all()}
        reader.dispose()
        received = {chat: len(tg.messages(chat)) for chat in FOLLOWERS}
    assert len(rows) == len(FOLLOWERS)
    unknown = [chat for chat, d in rows.items() if d.status == "unknown"]
    assert len(unknown) <= 1, f"killed after {kill_after} DMs: {len(unknown)} unknown"
    assert all(rows[chat].status == "sent" for chat in FOLLOWERS if chat not in unknown)
    assert max(received.values()) == 1, "a follower got the post twice"
    missing = [chat for chat, n in received.items() if n == 0 and chat not in unknown]
    assert not missing, f"killed after {kill_after} DMs: {len(missing)} followers never reached"


def _dms(tg: FakeTelegram) -> int:
    return sum(1 for call in tg.calls("sendMessage") if call.ok and int(call.params["chat_id"]) > 0)


def _waiting(reader: Engine) -> bool:
    """A delivery still to settle (or none written yet)."""
    with Session(reader) as session:
        statuses = set(session.exec(select(Delivery.status)).all())
    return not statuses or bool(statuses & {"pending", "claimed", "sending"})


def _watch(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """How this test polls: up to ``DEADLINE``, often (the kill lands mid-broadcast)."""
    return {"proc": proc, "timeout": DEADLINE, "every": 0.005}
