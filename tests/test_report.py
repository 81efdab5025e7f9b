"""`goodnews report`: its formats, its defaults and errors, a config without units, and the
HTML page as a real browser renders it (headless Chromium)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from sqlalchemy.engine import Engine

from bot.config import Config, load
from bot.domain.posts import PostKind
from bot.domain.slots import local_instant
from bot.services import decisions, queued
from bot.storage import db
from bot.storage.db import session_scope
from bot.storage.models import ChannelState
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = """
timezone = "Asia/Ho_Chi_Minh"
[cadence]
daily_at = "07:30"
weekly_day = "sunday"
weekly_at = "19:00"
[[channels]]
name = "cnvc-tg"
type = "telegram"
chat_id = "@cnvc"
[[channels]]
name = "phuong-fb"
type = "facebook"
page_id = "101"
[[units]]
id = "cnvc"
name = "Khối Công nhân viên chức"
channels = ["cnvc-tg"]
[[units]]
id = "phuong"
name = "Đoàn phường Bến Nghé"
channels = ["phuong-fb"]
cadence = { weekly_day = "saturday" }
"""
MON = date(2025, 3, 3)  # a Monday, long past: every slot of the test has come
DAYS = [MON + timedelta(days=n) for n in range(14)]


@pytest.fixture
def cli(run_cli: Cli, workdir: Path) -> Cli:
    (workdir / "config.toml").write_text(CONFIG, encoding="utf-8")
    run_cli("init")
    return run_cli


def setup_history(cli: Cli) -> None:
    """Two weeks, published to the dry-run outbox by `goodnews tick --at` at each slot.

    cnvc: a good news every day but the 4th (its draft rejected the evening before) and the
    9th (nothing); its story on the first Sunday only. phuong: the first week only, with its
    story on Saturday (its own weekly day); from the 11th its Page is paused by hand (no
    audit entry), with the second story waiting.
    """
    config = load(None, environ={})
    engine = db.make_engine(config.database_url)
    for day in DAYS:
        eve = local_instant(day - timedelta(days=1), time(20), HCM)
        if day == DAYS[10]:
            pause_by_hand(engine, "phuong-fb", since=eve)
        with session_scope(engine) as session:
            if day == DAYS[3]:
                post = queue(session, config, "cnvc", day, eve, approved=False)
                assert post.id is not None
                decisions.reject(session, post_id=post.id, by=None, now=eve)
            elif day != DAYS[8]:
                queue(session, config, "cnvc", day, eve, approved=True)
            if day < DAYS[7]:
                queue(session, config, "phuong", day, eve, approved=True)
            stories = {DAYS[4]: "phuong", DAYS[6]: "cnvc", DAYS[11]: "phuong"}
            if day in stories:
                queue(session, config, stories[day], day, eve, approved=True, kind=PostKind.WEEKLY)
        cli("tick", "--at", local_instant(day, time(7, 30), HCM).isoformat())
        cli("tick", "--at", local_instant(day, time(19), HCM).isoformat())


def queue(
    session: Any,
    config: Config,
    unit: str,
    day: date,
    now: datetime,
    *,
    approved: bool,
    kind: PostKind = PostKind.DAILY,
) -> Any:
    return queued.queue_post(
        session,
        config,
        # Each day's own text: the same text again on a channel is held for a person.
        text=f"Tin {kind.value} {unit} {day}\nNgày {day}, {unit} trồng {day.day * 3} cây xanh.",
        kind=kind,
        at=None,
        channels=[],
        approved=approved,
        reserve=False,
        now=now,
        unit=unit,
    )


def pause_by_hand(engine: Engine, channel: str, *, since: datetime) -> None:
    """A pause the audit log does not know of (before it existed, or set in the database)."""
    with session_scope(engine) as session:
        session.add(ChannelState(name=channel, paused=True, updated_at=since))


def report(cli: Cli, *args: str) -> Result:
    """`goodnews report` over the test's period, with more options."""
    return cli("report", "--from", str(DAYS[0]), "--to", str(DAYS[-1]), *args)


