"""Crash rounds: a real ``goodnews run --no-bot`` killed with SIGKILL in the middle of a burst,
restarted, and every publication checked against what the fake servers received.

One round: queue a burst of approved posts due now (one Telegram channel and one Facebook
Page, so two publications a post), start a worker, wait until the fakes have received K
publishing calls (odd rounds) or until K publications are written ``sent`` (even rounds), K
drawn from a seeded ``random.Random``, SIGKILL the worker, start another and let it drain. The
first kind of kill lands while a request is in flight; the second a moment after an outcome
was committed, wherever the worker then is (marking the next one, pacing, sending).

Then every publication of the round is judged from the fakes' own records: ``sent`` with
exactly one call, or ``unknown`` (reported in the worker's log and in ``goodnews queue``)
with at most one; never two calls; nothing left in another state.

Shared by ``tests/test_crash.py`` (a few rounds per database) and ``benchmarks/crash.py``
(the full 20), so both run the same code.
"""

from __future__ import annotations

import collections
import random
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, create_engine, select

from bot.config import Config, load
from bot.domain.posts import PostKind, PublicationStatus
from bot.services import board, queued
from bot.storage import db
from bot.storage.db import session_scope
from bot.storage.models import Publication
from bot.storage.plain import Reader
from tests import running
from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram

TG_CHAT, PAGE_ID, PAGE_TOKEN = -100424242, "5550424242", "EAAGcrashpagetoken"
POSTS = 100  # two publications each: 200 a round
LEASE, SWEEP = "2s", "1s"  # a killed worker's claims come back within ~3 s of the restart
#: Each post carries a unique marker: how a call at a fake is matched to its publication.
MARKER = re.compile(r"CRASH-(\d+)-(\d+)")
WAITING = (PublicationStatus.SCHEDULED, PublicationStatus.CLAIMED, PublicationStatus.SENDING)
DEADLINE = 120.0  # seconds any one wait may take before the round is declared stuck


@dataclass
class RoundResult:
    number: int
    kill_after: int  # K: publishing calls received, or publications sent, at the kill
    phase: str  # "call": K calls had reached the fakes; "sent": K were written sent
    publications: int = 0
    sent: int = 0
    unknown: int = 0
    unknown_reached: int = 0  # of those, how many the fake did receive (once)
    duplicates: int = 0  # publications the fakes received more than once
    lost: int = 0  # left in another state, or `sent` without a call at the fake
    mid_send: bool = False  # a publication was `sending` when the worker died
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"round {self.number:2}: killed at {self.kill_after:3} {self.phase:<4}"
            f"{' (mid-send)' if self.mid_send else '           '}: "
            f"{self.publications} publications: {self.sent} sent, {self.unknown} unknown "
            f"({self.unknown_reached} reached the fake), "
            f"{self.duplicates} duplicates, {self.lost} lost; {self.seconds:.1f} s"
        )


def config_text(tg: FakeTelegram, graph: FakeGraph) -> str:
    """One Telegram channel and one Page on the fakes; pacing at Telegram's ceiling; short
    leases and sweeps so a restarted worker recovers the dead one's claims at once."""
    return f"""\
[telegram]
api_url = "{tg.api_url}"
max_per_second = 30.0

[facebook]
graph_url = "{graph.graph_url}"
timeout = 10.0

[worker]
lease = "{LEASE}"
sweep = "{SWEEP}"

[[channels]]
name = "tg"
type = "telegram"
chat_id = {TG_CHAT}

[[channels]]
name = "fb"
type = "facebook"
page_id = "{PAGE_ID}"
"""


