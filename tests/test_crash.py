"""Workers killed in the middle of sending.

A worker SIGKILLed at random moments of a burst of 200 publications, restarted, round after
round, on SQLite and on PostgreSQL: every publication ends ``sent`` exactly once at the fake
servers or ``unknown`` and reported; nothing is sent twice, nothing silently lost.
``GOODNEWS_CRASH_ROUNDS`` sets the rounds per database (3 by default; the issue's figure is
20, which ``python -m benchmarks.crash`` runs); ``GOODNEWS_CRASH_SEED`` replays a failure.

And, deterministically: what a killed worker leaves ``sending`` is reported by the next
pass as ``unknown`` and never sent again.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import db, publication_rows
from bot.storage.db import session_scope
from tests import running
from tests.crash_rounds import CrashRig, summary
from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram

ROUNDS = int(os.environ.get("GOODNEWS_CRASH_ROUNDS", "3"))
SEED = int(os.environ.get("GOODNEWS_CRASH_SEED", "20260"))


def test_a_worker_killed_mid_burst_sends_nothing_twice_and_loses_nothing(
    database_url: str, workdir: Path
) -> None:
    with FakeTelegram() as tg, FakeGraph() as graph:
        rig = CrashRig(workdir, database_url, tg, graph, seed=SEED)
        try:
            results = [rig.run_round(number) for number in range(1, ROUNDS + 1)]
        finally:
            rig.close()
    report = summary(database_url.split(":", 1)[0], SEED, results)
    print(report)  # shown with -s, and on failure
    assert all(not r.problems for r in results), report
    assert sum(r.publications for r in results) == ROUNDS * 200


def test_a_publication_left_sending_by_a_dead_worker_is_reported_not_resent(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(-100888, "tin_tot", "Tin tốt")
        cli, _ = running.prepare(workdir, tg, -100888)
        at = datetime.now(UTC) + timedelta(hours=1)
        cli(
            "queue",
            "add",
            "--text",
            "Tin tốt\nĐoàn viên trồng cây.",
            "--at",
            at.isoformat(),
            "--approved",
        )
        now = datetime.now(UTC)
        engine = db.make_engine(f"sqlite:///{workdir / 'goodnews.db'}")
        with session_scope(engine) as session:  # what a worker killed mid-send leaves behind
            [claimed] = publication_rows.claim_due(
                session, worker="dead:1", due_by=at, now=now, lease_until=now, limit=1
            )
            assert claimed.id is not None
            assert publication_rows.mark_sending(
                session, publication_id=claimed.id, worker="dead:1"
            )
        out = cli("tick", "--at", at.isoformat()).stdout
        assert "post 1 → tg: unknown outcome unknown: worker dead:1 stopped while sending" in out
        later = cli("tick", "-v", "--at", (at + timedelta(days=1)).isoformat())
        assert "nothing due" in later.output
        assert tg.calls("sendMessage") == []  # it may have gone out: never sent again
