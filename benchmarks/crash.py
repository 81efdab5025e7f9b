"""Crash benchmark, printed as a table: ``.venv/bin/python -m benchmarks.crash``.

A real ``goodnews run --no-bot`` worker is SIGKILLed at a random moment of a burst of 200
publications (100 posts x one Telegram channel and one Facebook Page), restarted and drained,
round after round, on SQLite and on PostgreSQL, against the fake Bot API and Graph API
started here. Each publication must end ``sent`` with exactly one call at the fakes, or
``unknown`` (reported) with at most one; the same code as ``tests/test_crash.py``
(``tests/crash_rounds.py``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.databases import PG_ADMIN, database
from tests.crash_rounds import CrashRig, RoundResult, Totals, summary
from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram

Row = tuple[str, ...]


def run(kind: str, rounds: int, seed: int, verbose: bool) -> list[RoundResult] | None:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp), "crash.db") as url:
        if url is None:
            print(f"(PostgreSQL not reachable at {PG_ADMIN}: its row is left out)")
            return None
        folder = Path(tmp) / "work"
        folder.mkdir()
        if verbose:
            print(f"{kind}:", flush=True)
        with FakeTelegram() as tg, FakeGraph() as graph:
            rig = CrashRig(folder, url, tg, graph, seed=seed)
            results: list[RoundResult] = []
            try:
                for number in range(1, rounds + 1):
                    results.append(rig.run_round(number))
                    if verbose:
                        print(results[-1].line(), flush=True)
            finally:
                rig.close()
    print(summary(kind, seed, results, rounds=not verbose), end="\n\n", flush=True)
    return results


def row(kind: str, results: list[RoundResult], wall: float) -> Row:
    t = Totals.of(results)
    return (
        kind,
        str(t.rounds),
        str(t.publications),
        str(t.sent),
        f"{t.unknown} ({t.unknown_reached} reached)",
        str(t.duplicates),
        str(t.lost),
        f"{t.mid_send} / {t.rounds}",
        f"{wall:.0f} s",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=20260, help="replays the same kills")
    parser.add_argument("-v", "--verbose", action="store_true", help="each round as it ends")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows: list[Row] = []
    failed = False
    for kind in kinds:
        started = time.monotonic()
        results = run(kind, args.rounds, args.seed, args.verbose)
        if results is not None:
            rows.append(row(kind, results, time.monotonic() - started))
            failed = failed or any(r.problems for r in results)
    header = (
        "database",
        "rounds",
        "publications",
        "sent",
        "unknown",
        "duplicates at fakes",
        "lost",
        "kills mid-send",
        "wall time",
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    if failed:
        raise SystemExit("some rounds broke an invariant: see the problems above")


if __name__ == "__main__":
    main()
