"""Cadence engine benchmarks, printed as a table: ``.venv/bin/python -m benchmarks.cadence``.

(a) lateness from slot time to the API call (one channel, the worker's scheduler);
(b) 1,000 channels sharing one slot against a fake Bot API that allows 30 sends a second
    and answers 429 with ``retry_after`` beyond that (target: within 1.1 x 33.3 s, none lost);
(c) one tick with 1,000,000 historical posts and 10,000 channels in the database, on SQLite
    and PostgreSQL (target: at most 20 ms);
(d) a publish-only worker's resident memory on that database (target: at most 150 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import col

from benchmarks.databases import database
from benchmarks.run import bench_lateness, ms, percentile
from bot.config import Config, Secrets, parse_settings
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.platforms.publishers import open_publishers
from bot.storage import db
from bot.storage.models import Post, Publication
from jobs.broadcast import broadcast_due
from jobs.publish import publish_due
from jobs.scheduler import Worker
from tests.fakes.telegram import FakeTelegram

Row = tuple[str, str, str]


def telegram_config(tg: FakeTelegram, channels: int, url: str) -> Config:
    text = f'[telegram]\napi_url = "{tg.api_url}"\n' + "".join(
        f'[[channels]]\nname = "c{n}"\ntype = "telegram"\nchat_id = {-1000 - n}\n'
        for n in range(channels)
    )
    return Config(parse_settings(text, source="bench"), Secrets(tg.token, None), None, url)


def seed_due(engine: Engine, channels: int, at: datetime) -> None:
    insert_posts(
        engine,
        channels,
        PostStatus.SCHEDULED,
        slot=at,
        publication=lambda n: {
            "channel": f"c{n}",
            "status": PublicationStatus.SCHEDULED,
            "due_at": at,
            "pinned": False,
        },
    )


def insert_posts(
    engine: Engine,
    count: int,
    status: PostStatus,
    *,
    slot: datetime | None,
    publication: Callable[[int], dict[str, Any]],
) -> None:
    """``count`` daily posts in one statement, each with the publication ``publication(n)``
    describes (its channel, status, times), in another."""
    now = datetime.now(UTC)
    posts = [
        {
            "kind": PostKind.DAILY,
            "status": status,
            "title": f"Tin {n}",
            "body": "Đoàn viên trồng cây.",
            "hashtags": "",
            "slot": slot,
            "reserve": False,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(insert(Post).returning(col(Post.id)), posts)]
        conn.execute(
            insert(Publication),
            [
                {"post_id": pid, "kind": PostKind.DAILY, "attempts": 0, **publication(n)}
                for n, pid in enumerate(ids)
            ],
        )


# -- (b) -------------------------------------------------------------------------------------


def bench_flood(channels: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as tg:
        for n in range(channels):
            tg.add_channel(-1000 - n, None, f"Kênh {n}")
        tg.set_flood_limit(30)
        url = f"sqlite:///{Path(tmp) / 'flood.db'}"
        config = telegram_config(tg, channels, url)
        engine = db.make_engine(url)
        db.upgrade(engine)
        slot = datetime.now(UTC) + timedelta(seconds=3)
        seed_due(engine, channels, slot)

        async def go() -> None:
            async with open_publishers(config) as publishers:
                worker = Worker(engine=engine, config=config, publishers=publishers)
                await worker.start()
                await asyncio.to_thread(
                    tg.wait_for_calls, "sendMessage", channels, lambda c: c.status == 200, 120.0
                )
                await worker.stop()

        asyncio.run(go())
        sent = [c for c in tg.calls("sendMessage") if c.status == 200]
        refused = sum(1 for c in tg.calls("sendMessage") if c.status == 429)
        total = max(c.received_at for c in sent) - slot.timestamp()
        delivered = sum(len(tg.messages(-1000 - n)) for n in range(channels))
        ideal = channels / 30
    return [
        (
            f"(b) {channels} channels, one slot, Bot API limit 30/s",
            "total / ideal / ratio",
            f"{total:.1f} s / {ideal:.1f} s / {total / ideal:.2f}x",
        ),
        (
            "(b) same run",
            "delivered / 429s answered / lost",
            f"{delivered} / {refused} / {channels - delivered}",
        ),
    ]


# -- (c), (d) --------------------------------------------------------------------------------


def seed_history(engine: Engine, posts: int, channels: int) -> None:
    """``posts`` published posts over the past years, each sent to one of ``channels``."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    chunk = 50_000
    for first in range(0, posts, chunk):
        n_rows = range(first, min(posts, first + chunk))
        rows = [
            {
                "kind": PostKind.DAILY,
                "status": PostStatus.PUBLISHED,
                "title": f"Tin {n}",
                "body": "Nội dung đã đăng.",
                "hashtags": "",
                "reserve": False,
                "slot": start + timedelta(minutes=3 * n),
                "created_at": start,
                "updated_at": start,
                "broadcast_at": start,  # history: long since sent to followers
            }
            for n in n_rows
        ]
        with engine.begin() as conn:
            ids = [r[0] for r in conn.execute(insert(Post).returning(col(Post.id)), rows)]
            conn.execute(
                insert(Publication),
                [
                    {
                        "post_id": pid,
                        "channel": f"c{n % channels}",
                        "kind": PostKind.DAILY,
                        "status": PublicationStatus.SENT,
                        "due_at": start + timedelta(minutes=3 * n),
                        "pinned": False,
                        "attempts": 1,
                        "external_id": str(n),
                    }
                    for n, pid in zip(n_rows, ids, strict=True)
                ],
            )


