"""A worker killed in the middle of a send: what it leaves behind is recovered as ``unknown``,
reported by the next pass, and never sent again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import db, repo
from bot.storage.db import session_scope
from tests import running
from tests.fakes.telegram import FakeTelegram


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
            [claimed] = repo.claim_due(
                session, worker="dead:1", due_by=at, now=now, lease_until=now, limit=1
            )
            assert claimed.id is not None
            assert repo.mark_sending(session, publication_id=claimed.id, worker="dead:1")
        out = cli("tick", "--at", at.isoformat()).stdout
        assert "post 1 → tg: unknown outcome unknown: worker dead:1 stopped while sending" in out
        later = cli("tick", "--at", (at + timedelta(days=1)).isoformat())
        assert "nothing due" in later.output
        assert tg.calls("sendMessage") == []  # it may have gone out: never sent again
