"""`goodnews report` against what Telegram actually received: 21 units, 8 simulated weeks.

Each unit has one channel on the fake Bot API. Day by day, through the library for speed,
each unit's recap is stored and drafted; some drafts are approved, some rejected, some slots
left empty, some channels paused for a few days; then `goodnews tick --at` runs at every
slot instant, with some sends refused by the fake (a permanent 400, so they end `failed`).
The report's counts must equal what the fake received, and each miss must carry the reason
of what was done to it. The seed is random per run (set GOODNEWS_SIM_SEED to replay one)
and is in every assertion message.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Config, load
from bot.domain.posts import PostKind
from bot.domain.slots import local_instant
from bot.services import decisions, drafter, intake, scheduling
from bot.storage import db
from bot.storage.db import session_scope
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = [f"u{n:02d}" for n in range(1, 22)]
START = date(2025, 1, 6)  # a Monday; 8 weeks, the last day a Sunday
DAYS = 56
END = START + timedelta(days=DAYS - 1)
DAILY_AT, WEEKLY_AT, EVENING = time(7, 30), time(19), time(20)
REFUSED = "Bad Request: message is too long"  # a permanent refusal: the publication fails
MARK = re.compile(r"Tin tốt (u\d\d) ngày (\d{4}-\d\d-\d\d)")

# What is done to a unit's slot, and how often.
PLANS = ("publish", "empty", "reject", "fail")
DAILY_WEIGHTS = (58, 16, 14, 12)
WEEKLY_WEIGHTS = (55, 15, 15, 15)


def chat_of(unit: str) -> int:
    return -1001000000000 - int(unit[1:])


def write_config(workdir: Path, tg: FakeTelegram) -> None:
    lines = [
        'timezone = "Asia/Ho_Chi_Minh"',
        "[telegram]",
        f'api_url = "{tg.api_url}"',
        "max_per_second = 30.0",
        "[cadence]",
        'daily_at = "07:30"',
        'weekly_day = "sunday"',
        'weekly_at = "19:00"',
    ]
    for unit in UNITS:
        lines += [
            "[[channels]]",
            f'name = "{unit}-tg"',
            'type = "telegram"',
            f"chat_id = {chat_of(unit)}",
        ]
    for unit in UNITS:
        lines += [
            "[[units]]",
            f'id = "{unit}"',
            f'name = "Chi đoàn phường số {int(unit[1:])}"',
            f'channels = ["{unit}-tg"]',
        ]
    (workdir / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Plan:
    """What the simulation did, and what the fake received."""

    seed: int
    daily: dict[tuple[str, date], str] = field(default_factory=dict)
    weekly: dict[tuple[str, date], str] = field(default_factory=dict)
    paused: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))
    # From the fake's recorded calls: (unit, local date of the slot) per kind.
    sent: dict[PostKind, set[tuple[str, date]]] = field(
        default_factory=lambda: {k: set() for k in PostKind}
    )
    refused: dict[PostKind, set[tuple[str, date]]] = field(
        default_factory=lambda: {k: set() for k in PostKind}
    )


def make_plan(seed: int) -> Plan:
    rng = random.Random(seed)
    plan = Plan(seed)
    # Three units pause their channel for 2-5 days, a Sunday inside one of the windows.
    for unit in rng.sample(UNITS, 3):
        first = START + timedelta(days=rng.randrange(1, DAYS - 8))
        plan.paused[unit] = {first + timedelta(days=n) for n in range(rng.randint(2, 5))}
    forced_sunday = START + timedelta(days=13)
    plan.paused[UNITS[0]] = {forced_sunday - timedelta(days=1), forced_sunday}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        for unit in UNITS:
            plan.daily[unit, day] = rng.choices(PLANS, DAILY_WEIGHTS)[0]
            if day.weekday() == 6:
                plan.weekly[unit, day] = rng.choices(PLANS, WEEKLY_WEIGHTS)[0]
    # Every case at least once, whatever the seed; a paused day also gets a rejected draft
    # (paused comes first).
    plan.daily[UNITS[1], START + timedelta(days=2)] = "reject"
    plan.daily[UNITS[2], START + timedelta(days=3)] = "empty"
    plan.daily[UNITS[3], START + timedelta(days=4)] = "fail"
    plan.weekly[UNITS[4], START + timedelta(days=6)] = "reject"
    plan.weekly[UNITS[5], START + timedelta(days=6)] = "fail"
    plan.daily[UNITS[0], forced_sunday] = "reject"
    return plan


def at(day: date, when: time) -> datetime:
    return local_instant(day, when, TZ)


def store_and_draft(
    session: Any, config: Config, unit: str, day: date, kinds: list[PostKind]
) -> dict[PostKind, int]:
    """A recap of the unit's day, drafted as each of ``kinds``; the post ids."""
    # Each day's story is its own (the same text twice is refused, or held on a channel).
    n = day.toordinal() % 10_000
    text = f"Tin tốt {unit} ngày {day.isoformat()}\n" + " ".join(
        f"Ngày {n}, chi đoàn {unit} làm việc tốt thứ {i} cùng {n * 7 + i} bạn trẻ."
        for i in range(4)
    )
    recap = intake.store_recap(
        session, data=text.encode(), source=f"{unit}-{day}.txt", title=None, url=None, unit=unit
    )
    ids = {}
    for kind in kinds:
        post = drafter.draft(session, config, kind=kind, recap_id=recap.id, unit=unit)
        assert post.id is not None
        ids[kind] = post.id
    return ids