def bench_history(posts: int, channels: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as tg:
        tg.add_channel(-1000, None, "Kênh 0")  # the one due post really goes out
        for kind in ("sqlite", "postgresql"):
            with database(kind, Path(tmp), "history.db") as url:
                if url is None:
                    print("(PostgreSQL not reachable: its rows are left out)")
                    continue
                engine = db.make_engine(url)
                db.upgrade(engine)
                started = time.perf_counter()
                seed_history(engine, posts, channels)
                seeded = time.perf_counter() - started
                config = telegram_config(tg, channels, url)
                seed_due(engine, 1, datetime.now(UTC))  # one post due now, on channel c0
                first, *idle = asyncio.run(_ticks(engine, config))
                rows.append(
                    (
                        f"(c) one tick, {posts:,} posts, {channels:,} channels, {kind}",
                        "nothing due: p50 / max of 10 (seeding took)",
                        f"{ms(percentile(idle, 0.5))} / {ms(max(idle))} ({seeded:.0f} s)",
                    )
                )
                rows.append(("(c) same database", "a tick that publishes one due post", ms(first)))
                rows.append(
                    (
                        f"(d) worker RSS on that database, {kind}",
                        "VmRSS after its first passes",
                        _worker_rss(Path(tmp), tg, url, channels),
                    )
                )
                engine.dispose()
    return rows


async def _ticks(engine: Engine, config: Config) -> list[float]:
    times = []
    async with open_publishers(config) as publishers:
        for _ in range(11):  # the first publishes the one due post; the rest find nothing
            start = time.perf_counter()
            await publish_due(
                engine=engine, config=config, publishers=publishers, at=datetime.now(UTC)
            )
            await broadcast_due(engine=engine, config=config, publishers=publishers, worker="b")
            times.append(time.perf_counter() - start)
    return times


def _worker_rss(folder: Path, tg: FakeTelegram, url: str, channels: int) -> str:
    config = folder / "config.toml"
    config.write_text(
        f'[telegram]\napi_url = "{tg.api_url}"\n[worker]\nsweep = "1s"\n'
        + "".join(
            f'[[channels]]\nname = "c{n}"\ntype = "telegram"\nchat_id = {-1000 - n}\n'
            for n in range(channels)
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": tg.token}
    log = folder / "worker.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--no-bot"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        deadline = time.monotonic() + 60
        while log.read_text(encoding="utf-8").count("Worker.sweep") < 3:  # three sweeps done
            if time.monotonic() > deadline or proc.poll() is not None:
                return "worker did not run: " + log.read_text(encoding="utf-8")[-300:]
            time.sleep(0.2)  # waiting on another process's log, with a deadline
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss = next(line for line in status.splitlines() if line.startswith("VmRSS"))
        return f"{int(rss.split()[1]) / 1024:.0f} MB"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--flood-channels", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--parts", default="abcd", help="which of (a)-(d) to run, e.g. cd")
    args = parser.parse_args()
    rows: list[Row] = []
    if "a" in args.parts:
        rows += [(f"(a) {r[0]}", r[1], r[2]) for r in bench_lateness(20)]
    if "b" in args.parts:
        rows += bench_flood(args.flood_channels)
    if "c" in args.parts or "d" in args.parts:
        rows += bench_history(args.posts, args.channels)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in [("benchmark", "measure", "result"), *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
