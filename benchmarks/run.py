"""Benchmarks, printed as a table: ``.venv/bin/python -m benchmarks.run``.

(a) drafting: time to clean and draft one recap (the shared Vietnamese evaluation set when
    ``../shared/eval/`` is present, the bundled samples always);
(b) publishing: one ``publish_due`` pass over N due posts to a Telegram channel and a
    Facebook Page, through python-telegram-bot and facebook-sdk over HTTP to the fake servers
    on 127.0.0.1, on SQLite and (when reachable) PostgreSQL;
(c) lateness: the worker's scheduler firing at slots, from slot time to the fake Bot API
    receiving ``sendMessage``.
Figures are wall-clock on this machine; run it on a quiet machine and compare runs, not
machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import psycopg
from sqlalchemy.engine import Engine

from bot.config import Config, Secrets, parse_settings
from bot.domain import drafting, recaps
from bot.domain.posts import PostKind, PostStatus
from bot.platforms.publishers import open_publishers
from bot.storage import db, post_rows, publication_rows
from bot.storage.db import session_scope
from jobs.publish import publish_due
from jobs.scheduler import Worker
from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "vi_news_dev_noisy.jsonl"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
CHANNEL_ID, PAGE_ID, PAGE_TOKEN = -1001, "4242", "EAAGbench"

Row = tuple[str, str, str]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# -- (a) drafting ---------------------------------------------------------------------------


def bench_drafting() -> list[Row]:
    inputs: list[tuple[str, str]] = []
    for name in ("recap-vi-hien-mau.txt", "recap-vi-mua-he-xanh.txt"):
        text = recaps.decode_recap(
            resources.files("bot").joinpath("samples", name).read_bytes(), source=name
        )
        inputs.append(recaps.split_title(text))
    source = "bundled samples"
    if EVAL.exists():
        with EVAL.open(encoding="utf-8") as fh:
            inputs = [(a["title"], a["body"]) for a in map(json.loads, fh)]
        source = f"{EVAL.name} ({len(inputs)} articles)"
    rows: list[Row] = []
    for kind in PostKind:
        times = []
        for _ in range(3):
            for title, body in inputs:
                start = time.perf_counter()
                drafting.draft_post(kind=kind, title=title, text=body, hashtags=["#X"])
                times.append(time.perf_counter() - start)
        rows.append(
            (
                f"draft {kind.value}, {source}",
                "p50 / p99 per recap",
                f"{ms(percentile(times, 0.5))} / {ms(percentile(times, 0.99))}",
            )
        )
    return rows


def bench_huge_recap() -> list[Row]:
    """A 5 MB recap of near-identical lines: the worst case for copy detection."""
    rng = random.Random(1)
    words = ("đoàn", "viên", "thanh", "niên", "tình", "nguyện", "giúp", "người", "dân")
    lines, size = [], 0
    while size < 5 * 2**20:
        line = " ".join(rng.choice(words) for _ in range(25)).capitalize() + "."
        lines.append(line)
        size += len(line.encode())
    text = "\n".join(lines)
    start = time.perf_counter()
    drafting.draft_post(kind=PostKind.DAILY, title="Tiêu đề", text=text)
    return [
        ("draft a 5 MB recap (near-identical lines)", "wall time", ms(time.perf_counter() - start))
    ]


def bench_preview(files: int = 300) -> list[Row]:
    """`goodnews draft preview` on 300 files in one call, as a user runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        texts: list[str] = []
        if EVAL.exists():
            with EVAL.open(encoding="utf-8") as fh:
                texts = [f"{a['title']}\n{a['body']}" for a in map(json.loads, fh)]
        for name in ("recap-vi-hien-mau.txt", "recap-vi-mua-he-xanh.txt"):
            texts.append(resources.files("bot").joinpath("samples", name).read_text("utf-8"))
        paths = []
        for n in range(files):
            path = Path(tmp) / f"r{n:03d}.txt"
            path.write_text(texts[n % len(texts)], encoding="utf-8")
            paths.append(str(path))
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "draft", "preview", *paths, "--json"],
            capture_output=True,
            check=True,
            cwd=tmp,
        )
        elapsed = time.perf_counter() - start
        assert len(done.stdout.splitlines()) == files
    return [
        (
            f"goodnews draft preview, {files} files in one call",
            "wall time (process)",
            f"{elapsed:.2f} s",
        )
    ]


# -- shared set-up --------------------------------------------------------------------------


def make_config(tg: FakeTelegram, graph: FakeGraph, database_url: str, outbox: Path) -> Config:
    settings = parse_settings(
        f"""
[telegram]
api_url = "{tg.api_url}"
[facebook]
graph_url = "{graph.graph_url}"
[[channels]]
name = "tg"
type = "telegram"
chat_id = {CHANNEL_ID}
[[channels]]
name = "fb"
type = "facebook"
page_id = "{PAGE_ID}"
""",
        source="benchmark",
    )
    settings = settings.model_copy(update={"outbox_dir": str(outbox)})
    return Config(settings, Secrets(tg.token, PAGE_TOKEN), None, database_url)


