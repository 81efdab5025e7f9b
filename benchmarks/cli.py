"""The CLI's fixed cost, printed as a table: ``.venv/bin/python -m benchmarks.cli``.

CPU time (user + sys of the child process, median of 10 runs after an untimed one that caches
bytecode) of ``goodnews --help``, ``goodnews queue``, ``goodnews draft preview`` on one sample
file and ``goodnews tick`` with nothing due, on a fresh temporary SQLite project, each beside
a bare ``python -c pass`` measured in the same run. A cron ``tick`` every minute pays its
start 1,440 times a day.
Targets: --help at most 6x bare, queue 25x, tick with nothing due 35x.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

SAMPLE = Path(__file__).parent.parent / "bot" / "samples" / "recap-vi-hien-mau.txt"
#: The installed console script, as cron runs it (or what it runs, outside a venv).
_SCRIPT = Path(sys.executable).with_name("goodnews")
GOODNEWS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bot"]
TARGETS = {"--help": 6.0, "queue": 25.0, "tick (nothing due)": 35.0}


def cpu_seconds(argv: Sequence[str], *, cwd: Path, env: dict[str, str]) -> float:
    """User + sys CPU of one child run to completion (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def project(folder: Path) -> dict[str, str]:
    """A fresh project in ``folder`` (config.toml, SQLite database) and an environment
    without tokens, so nothing can reach a platform.

    Bytecode is cached (in the temporary folder, not the checkout), as for an installed
    package: with PYTHONDONTWRITEBYTECODE set, as in some shells, every run would compile
    goodnews' own sources again, which cron never does."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env.pop("GOODNEWS_CONFIG", None)
    env.pop("DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    subprocess.run([*GOODNEWS, "init"], cwd=folder, env=env, check=True, capture_output=True)
    return env


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="goodnews-cli-bench-") as tmp:
        folder = Path(tmp)
        env = project(folder)
        commands = {
            "--help": [*GOODNEWS, "--help"],
            "queue": [*GOODNEWS, "queue"],
            "draft preview": [*GOODNEWS, "draft", "preview", str(SAMPLE)],
            "tick (nothing due)": [*GOODNEWS, "tick"],
        }
        bare_argv = [sys.executable, "-c", "pass"]
        times: dict[str, list[float]] = {name: [] for name in ["bare", *commands]}
        for command in [bare_argv, *commands.values()]:  # a first, untimed run caches bytecode
            cpu_seconds(command, cwd=folder, env=env)
        for _ in range(args.runs):  # interleaved: each command and the bare start see one load
            times["bare"].append(cpu_seconds(bare_argv, cwd=folder, env=env))
            for name, command in commands.items():
                times[name].append(cpu_seconds(command, cwd=folder, env=env))
        bare = statistics.median(times["bare"])
        print(
            f"CPU time (user+sys), median of {args.runs} runs, bytecode cached; "
            "bare: `python -c pass`"
        )
        print(f"{'command':<22}{'CPU ms':>9}{'bare ms':>9}{'ratio':>8}{'target':>9}")
        for name in commands:
            cpu = statistics.median(times[name])
            target = f"≤ {TARGETS[name]:g}×" if name in TARGETS else ""
            print(f"{name:<22}{cpu * 1000:>9.0f}{bare * 1000:>9.0f}{cpu / bare:>7.1f}×{target:>9}")


if __name__ == "__main__":
    main()
