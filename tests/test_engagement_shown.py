"""Engagement where people see it: the HTML report's reach and reactions per unit, the
Monday summary's three most-liked good news with their links, `goodnews stats` output."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot import report
from bot.analytics import query, show
from bot.chat.alerts import weekly_summary
from bot.config import Config, Secrets, parse_settings
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.storage import db, metrics
from bot.storage.db import session_scope
from bot.storage.gateway import gateway_for
from bot.storage.models import Post, Publication
from tests.conftest import Cli

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday 10:00 in Ho Chi Minh City
LAST_WEEK = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # last Tuesday


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    found = db.make_engine(f"sqlite:///{tmp_path / 's.db'}")
    db.upgrade(found)
    return found


@pytest.fixture
def config(tmp_path: Path) -> Config:
    settings = parse_settings(
        """
timezone = "Asia/Ho_Chi_Minh"
[[channels]]
name = "tg"
type = "telegram"
chat_id = "@tin_tot"
[[channels]]
name = "fb"
type = "facebook"
page_id = "555"
""",
        source="test",
    )
    return Config(settings, Secrets(None, None), None, f"sqlite:///{tmp_path / 's.db'}")


def publish(
    engine: Engine, title: str, *, tg: int | None, fb: int | None, views: int | None = None
) -> int:
    """A post out on both channels last week, measured once: its id."""
    with session_scope(engine) as session:
        post = Post(kind=PostKind.DAILY, status=PostStatus.PUBLISHED, title=title, body="…")
        session.add(post)
        session.flush()
        assert post.id is not None
        for channel, reactions, external in (("tg", tg, "41"), ("fb", fb, "555_9001")):
            publication = Publication(
                post_id=post.id,
                channel=channel,
                kind=PostKind.DAILY,
                status=PublicationStatus.SENT,
                external_id=f"{external}{post.id}",
                finished_at=LAST_WEEK + timedelta(minutes=post.id),
                due_at=LAST_WEEK + timedelta(minutes=post.id),
                pinned=True,
            )
            session.add(publication)
            session.flush()
            assert publication.id is not None
            values = {"reactions": reactions, "views": views if channel == "fb" else None}
            metrics.record(session, publication_id=publication.id, values=values, at=LAST_WEEK)
        return post.id


def test_the_monday_summary_names_the_three_most_liked_with_links(
    engine: Engine, config: Config
) -> None:
    publish(engine, "Hiến máu", tg=3, fb=1)
    second = publish(engine, "Mùa hè xanh", tg=10, fb=None)
    publish(engine, "Dọn rác", tg=0, fb=0)
    first = publish(engine, "Sửa nhà cho cụ Tư", tg=12, fb=30)
    text = asyncio.run(weekly_summary(None, db=gateway_for(engine), config=config, now=NOW))
    assert text is not None
    liked = text.split("❤️ ")[1].splitlines()
    assert liked[0] == "<b>Bài được yêu thích nhất tuần</b>"
    assert liked[1] == (
        f'1. <a href="https://t.me/tin_tot/41{first}">Sửa nhà cho cụ Tư</a> · 42 lượt cảm xúc'
    )
    assert liked[2].startswith(f'2. <a href="https://t.me/tin_tot/41{second}">Mùa hè xanh</a>')
    assert liked[3].startswith("3. ") and "Hiến máu" in liked[3]
    assert len(liked) == 4  # nobody reacted to the fourth: it is not "liked"


def test_the_html_report_has_reach_and_reactions_per_unit(engine: Engine, config: Config) -> None:
    publish(engine, "Hiến máu", tg=3, fb=1, views=500)
    with session_scope(engine) as session:
        found = report.build(
            session, config, start=date(2026, 11, 30), end=date(2026, 12, 6), now=NOW
        )
    assert found.engagement["org"].reactions == 4
    page = report.as_html(found, language="vi")
    assert "<th>Lượt tiếp cận</th><th>Lượt cảm xúc</th>" in page
    # Reach: nobody gave one (no insights read, no follower): "—", not 0.
    assert "<td>—</td><td>4</td></tr>" in page


def test_stats_keeps_not_available_apart_from_zero_in_every_format(
    engine: Engine, config: Config
) -> None:
    post_id = publish(engine, "Hiến máu", tg=0, fb=None)
    with session_scope(engine) as session:
        found = show.build(session, config, start=date(2026, 11, 30), end=date(2026, 12, 6))
        [tg, fb] = query.post_metrics(session, config, post_id=post_id)
    assert (tg.channel, tg.reactions, tg.url) == ("tg", 0, f"https://t.me/tin_tot/41{post_id}")
    assert (fb.channel, fb.reactions, fb.url) == (
        "fb",
        None,
        f"https://www.facebook.com/555/posts/9001{post_id}",
    )
    doc = json.loads(show.render(found, "json", config))
    assert set(doc) == {"from", "to", "posts", "units", "channels"}
    [pub_tg, pub_fb] = doc["posts"][0]["publications"]
    assert set(pub_tg) == {
        "channel",
        "url",
        "external_id",
        "reactions",
        "comments",
        "shares",
        "views",
        "reach",
        "measured_at",
    }
    assert pub_tg["reactions"] == 0 and pub_fb["reactions"] is None
    assert (pub_tg["reach"], pub_fb["reach"]) == (tg.reach, fb.reach)  # as CSV gives it too
    assert pub_tg["measured_at"] == "2026-12-01T09:00:00+07:00"
    rows = list(csv.DictReader(io.StringIO(show.render(found, "csv", config))))
    assert [r["reactions"] for r in rows] == ["0", ""]
    assert doc["channels"] == [
        {"name": "tg", "subscribers": None},
        {"name": "fb", "subscribers": None},
    ]


def test_stats_refuses_bad_input_in_one_line(run_cli: Cli) -> None:
    run_cli("init")
    backwards = run_cli("stats", "--from", "2026-12-05", "--to", "2026-12-01", ok=False)
    assert backwards.exit_code == 1
    assert backwards.stderr == "Error: --from 2026-12-05 is after --to 2026-12-01\n"
    bad = run_cli("stats", "--from", "hôm qua", ok=False)
    assert bad.stderr == "Error: --from: not a date YYYY-MM-DD: 'hôm qua'\n"
    at = run_cli("stats", "collect", "--at", "mai", ok=False)
    assert "--at: not an ISO 8601 instant" in at.stderr
    empty = run_cli("stats", "collect")  # no token: nothing to read, said plainly
    assert empty.stdout == "0 publication(s) measured, 0 Graph call(s)\n"
