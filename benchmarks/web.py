"""Dashboard benchmark, printed as a table: ``.venv/bin/python -m benchmarks.web``.

The month calendar for 21 units with 2 channels each (42 channels, a daily slot each and a
weekly story; most slots held by a post, some empty), logged in as an admin, rendered by
the real app in process (no network): server time per request (target: at most 50 ms).
Baseline in the same run: ``/healthz`` through the same stack (the framework and one
database round trip), and the week view. Wall time, and the CPU time the process spent
(what a shared, busy machine does not inflate). On SQLite, and PostgreSQL when reachable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import col
from starlette.testclient import TestClient

from benchmarks.databases import database
from benchmarks.run import percentile
from bot.config import Config, Secrets, parse_settings
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.domain.slots import slots_after
from bot.storage import db
from bot.storage.models import Post, Publication
from bot.web import auth
from bot.web.app import COOKIE, create_app
from bot.web.server import make_web

UNITS, PER_UNIT = 21, 2
ADMIN = 1
TOKEN = "123456:bench-token"  # noqa: S105 - a fake token for the signer
MONTH = date(2026, 12, 1)


def config(url: str) -> Config:
    channels = "".join(
        f'[[channels]]\nname = "u{u}c{c}"\ntype = "telegram"\nchat_id = {-1000 - u * 10 - c}\n'
        for u in range(UNITS)
        for c in range(PER_UNIT)
    )
    units = ""
    for u in range(UNITS):
        names = ", ".join(f'"u{u}c{c}"' for c in range(PER_UNIT))
        units += f'[[units]]\nid = "u{u}"\nname = "Đơn vị {u}"\nchannels = [{names}]\n'

    text = f"[telegram]\nadmins = [{ADMIN}]\n{channels}{units}"
    return Config(parse_settings(text, source="bench"), Secrets(TOKEN, None), None, url)


def seed(engine: Engine, cfg: Config) -> int:
    """A post in four slots of five over the month and its margins; returns the count."""
    start = datetime(2026, 11, 28, tzinfo=UTC)
    end = start + timedelta(days=40)
    now = datetime.now(UTC)
    rows: list[tuple[str, PostKind, datetime]] = []
    for channel in cfg.channels:
        for kind in PostKind:
            for n, slot in enumerate(slots_after(kind, cfg.cadence_for(channel.name), start)):
                if slot > end:
                    break
                if n % 5:
                    rows.append((channel.name, kind, slot))
    posts = [
        {
            "kind": kind,
            "status": PostStatus.SCHEDULED,
            "title": f"Tin tốt {n}: đoàn viên trồng cây ở phường",
            "body": "Đoàn viên trồng cây.",
            "hashtags": "",
            "slot": slot,
            "reserve": False,
            "created_at": now,
            "updated_at": now,
        }
        for n, (_channel, kind, slot) in enumerate(rows)
    ]
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(insert(Post).returning(col(Post.id)), posts)]
        conn.execute(
            insert(Publication),
            [
                {
                    "post_id": pid,
                    "channel": channel,
                    "kind": kind,
                    "status": PublicationStatus.SCHEDULED,
                    "due_at": slot,
                    "pinned": False,
                    "attempts": 0,
                }
                for pid, (channel, kind, slot) in zip(ids, rows, strict=True)
            ],
        )
    return len(rows)


def timed(
    client: TestClient, paths: list[str], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each path once per round, interleaved, so a busy machine slows them alike: the wall
    time of each request, and the CPU time this process spent on it (the app runs in it;
    what other processes on a shared machine take from the wall clock does not count)."""
    wall: dict[str, list[float]] = {path: [] for path in paths}
    cpu: dict[str, list[float]] = {path: [] for path in paths}
    for path in paths:
        client.get(path)  # warm: templates compiled, caches filled
    for _ in range(rounds):
        for path in paths:
            began, began_cpu = time.perf_counter(), time.process_time()
            answer = client.get(path)
            cpu[path].append(time.process_time() - began_cpu)
            wall[path].append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.text[:200]
    return wall, cpu


Row = tuple[str, str, str, str, str, str, str, str]
CASES = {
    "/healthz (baseline)": "/healthz",
    "week, 42 channels": f"/?view=week&date={MONTH}",
    "month, 42 channels": f"/?view=month&date={MONTH}",
}


def bench(kind: str, url: str, rounds: int) -> list[Row]:
    cfg = config(url)
    engine = db.make_engine(url)
    db.upgrade(engine)
    posts = seed(engine, cfg)
    web = make_web(cfg, engine, bot=None)
    session = auth.new_session(ADMIN, datetime.now(UTC))
    with TestClient(create_app(web)) as client:
        client.cookies.set(COOKIE, web.signer.cookie(session))
        times, cpu = timed(client, list(CASES.values()), rounds)
    engine.dispose()
    base = statistics.median(times["/healthz"])
    rows: list[Row] = []
    for label, path in CASES.items():
        median = statistics.median(times[path])
        rows.append(
            (
                f"{kind} ({posts} posts)",
                label,
                f"{min(times[path]) * 1000:.1f}",
                f"{median * 1000:.1f}",
                f"{percentile(times[path], 0.95) * 1000:.1f}",
                f"{median / base:.1f}x",
                f"{statistics.median(cpu[path]) * 1000:.1f}",
                "<= 50 ms" if label.startswith("month") else "",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    header: Row = (
        "db",
        "request",
        "min ms",
        "median ms",
        "p95 ms",
        "median vs baseline",
        "cpu ms (median)",
        "target",
    )
    table = [header]
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("sqlite", "postgres"):
            with database(kind, Path(folder)) as url:
                if url is None:
                    print(f"({kind}: not reachable, left out)")
                    continue
                table.extend(bench(kind, url, args.rounds))
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} cores: a busy machine inflates medians)")
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