def decide(session: Any, config: Config, post_id: int, plan: str, now: datetime) -> None:
    if plan == "reject":
        decisions.reject(session, post_id=post_id, by=None, now=now)
    else:  # publish, fail: approved into the coming slot
        decisions.approve(session, config, post_id=post_id, by=None, now=now)


def tick(
    cli: Cli, tg: FakeTelegram, plan: Plan, kind: PostKind, instant: datetime, *, k: int
) -> None:
    """`goodnews tick --at` the slot, ``k`` sends refused; what the fake received, recorded."""
    if k:
        tg.fail_next("sendMessage", status=400, description=REFUSED, times=k)
    mark = tg.mark()
    cli("tick", "--at", instant.isoformat())
    day = instant.astimezone(TZ).date()
    by_chat = {chat_of(u): u for u in UNITS}
    for call in tg.calls("sendMessage", since=mark):
        unit = by_chat.get(int(call.params["chat_id"]))
        if unit is None:
            continue  # not a channel (an admin notice)
        found = MARK.search(str(call.params["text"]))
        assert found is not None and found.groups() == (unit, day.isoformat()), (
            f"seed={plan.seed}: {unit} on {day} got {call.params['text']!r}"
        )
        (plan.sent if call.ok else plan.refused)[kind].add((unit, day))


def simulate(cli: Cli, tg: FakeTelegram, config: Config, plan: Plan) -> None:
    engine = db.make_engine(config.database_url)
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        eve = at(day - timedelta(days=1), EVENING)
        with session_scope(engine) as session:
            for unit in UNITS:
                name = f"{unit}-tg"
                if day in plan.paused[unit] and day - timedelta(days=1) not in plan.paused[unit]:
                    scheduling.set_paused(session, config, channel=name, paused=True, now=eve)
                if day not in plan.paused[unit] and day - timedelta(days=1) in plan.paused[unit]:
                    scheduling.set_paused(session, config, channel=name, paused=False, now=eve)
        with session_scope(engine) as session:
            failing = 0
            for unit in UNITS:
                daily = plan.daily[unit, day]
                weekly = plan.weekly.get((unit, day), "empty")
                if day in plan.paused[unit]:
                    # Nothing is approved for a paused channel; a draft may still be rejected.
                    daily = "reject" if daily == "reject" else "empty"
                    weekly = "reject" if weekly == "reject" else "empty"
                    plan.daily[unit, day] = daily
                    if (unit, day) in plan.weekly:
                        plan.weekly[unit, day] = weekly
                kinds = [
                    k
                    for k, p in ((PostKind.DAILY, daily), (PostKind.WEEKLY, weekly))
                    if p != "empty"
                ]
                if not kinds:
                    continue
                ids = store_and_draft(session, config, unit, day, kinds)
                if PostKind.DAILY in ids:
                    decide(session, config, ids[PostKind.DAILY], daily, eve)
                    failing += daily == "fail"
                if PostKind.WEEKLY in ids:
                    decide(session, config, ids[PostKind.WEEKLY], weekly, at(day, DAILY_AT))
        tick(cli, tg, plan, PostKind.DAILY, at(day, DAILY_AT), k=failing)
        if day.weekday() == 6:
            weekly_failing = sum(plan.weekly[u, day] == "fail" for u in UNITS)
            tick(cli, tg, plan, PostKind.WEEKLY, at(day, WEEKLY_AT), k=weekly_failing)