@contextmanager
def databases(folder: Path) -> Iterator[list[tuple[str, str]]]:
    urls = [("sqlite", f"sqlite:///{folder / 'bench.db'}")]
    name = f"goodnews_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        urls.append(("postgresql", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"))
    except psycopg.OperationalError:
        print("(PostgreSQL not reachable: its rows are left out)")
    try:
        yield urls
    finally:
        if len(urls) > 1:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(engine: Engine, slots: list[datetime]) -> None:
    with session_scope(engine) as session:
        for i, slot in enumerate(slots):
            post = post_rows.add_post(
                session,
                kind=PostKind.DAILY,
                title=f"Tin tốt số {i}",
                body="Đoàn viên trồng 1.000 cây xanh. " * 8,
                link="https://example.org/x",
                hashtags=["#MoiNgayMotTinTot"],
                recap_id=None,
            )
            post.slot, post.status = slot, PostStatus.SCHEDULED
            session.add(post)
            for channel in ("tg", "fb"):
                publication_rows.schedule_publication(
                    session,
                    post_id=post.id or 0,
                    channel=channel,
                    kind=PostKind.DAILY,
                    due_at=slot,
                    pinned=False,
                )


# -- (b) publishing throughput --------------------------------------------------------------


def bench_publishing(n: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, databases(Path(tmp)) as urls:
        for label, url in urls:
            with FakeTelegram() as tg, FakeGraph() as graph:
                tg.add_channel(CHANNEL_ID, "bench", "Bench")
                graph.add_page(PAGE_ID, PAGE_TOKEN)
                config = make_config(tg, graph, url, Path(tmp) / "outbox")
                engine = db.make_engine(url)
                db.upgrade(engine)
                base = datetime(2030, 1, 1, tzinfo=UTC)
                seed(engine, [base + timedelta(days=i) for i in range(n)])

                async def go(
                    config: Config = config, engine: Engine = engine, base: datetime = base
                ) -> float:
                    async with open_publishers(config) as publishers:
                        start = time.perf_counter()
                        await publish_due(
                            engine=engine,
                            config=config,
                            publishers=publishers,
                            at=base + timedelta(days=n),
                        )
                        return time.perf_counter() - start

                elapsed = asyncio.run(go())
                assert len(tg.messages(CHANNEL_ID)) == n and len(graph.posts(PAGE_ID)) == n
                rows.append(
                    (
                        f"publish_due, {n} posts × 2 channels (Telegram paced 29/s), {label}",
                        "total / per publication / publications/s",
                        f"{elapsed:.2f} s / {ms(elapsed / (2 * n))} / {2 * n / elapsed:.0f}",
                    )
                )
                engine.dispose()
    return rows


# -- (c) lateness ---------------------------------------------------------------------------


def bench_lateness(n: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as tg, FakeGraph() as graph:
        tg.add_channel(CHANNEL_ID, "bench", "Bench")
        graph.add_page(PAGE_ID, PAGE_TOKEN)
        url = f"sqlite:///{Path(tmp) / 'late.db'}"
        config = make_config(tg, graph, url, Path(tmp) / "outbox")
        engine = db.make_engine(url)
        db.upgrade(engine)
        t0 = datetime.now(UTC) + timedelta(seconds=2)
        slots = [t0 + timedelta(milliseconds=300 * i) for i in range(n)]
        seed(engine, slots)

        async def go() -> None:
            async with open_publishers(config) as publishers:
                worker = Worker(engine=engine, config=config, publishers=publishers)
                await worker.start()
                await asyncio.to_thread(tg.wait_for_messages, CHANNEL_ID, n, 30.0 + n)
                await worker.stop()

        asyncio.run(go())
        received = {
            str(call.params["text"]).split("<", 2)[1]: call.received_at
            for call in tg.calls("sendMessage")
        }
        late = [received[f"b>Tin tốt số {i}"] - slot.timestamp() for i, slot in enumerate(slots)]
    return [
        (
            f"lateness slot → sendMessage received, {n} slots, SQLite",
            "p50 / p99 / max",
            f"{ms(percentile(late, 0.5))} / {ms(percentile(late, 0.99))} / {ms(max(late))}",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200, help="posts in the publishing pass")
    parser.add_argument("--slots", type=int, default=20, help="slots in the lateness run")
    args = parser.parse_args()
    rows = (
        bench_drafting()
        + bench_huge_recap()
        + bench_preview()
        + bench_publishing(args.posts)
        + bench_lateness(args.slots)
    )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    header = ("benchmark", "measure", "result")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