class CrashRig:
    """The fakes, a folder with ``config.toml`` and the worker logs, and a database, for a
    series of rounds (each round's posts have their own markers)."""

    def __init__(
        self,
        folder: Path,
        database_url: str,
        tg: FakeTelegram,
        graph: FakeGraph,
        *,
        seed: int,
        posts: int = POSTS,
    ) -> None:
        self.folder, self.tg, self.graph, self.posts = folder, tg, graph, posts
        self.seed = seed
        self.random = random.Random(seed)
        tg.add_channel(TG_CHAT, "tin_tot_crash", "Tin tốt")
        graph.add_page(PAGE_ID, PAGE_TOKEN)
        (folder / "config.toml").write_text(config_text(tg, graph), encoding="utf-8")
        self.env = {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": tg.token,
            "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN,
        }
        self.config: Config = load(folder / "config.toml", environ=self.env)
        self.engine = db.make_engine(database_url)
        db.upgrade(self.engine)  # what `goodnews init` does
        # Reads only, without our BEGIN IMMEDIATE: polling must not hold up the worker.
        self.reader = create_engine(db.normalise_url(database_url))

    def close(self) -> None:
        self.engine.dispose()
        self.reader.dispose()

    # -- one round ------------------------------------------------------------------------

    def run_round(self, number: int) -> RoundResult:
        started = time.monotonic()
        since = (self.tg.mark(), self.graph.mark())
        posts = self._queue(number)  # post id → marker index
        k = self.random.randint(1, 2 * len(posts) - 1)
        result = RoundResult(number, k, phase="call" if number % 2 else "sent")
        with running.worker(self.folder, self.env, "--no-bot", log=f"r{number}-killed.log") as w:
            if result.phase == "call":
                self._wait_for_calls(number, since, k, w)
            else:
                self._wait_for_sent(posts, k, w)
            w.send_signal(signal.SIGKILL)
            w.wait(timeout=30)
        at_kill = self._statuses(posts)
        result.mid_send = PublicationStatus.SENDING in at_kill.values()
        log = f"r{number}-restarted.log"
        with running.worker(self.folder, self.env, "--no-bot", log=log) as w:
            self._drain(posts, w, log)
            code = running.stop(w, timeout=60)
        if code != 0:
            result.problems.append(f"the restarted worker exited {code}: {self._tail(log)}")
        self._check(result, posts, since, self._logs(number))
        result.seconds = time.monotonic() - started
        return result

    def _queue(self, number: int) -> dict[int, int]:
        """``posts`` approved posts pinned to now, through the same action as `queue add`."""
        now = datetime.now(UTC)
        ids: dict[int, int] = {}
        with session_scope(self.engine) as session:
            for index in range(self.posts):
                post = queued.queue_post(
                    session,
                    self.config,
                    text=(
                        f"Tin tốt CRASH-{number}-{index}\n"
                        f"Đoàn viên trồng {index + 1} cây xanh (CRASH-{number}-{index})."
                    ),
                    kind=PostKind.DAILY,
                    at=now + timedelta(milliseconds=1),
                    channels=[],
                    approved=True,
                    reserve=False,
                    now=now,
                )
                assert post.id is not None
                ids[post.id] = index
        return ids

    # -- what the fakes received ----------------------------------------------------------

    def _calls(self, number: int, since: tuple[int, int]) -> list[tuple[int, str, str]]:
        """(marker index, channel, the platform's id or '') of every publishing call of the
        round, in the order each fake received them."""
        found: list[tuple[int, str, str]] = []
        for call in self.tg.calls("sendMessage", since=since[0]):
            match = MARKER.search(str(call.params.get("text", "")))
            if match and int(match.group(1)) == number:
                result = call.result if call.ok else None
                external = str(result["message_id"]) if isinstance(result, dict) else ""
                found.append((int(match.group(2)), "tg", external))
        for graph_call in self.graph.calls("/feed", since=since[1]):
            match = MARKER.search(str(graph_call.params.get("message", "")))
            if graph_call.http_method == "POST" and match and int(match.group(1)) == number:
                body = graph_call.response
                ok = graph_call.status == 200 and isinstance(body, dict)
                external = str(body["id"]) if ok and isinstance(body, dict) else ""
                found.append((int(match.group(2)), "fb", external))
        return found

    def _wait_for_calls(
        self, number: int, since: tuple[int, int], k: int, proc: subprocess.Popen[bytes]
    ) -> None:
        """Until the fakes have received ``k`` publishing calls of the round. Woken by each
        Telegram call; the Graph count is read at least every 2 ms."""
        deadline = time.monotonic() + DEADLINE
        while len(self._calls(number, since)) < k:
            if proc.poll() is not None:
                raise AssertionError(f"the worker exited {proc.returncode} before {k} calls")
            if time.monotonic() > deadline:
                raise AssertionError(f"round {number}: fewer than {k} calls in {DEADLINE} s")
            with self.tg.cond:
                self.tg.cond.wait(0.002)

    # -- what the database says -----------------------------------------------------------

    def _wait_for_sent(self, posts: dict[int, int], k: int, proc: subprocess.Popen[bytes]) -> None:
        """Until ``k`` publications of the round are written sent (read every 2 ms)."""
        deadline = time.monotonic() + DEADLINE
        while list(self._statuses(posts).values()).count(PublicationStatus.SENT) < k:
            if proc.poll() is not None:
                raise AssertionError(f"the worker exited {proc.returncode} before {k} were sent")
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {k} publications sent in {DEADLINE} s")
            with self.tg.cond:
                self.tg.cond.wait(0.002)

    def _statuses(self, posts: dict[int, int]) -> dict[tuple[int, str], PublicationStatus]:
        return {key: pub.status for key, pub in self._publications(posts).items()}

    def _publications(self, posts: dict[int, int]) -> dict[tuple[int, str], Publication]:
        with Session(self.reader) as session:
            rows = session.exec(
                select(Publication).where(col(Publication.post_id).in_(list(posts)))
            ).all()
        return {(p.post_id, p.channel): p for p in rows}

    def _drain(self, posts: dict[int, int], proc: subprocess.Popen[bytes], log: str) -> None:
        """Until no publication of the round is scheduled, claimed or sending."""
        deadline = time.monotonic() + DEADLINE
        while True:
            left = [k for k, s in self._statuses(posts).items() if s in WAITING]
            if not left:
                return
            if proc.poll() is not None:
                raise AssertionError(f"the restarted worker died: {self._tail(log)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(left)} publications still waiting: {left[:5]}")
            with self.tg.cond:  # the next Telegram call, or 50 ms: a poll with a deadline
                self.tg.cond.wait(0.05)

    # -- the verdict ----------------------------------------------------------------------

    def _check(
        self, result: RoundResult, posts: dict[int, int], since: tuple[int, int], logs: str
    ) -> None:
        index_to_post = {index: post_id for post_id, index in posts.items()}
        calls: dict[tuple[int, str], list[str]] = collections.defaultdict(list)
        for index, channel, external in self._calls(result.number, since):
            if index not in index_to_post:
                result.problems.append(f"a call for CRASH-{result.number}-{index}: no such post")
                continue
            calls[(index_to_post[index], channel)].append(external)
        publications = self._publications(posts)
        result.publications = len(publications)
        if set(calls) - set(publications):
            result.problems.append(f"calls for no publication: {set(calls) - set(publications)}")
        for key, pub in sorted(publications.items()):
            _judge(result, key, pub, calls.get(key, []), logs)
        with session_scope(self.engine) as session:
            listed = {
                post.id for post, _ in board.queue(Reader.of_session(session), include_all=False)
            }
        for (post_id, channel), pub in publications.items():
            if pub.status is PublicationStatus.UNKNOWN and post_id not in listed:
                result.problems.append(f"post {post_id} ({channel} unknown) not in `queue`")

    def _logs(self, number: int) -> str:
        return "".join(
            (self.folder / f"r{number}-{which}.log").read_text(encoding="utf-8")
            for which in ("killed", "restarted")
        )

    def _tail(self, log: str) -> str:
        return (self.folder / log).read_text(encoding="utf-8")[-2000:]