def expected_misses(plan: Plan, unit: str) -> list[dict[str, str]]:
    """Each slot the fake did not receive, with the reason of what was done to it."""
    misses = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        for kind, planned in ((PostKind.DAILY, plan.daily), (PostKind.WEEKLY, plan.weekly)):
            if (unit, day) not in planned or (unit, day) in plan.sent[kind]:
                continue
            if day in plan.paused[unit]:
                reason = "paused"
            elif (unit, day) in plan.refused[kind]:
                reason = "failed"
            elif planned[unit, day] == "reject":
                reason = "rejected"
            else:
                assert planned[unit, day] == "empty", (plan.seed, unit, day, planned[unit, day])
                reason = "empty slot"
            misses.append({"date": day.isoformat(), "kind": kind.value, "reason": reason})
    return misses


def trailing_run(days: list[bool]) -> int:
    run = 0
    for kept in days:
        run = run + 1 if kept else 0
    return run


def test_report_matches_what_telegram_received_over_eight_weeks(workdir: Path) -> None:
    seed = int(os.environ.get("GOODNEWS_SIM_SEED") or random.randrange(2**32))
    plan = make_plan(seed)
    began = monotonic()
    with FakeTelegram() as tg:
        for unit in UNITS:
            tg.add_channel(chat_of(unit), f"@{unit}_tin_tot", f"Tin tốt {unit}")
        write_config(workdir, tg)
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        config = load(None, environ={"TELEGRAM_BOT_TOKEN": tg.token})
        simulate(cli, tg, config, plan)
        result = cli(
            "report", "--from", START.isoformat(), "--to", END.isoformat(), "--format", "json"
        )
    report = json.loads(result.stdout)
    about = f"seed={seed} (GOODNEWS_SIM_SEED={seed} replays it)"
    assert [u["id"] for u in report["units"]] == UNITS, about
    # Every case was injected and observed at least once.
    assert plan.refused[PostKind.DAILY] and plan.refused[PostKind.WEEKLY], about
    assert sum(len(v) for v in plan.sent.values()) > DAYS * len(UNITS) // 2, about
    for unit_report in report["units"]:
        unit = unit_report["id"]
        sent_days = {d for u, d in plan.sent[PostKind.DAILY] if u == unit}
        sent_weeks = {d for u, d in plan.sent[PostKind.WEEKLY] if u == unit}
        wanted: dict[str, Any] = {
            "days_expected": DAYS,
            "days_published": len(sent_days),
            "weekly_expected": DAYS // 7,
            "weekly_published": len(sent_weeks),
            "streak": trailing_run([START + timedelta(days=n) in sent_days for n in range(DAYS)]),
        }
        misses = expected_misses(plan, unit)
        got = {key: unit_report[key] for key in wanted}
        if got != wanted or unit_report["misses"] != misses:
            extra = [m for m in unit_report["misses"] if m not in misses]
            lacking = [m for m in misses if m not in unit_report["misses"]]
            counts = {k: (got[k], v) for k, v in wanted.items() if got[k] != v}
            raise AssertionError(
                f"{about}, unit {unit}: (report, fake) {counts}; misses only in the report "
                f"{extra}, only expected {lacking}"
            )
        assert unit_report["name"] == f"Chi đoàn phường số {int(unit[1:])}"
    reasons = {m["reason"] for u in report["units"] for m in u["misses"]}
    assert reasons == {"paused", "failed", "rejected", "empty slot"}, about
    print(f"simulation: seed {seed}, {monotonic() - began:.1f} s")