def report_json(cli: Cli, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report(cli, "--format", "json", *args).stdout)
    return data


def test_the_report_counts_what_went_out_and_why_the_rest_did_not(cli: Cli) -> None:
    setup_history(cli)
    data = report_json(cli)
    assert (data["from"], data["to"], data["timezone"]) == (
        "2025-03-03",
        "2025-03-16",
        "Asia/Ho_Chi_Minh",
    )
    cnvc, phuong = data["units"]
    assert {k: v for k, v in cnvc.items() if k != "misses"} == {
        "id": "cnvc",
        "name": "Khối Công nhân viên chức",
        "days_expected": 14,
        "days_published": 12,
        "weekly_expected": 2,
        "weekly_published": 1,
        "streak": 5,
        "longest_streak": 5,
        # Its own channel: judged by the cadence, so no share of a rotation.
        "judged_by": "cadence",
        "featured": None,
        "last_featured": None,
        "days_since_featured": None,
        "recaps_waiting": None,
    }
    assert data["organisation"] is None  # every channel is a unit's
    assert cnvc["misses"] == [
        {"date": "2025-03-06", "kind": "daily", "reason": "rejected"},
        {"date": "2025-03-11", "kind": "daily", "reason": "empty slot"},
        {"date": "2025-03-16", "kind": "weekly", "reason": "empty slot"},
    ]
    assert {k: phuong[k] for k in ("days_published", "streak", "longest_streak")} == {
        "days_published": 7,
        "streak": 0,
        "longest_streak": 7,
    }
    assert (phuong["weekly_expected"], phuong["weekly_published"]) == (2, 1)
    paused = [{"date": str(d), "kind": "daily", "reason": "paused"} for d in DAYS[10:]]
    paused.insert(3, {"date": "2025-03-15", "kind": "weekly", "reason": "paused"})  # Saturday
    assert phuong["misses"] == [
        *({"date": str(d), "kind": "daily", "reason": "empty slot"} for d in DAYS[7:10]),
        *paused,
    ]
    # One unit, and the other formats say the same.
    assert report_json(cli, "--unit", "phuong")["units"] == [phuong]
    rows = list(csv.DictReader(io.StringIO(report(cli, "--format", "csv").stdout)))
    assert [
        (r["id"], r["days_published"], r["missed_paused"], r["missed_empty"]) for r in rows
    ] == [
        ("cnvc", "12", "0", "2"),
        ("phuong", "7", "5", "3"),
    ]
    table = report(cli, "--unit", "cnvc").stdout
    assert "Khối Công nhân viên chức" in table and "12/14" in table and "86%" in table
    assert "Thu 2025-03-06  daily   rejected" in table