def _judge(
    result: RoundResult, key: tuple[int, str], pub: Publication, received: list[str], logs: str
) -> None:
    """One publication against the calls the fakes received for it (their answers' ids)."""
    where = f"post {key[0]} on {key[1]}"
    if len(received) > 1:
        result.duplicates += 1
        result.problems.append(f"{where}: {len(received)} calls at the fake ({pub.status})")
    if pub.status is PublicationStatus.SENT and received:
        result.sent += 1
        if pub.external_id not in received:
            result.problems.append(f"{where}: sent as {pub.external_id}, the fake said {received}")
    elif pub.status is PublicationStatus.UNKNOWN:
        result.unknown += 1
        result.unknown_reached += len(received) == 1
        if not (pub.error or "").startswith("outcome unknown"):
            result.problems.append(f"{where}: unknown without a reason: {pub.error!r}")
        if f"post {key[0]} → {key[1]}: unknown" not in logs:
            result.problems.append(f"{where}: unknown, but no worker log says so")
    else:
        result.lost += 1
        sent = pub.status is PublicationStatus.SENT
        state = "sent, but the fake never received it" if sent else pub.status.value
        result.problems.append(f"{where}: {state} ({pub.error})")


@dataclass(frozen=True)
class Totals:
    rounds: int
    publications: int
    sent: int
    unknown: int
    unknown_reached: int
    duplicates: int
    lost: int
    mid_send: int
    seconds: float

    @classmethod
    def of(cls, results: list[RoundResult]) -> Totals:
        return cls(
            rounds=len(results),
            publications=sum(r.publications for r in results),
            sent=sum(r.sent for r in results),
            unknown=sum(r.unknown for r in results),
            unknown_reached=sum(r.unknown_reached for r in results),
            duplicates=sum(r.duplicates for r in results),
            lost=sum(r.lost for r in results),
            mid_send=sum(r.mid_send for r in results),
            seconds=sum(r.seconds for r in results),
        )


def summary(label: str, seed: int, results: list[RoundResult], *, rounds: bool = True) -> str:
    """Every round's line (unless ``rounds`` is false), the totals, and every problem found
    (with the seed that replays the same kills)."""
    totals = Totals.of(results)
    lines = [f"crash rounds on {label} (seed {seed}):", *(r.line() for r in results if rounds)]
    lines.append(
        f"total: {totals.rounds} rounds, {totals.publications} publications, {totals.sent} sent, "
        f"{totals.unknown} unknown ({totals.unknown_reached} reached the fake), "
        f"{totals.duplicates} duplicates, {totals.lost} lost, "
        f"{totals.mid_send} kills mid-send, {totals.seconds:.0f} s"
    )
    lines += [f"round {r.number}: {p}" for r in results for p in r.problems]
    return "\n".join(lines)
