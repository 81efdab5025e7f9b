"""Several workers on one PostgreSQL database share the publishing with zero duplicates.

4 real worker processes (``goodnews run --no-bot``), then 4 concurrent ``goodnews tick``
processes: 1,000 posts due at the same instant across 100 Telegram channels, each must reach
the fake Bot API exactly once.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

CHANNELS, POSTS, WORKERS = 100, 1000, 4
pytestmark = pytest.mark.postgres


def _setup(workdir: Path, tg: FakeTelegram, pg_url: str, at: datetime) -> dict[str, str]:
    channels = "".join(
        f'\n[[channels]]\nname = "c{n}"\ntype = "telegram"\nchat_id = {-1000 - n}\n'
        for n in range(CHANNELS)
    )
    (workdir / "config.toml").write_text(
        f'[telegram]\napi_url = "{tg.api_url}"\n[worker]\nsweep = "2s"\n{channels}',
        encoding="utf-8",
    )
    for n in range(CHANNELS):
        tg.add_channel(-1000 - n, None, f"Kênh {n}")
    rows = ["text,kind,at,channel"] + [
        f'"Tin số {i}\nNội dung của tin số {i}.",daily,{at.isoformat()},c{i % CHANNELS}'
        for i in range(POSTS)
    ]
    (workdir / "posts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    env = {"DATABASE_URL": pg_url, "TELEGRAM_BOT_TOKEN": tg.token}
    cli = Cli(env)
    cli("init")
    assert len(cli("queue", "import", "posts.csv", "--approved").stdout.split()) == POSTS
    return {**os.environ, **env}


def _assert_exactly_once(tg: FakeTelegram) -> None:
    seen: collections.Counter[str] = collections.Counter()
    for n in range(CHANNELS):
        for message in tg.messages(-1000 - n):
            seen[message["plain_text"].splitlines()[0]] += 1
            assert (
                message["plain_text"]
                .splitlines()[0]
                .endswith(tuple(f" {i}" for i in range(n, POSTS, CHANNELS)))
            )  # on its own channel
    assert len(seen) == POSTS, f"{POSTS - len(seen)} posts never arrived"
    doubles = {title: count for title, count in seen.items() if count > 1}
    assert doubles == {}, f"sent more than once: {doubles}"


def _statuses(cli: Cli) -> collections.Counter[str]:
    return collections.Counter(
        p["status"]
        for post in json.loads(cli("queue", "--all", "--json").stdout)
        for p in post["publications"]
    )


def test_four_workers_share_a_burst_without_doubles(workdir: Path, pg_url: str) -> None:
    with FakeTelegram() as tg:
        at = datetime.now(UTC) + timedelta(seconds=8)
        env = _setup(workdir, tg, pg_url, at)
        logs = [workdir / f"worker{n}.log" for n in range(WORKERS)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--no-bot"],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
            )
            for log in logs
        ]
        try:
            tg.wait_for_calls("sendMessage", POSTS, timeout=120)
            for proc in procs:
                proc.send_signal(signal.SIGINT)
            assert [proc.wait(timeout=30) for proc in procs] == [0] * WORKERS
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
        _assert_exactly_once(tg)
        assert len(tg.calls("sendMessage")) == POSTS
        per_worker = [log.read_text(encoding="utf-8").count(": sent ") for log in logs]
        assert sum(per_worker) == POSTS
        assert sum(1 for n in per_worker if n > 0) >= 2, per_worker  # the work was shared
        assert _statuses(Cli({"DATABASE_URL": env["DATABASE_URL"]})) == {"sent": POSTS}


def test_four_concurrent_ticks_publish_each_post_once(workdir: Path, pg_url: str) -> None:
    with FakeTelegram() as tg:
        at = datetime.now(UTC) + timedelta(days=1)
        env = _setup(workdir, tg, pg_url, at)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "tick", "--at", at.isoformat()],
                cwd=workdir,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        outputs = [proc.communicate(timeout=180) for proc in procs]
        assert [proc.returncode for proc in procs] == [0] * WORKERS, outputs
        _assert_exactly_once(tg)
        assert len(tg.calls("sendMessage")) == POSTS
        reported = sum(out.count(": sent ") for out, _ in outputs)
        assert reported == POSTS
        assert _statuses(Cli({"DATABASE_URL": env["DATABASE_URL"]})) == {"sent": POSTS}
