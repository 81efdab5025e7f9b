"""Engagement collection, printed as a table: ``.venv/bin/python -m benchmarks.engagement``.

One collection pass over 10,000 Facebook publications due for measuring, against the fake
Graph API through the real facebook-sdk: the number of Graph calls and the time, for

* the pass as built (``GET /?ids=`` fifty posts a call, insights as a field), and with one
  insights metric retired (the refused request, each metric asked alone, then remembered);
* the baseline measured in the same run: the post-by-post way, one call for the post's
  fields and one for its insights, per publication.

Each variant starts from the same database (a fresh copy of the seeded file) and writes
the same measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.cadence import insert_posts
from bot.analytics.collect import collect, graph_for
from bot.analytics.facebook import FIELDS, parse_post
from bot.config import Config, Secrets, parse_settings
from bot.domain.engagement import INSIGHTS
from bot.domain.posts import PostStatus, PublicationStatus
from bot.storage import db, metrics
from bot.storage.db import session_scope
from tests.fakes.graph import FakeGraph

PAGE, TOKEN = "5550001", "EAAGbench"
Row = tuple[str, str, str, str, str]


def config(graph: FakeGraph, url: str) -> Config:
    text = (
        f'[facebook]\ngraph_url = "{graph.graph_url}"\ntimeout = 30.0\n'
        f'[[channels]]\nname = "fb"\ntype = "facebook"\npage_id = "{PAGE}"\n'
    )
    return Config(parse_settings(text, source="bench"), Secrets(None, TOKEN), None, url)


def seed(graph: FakeGraph, url: str, n: int, published: datetime) -> None:
    """``n`` posts on the Page and as sent publications in the database."""
    fb_ids = [graph.add_published_post(PAGE, f"Tin {i}") for i in range(n)]
    for i, fb_id in enumerate(fb_ids):
        graph.set_engagement(
            fb_id,
            reactions={"LIKE": i % 50, "LOVE": i % 7},
            comments=i % 11,
            shares=i % 5,
            insights={"post_media_view": 10 * i, "post_total_media_view_unique": 7 * i},
        )
    engine = db.make_engine(url)
    db.upgrade(engine)
    insert_posts(
        engine,
        n,
        PostStatus.PUBLISHED,
        slot=None,
        publication=lambda i: {
            "channel": "fb",
            "status": PublicationStatus.SENT,
            "external_id": fb_ids[i],
            "due_at": published,
            "finished_at": published,
            "pinned": True,
        },
    )
    engine.dispose()


def batched(cfg: Config, at: datetime) -> tuple[int, int]:
    engine = db.make_engine(cfg.database_url)
    report = asyncio.run(collect(engine, cfg, at=at, graph=graph_for(cfg)))
    engine.dispose()
    return report.measured, report.graph_calls


def post_by_post(cfg: Config, at: datetime) -> tuple[int, int]:
    """The baseline: each publication's fields, then its insights, one call each."""
    engine = db.make_engine(cfg.database_url)
    graph: Any = graph_for(cfg)
    version = cfg.settings.facebook.api_version
    calls = measured = 0
    with session_scope(engine) as session:
        due = metrics.due_for_collection(session, now=at, checkpoints=cfg.collect_after)
    with session_scope(engine) as session:
        for publication in due:
            assert publication.id is not None
            node = graph.get_object(str(publication.external_id), fields=FIELDS)
            node["insights"] = graph.request(
                f"{version}/{publication.external_id}/insights", {"metric": ",".join(INSIGHTS)}
            )
            calls += 2
            values = parse_post(node, list(INSIGHTS))
            metrics.record(session, publication_id=publication.id, values=values, at=at)
            measured += 1
    engine.dispose()
    return measured, calls


def run(n: int) -> list[Row]:
    published = datetime.now(UTC) - timedelta(hours=2)
    at = datetime.now(UTC)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, FakeGraph() as graph:
        graph.add_page(PAGE, TOKEN)
        seeded = Path(tmp) / "seeded.db"
        seed(graph, f"sqlite:///{seeded}", n, published)
        variants = [
            ("post by post (baseline)", post_by_post, False),
            ("batched, ?ids= x50", batched, False),
            ("batched, one metric retired", batched, True),
        ]
        results: list[tuple[str, int, int, float]] = []
        for label, method, retire in variants:
            copy = Path(tmp) / f"{len(results)}.db"
            shutil.copy(seeded, copy)
            if retire:
                graph.retire_metric("post_total_media_view_unique")
            started = time.perf_counter()
            measured, calls = method(config(graph, f"sqlite:///{copy}"), at)
            results.append((label, measured, calls, time.perf_counter() - started))
        base_calls, base_time = results[0][2], results[0][3]
        for label, measured, calls, seconds in results:
            rows.append(
                (
                    label,
                    f"{measured:,}",
                    f"{calls:,}",
                    f"{seconds:.1f} s",
                    "—" if calls == base_calls else _ratio(base_calls, calls, base_time, seconds),
                )
            )
    return rows


def _ratio(base_calls: int, calls: int, base_time: float, seconds: float) -> str:
    return f"{base_calls / calls:.0f}x fewer calls, {base_time / seconds:.1f}x faster"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--publications", type=int, default=10_000)
    args = parser.parse_args()
    rows = run(args.publications)
    head: Row = ("collection pass", "measured", "Graph calls", "time", "vs baseline")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    print(f"{args.publications:,} Facebook publications due, fake Graph over HTTP, facebook-sdk")
    for row in [head, *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