def test_a_config_without_units_reports_the_organisation(run_cli: Cli) -> None:
    run_cli("init")  # the embedded defaults: two channels, no units
    data = json.loads(run_cli("report", "--format", "json").stdout)
    [org] = data["units"]
    assert (org["id"], org["name"]) == ("org", "Organisation")
    today = datetime.now(UTC).astimezone(HCM).date()
    assert (data["from"], data["to"]) == (str(today - timedelta(days=30)), str(today))
    assert org["days_expected"] in (30, 31)  # today's 07:30 may not have come yet
    assert org["days_published"] == 0 and org["streak"] == 0
    assert json.loads(run_cli("report", "--unit", "org", "--format", "json").stdout) == data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "nope"], "--unit: no unit 'nope' in the config (units: cnvc, phuong)"),
        (
            ["--from", "2025-03-10", "--to", "2025-03-09"],
            "--from 2025-03-10 is after --to 2025-03-09",
        ),
        (["--from", "10/03/2025"], "--from: not a date YYYY-MM-DD: '10/03/2025'"),
        (["--to", "2025-02-30"], "--to: not a date YYYY-MM-DD: '2025-02-30'"),
    ],
)
def test_bad_options_are_one_line_errors(cli: Cli, args: list[str], message: str) -> None:
    result = cli("report", *args, ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == f"Error: {message}"


# -- HTML ------------------------------------------------------------------------------------


def test_the_html_report_is_one_self_contained_page(cli: Cli, workdir: Path) -> None:
    setup_history(cli)
    page = workdir / "report.html"
    result = report(cli, "--format", "html", "--output", str(page))
    assert result.stdout == "" and "written to" in result.stderr
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "Khối Công nhân viên chức" in html and "Đoàn phường Bến Nghé" in html
    assert html.count("<svg") == 2 and "@media print" in html
    # Nothing fetched from anywhere: no script, stylesheet link, image, font or URL.
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", html, re.IGNORECASE)
    assert re.findall(r"https?://[^\s\"'<>]+", html) == ["http://www.w3.org/2000/svg"] * 2
    # In the config's language (Vietnamese by default), or the one asked for.
    assert '<html lang="vi">' in html and "Mỗi ngày 1 tin tốt, mỗi tuần 1 câu chuyện đẹp" in html
    assert "Ngày có tin tốt" in html and "khung giờ trống" in html
    english = report(cli, "--format", "html", "--language", "en").stdout
    assert '<html lang="en">' in english and "Good-news days" in english
    assert "empty slot" in english and "Ngày có tin tốt" not in english


def chromium() -> str:
    """The browser for the screenshot; missing on a laptop: skip. In CI it must be there."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        message = "chromium is not installed (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must render the HTML report")
        pytest.skip(message)
    return found


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the (filtered) scanlines of a PNG, with the standard library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = 1 + width * channels * depth // 8
    raw = zlib.decompress(idat)
    return width, height, [raw[i : i + stride] for i in range(0, len(raw), stride)]


def test_the_html_report_renders_in_a_real_browser(cli: Cli, workdir: Path) -> None:
    browser = chromium()
    setup_history(cli)
    page = workdir / "report.html"
    report(cli, "--format", "html", "--output", str(page))
    shot = workdir / "out.png"
    subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={workdir / 'chromium-profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(workdir)},
    )
    data = shot.read_bytes()
    width, height, rows = png_rows(data)
    assert (width, height) == (1200, 1600)
    # A blank page compresses to a few identical lines; the report has text, bars and a table.
    assert len(data) > 20_000, f"the screenshot is only {len(data)} bytes"
    assert len(set(rows)) > 200, "the screenshot looks blank"


# -- units that feed the organisation's shared channel ------------------------------------

SHARED_CHAT, CNVC_CHAT = -100701, -100702


def shared_config(tg: FakeTelegram) -> str:
    """The organisation's channel, shared by units a and b (no channels of their own); cnvc
    keeps its own channel."""
    return f"""
timezone = "Asia/Ho_Chi_Minh"
[telegram]
api_url = "{tg.api_url}"
[cadence]
daily_at = "07:30"
weekly_day = "sunday"
weekly_at = "19:00"
[[channels]]
name = "org-tg"
type = "telegram"
chat_id = {SHARED_CHAT}
[[channels]]
name = "cnvc-tg"
type = "telegram"
chat_id = {CNVC_CHAT}
[[units]]
id = "cnvc"
name = "Khối Công nhân viên chức"
channels = ["cnvc-tg"]
[[units]]
id = "a"
name = "Đơn vị A"
channels = []
[[units]]
id = "b"
name = "Đơn vị B"
channels = []
"""


def shared_history(cli: Cli) -> None:
    """Two weeks: the shared channel's daily slot goes to a and b in turn (a on even days,
    b on odd ones), nothing on the 6th day; a's story the first Sunday, none the second.
    cnvc publishes every day on its own channel."""
    config = load(None, environ={})
    engine = db.make_engine(config.database_url)
    for n, day in enumerate(DAYS):
        eve = local_instant(day - timedelta(days=1), time(20), HCM)
        with session_scope(engine) as session:
            queue(session, config, "cnvc", day, eve, approved=True)
            if n != 5:
                shared(session, config, "b" if n % 2 else "a", day, eve, kind=PostKind.DAILY)
            if n == 6:
                shared(session, config, "a", day, eve, kind=PostKind.WEEKLY)
        cli("tick", "--at", local_instant(day, time(7, 30), HCM).isoformat())
        cli("tick", "--at", local_instant(day, time(19), HCM).isoformat())


def shared(
    session: Any, config: Config, unit: str, day: date, now: datetime, *, kind: PostKind
) -> None:
    queued.queue_post(
        session,
        config,
        text=f"Tin {kind.value} {unit} {day}\nNgày {day}, {unit} có tin tốt.",
        kind=kind,
        at=None,
        channels=["org-tg"],  # a unit's news for the organisation's channel
        approved=True,
        reserve=False,
        now=now,
        unit=unit,
    )


def test_units_without_channels_are_judged_by_their_turns_not_by_the_cadence(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(SHARED_CHAT, "tin_tot_chung", "Tin tốt")
        tg.add_channel(CNVC_CHAT, "cnvc_tin", "CNVC")
        (workdir / "config.toml").write_text(shared_config(tg), encoding="utf-8")
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        shared_history(cli)
        assert len(tg.messages(SHARED_CHAT)) == 14 and len(tg.messages(CNVC_CHAT)) == 14

        data = report_json(cli)
        org = data["organisation"]  # the shared channel, held to the cadence, first
        assert {k: org[k] for k in ("id", "judged_by", "days_expected", "days_published")} == {
            "id": "org",
            "judged_by": "cadence",
            "days_expected": 14,
            "days_published": 13,
        }
        assert (org["weekly_expected"], org["weekly_published"]) == (2, 1)
        assert org["misses"] == [
            {"date": "2025-03-08", "kind": "daily", "reason": "empty slot"},
            {"date": "2025-03-16", "kind": "weekly", "reason": "empty slot"},
        ]
        cnvc, a, b = data["units"]
        assert (cnvc["judged_by"], cnvc["days_published"], cnvc["featured"]) == (
            "cadence",
            14,
            None,
        )
        turns = ("judged_by", "days_expected", "featured", "last_featured", "days_since_featured")
        assert [tuple(u[k] for k in turns) for u in (a, b)] == [
            ("rotation", 0, 8, "2025-03-15", 1),  # 7 good news and the story
            ("rotation", 0, 6, "2025-03-16", 0),
        ]
        assert a["misses"] == [] and a["recaps_waiting"] == 0

        rows = list(csv.DictReader(io.StringIO(report(cli, "--format", "csv").stdout)))
        assert [(r["id"], r["judged_by"], r["days_published"], r["featured"]) for r in rows] == [
            ("org", "cadence", "13", ""),
            ("cnvc", "cadence", "14", ""),
            ("a", "rotation", "0", "8"),
            ("b", "rotation", "0", "6"),
        ]
        table = report(cli).stdout
        assert "Rotation on the organisation's channels" in table
        assert re.search(r"^a +Đơn vị A +8 +2025-03-15 +1 +0$", table, re.MULTILINE), table
        assert re.search(r"^org +Organisation +13/14 +93%", table, re.MULTILINE), table

        html = report(cli, "--format", "html").stdout
        assert "Kênh chung của tổ chức" in html and "Lượt lên kênh chung của tổ chức" in html
        assert "Lên kênh chung của tổ chức 8 lần; lần gần nhất: " in html
        assert "đã đăng 13/14 ngày" in html and " of " not in html  # the chart's words too

        # Each post out links to what went out (they went out today, on the wall clock).
        today = cli("report", "--format", "html").stdout
        links = re.findall(r'href="(https://t\.me/[^"]+)"', today)
        assert len(links) == 28 + 14  # the organisation's card lists the shared channel's too
        # Channels configured by chat id: the private-link form, t.me/c/<id without -100>/<msg>.
        assert {link.rsplit("/", 1)[0] for link in links} == {
            "https://t.me/c/701",
            "https://t.me/c/702",
        }
        assert f"https://t.me/c/701/{tg.messages(SHARED_CHAT)[0]['message_id']}" in links
