"""The publishing pass against the fake servers, failures included: every outcome is recorded,
nothing is sent twice, and an outcome we cannot know is ``unknown``, never retried silently."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.config import Config, Secrets, parse_settings
from bot.domain.notices import ChannelHeld
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.platforms.publishers import open_publishers
from bot.services import decisions, drafter, intake, outcomes, scheduling
from bot.storage import db, post_rows, publication_rows
from bot.storage.db import session_scope
from jobs.publish import PassReport, publish_due
from tests.factories import distinct_recap
from tests.fakes.graph import BAD_GATEWAY_HTML, FakeGraph, rate_limit_body
from tests.fakes.telegram import FakeTelegram

CHANNEL_ID, PAGE_ID, PAGE_TOKEN = -100777, "5550001", "EAAGpagetoken"
RECAP = "Tin tốt về hiến máu\nSáng 28/11, 300 đoàn viên hiến máu tình nguyện. Ai cũng vui.\n"


@dataclass
class Setup:
    tg: FakeTelegram
    graph: FakeGraph
    config: Config
    engine: Engine
    stored: int = 0

    def schedule_post(self) -> tuple[int, datetime]:
        now = datetime.now(UTC)
        self.stored += 1  # each post its own story: the same text twice would be refused
        data = (RECAP if self.stored == 1 else distinct_recap(self.stored)).encode()
        with session_scope(self.engine) as session:
            recap = intake.store_recap(
                session, data=data, source="t", title=None, url="https://x.example/1"
            )
            post = drafter.draft(session, self.config, kind=PostKind.DAILY, recap_id=recap.id)
            assert post.id is not None
            slot = decisions.approve(session, self.config, post_id=post.id, by=1, now=now).post.slot
            assert slot is not None
            return post.id, slot

    def tick(self, at: datetime) -> PassReport:
        async def go() -> PassReport:
            async with open_publishers(self.config) as publishers:
                return await publish_due(
                    engine=self.engine, config=self.config, publishers=publishers, at=at
                )

        return asyncio.run(go())

    def state(self, post_id: int) -> tuple[PostStatus, dict[str, tuple[PublicationStatus, str]]]:
        with session_scope(self.engine) as session:
            post = post_rows.get_post(session, post_id=post_id)
            pubs = publication_rows.publications(session, post_id=post_id)
        return post.status, {p.channel: (p.status, p.error or "") for p in pubs}


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    import facebook

    monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", facebook.FACEBOOK_GRAPH_URL)  # restored
    with FakeTelegram() as tg, FakeGraph() as graph:
        tg.add_channel(CHANNEL_ID, "kenh_tin_tot", "Tin tốt")
        graph.add_page(PAGE_ID, PAGE_TOKEN)
        settings = parse_settings(
            f"""
[telegram]
api_url = "{tg.api_url}"
[facebook]
graph_url = "{graph.graph_url}"
timeout = 2.0
[[channels]]
name = "tg"
type = "telegram"
chat_id = {CHANNEL_ID}
[[channels]]
name = "fb"
type = "facebook"
page_id = "{PAGE_ID}"
""",
            source="test",
        )
        url = f"sqlite:///{tmp_path / 'p.db'}"
        config = Config(settings, Secrets(tg.token, PAGE_TOKEN), None, url)
        engine = db.make_engine(url)
        db.upgrade(engine)
        yield Setup(tg, graph, config, engine)


def test_both_channels_get_the_post_once(setup: Setup) -> None:
    post_id, slot = setup.schedule_post()
    report = setup.tick(slot)
    assert {(o.channel, o.status) for o in report.outcomes} == {
        ("tg", PublicationStatus.SENT),
        ("fb", PublicationStatus.SENT),
    }
    assert setup.tick(slot).outcomes == []
    assert setup.tick(slot + timedelta(days=30)).outcomes == []
    assert len(setup.tg.messages(CHANNEL_ID)) == 1 and len(setup.graph.posts(PAGE_ID)) == 1
    assert setup.state(post_id)[0] is PostStatus.PUBLISHED


def test_telegram_rate_limit_is_retried_after_retry_after(setup: Setup) -> None:
    post_id, slot = setup.schedule_post()
    setup.tg.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1")
    started = time.monotonic()
    setup.tick(slot)
    status, pubs = setup.state(post_id)
    assert status is PostStatus.PUBLISHING  # one channel sent, one waiting to retry
    assert pubs["tg"][0] is PublicationStatus.SCHEDULED
    assert pubs["tg"][1].startswith("retry later: ") and "retry after 1s" in pubs["tg"][1]
    assert pubs["fb"][0] is PublicationStatus.SENT  # one channel's trouble stops no other
    deadline = started + 10
    while setup.state(post_id)[0] is not PostStatus.PUBLISHED and time.monotonic() < deadline:
        setup.tick(slot)  # what the worker's retry job does; polled with a deadline
    assert setup.state(post_id)[0] is PostStatus.PUBLISHED
    assert time.monotonic() - started >= 1.0  # not before Telegram said
    assert len(setup.tg.messages(CHANNEL_ID)) == 1 and len(setup.graph.posts(PAGE_ID)) == 1


def test_retries_are_bounded(setup: Setup) -> None:
    settings = setup.config.settings
    worker = settings.worker.model_copy(update={"max_attempts": 2})
    setup.config = Config(
        settings.model_copy(update={"worker": worker}),
        setup.config.secrets,
        None,
        setup.config.database_url,
    )
    post_id, slot = setup.schedule_post()
    setup.tg.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 1", times=2
    )
    deadline = time.monotonic() + 10
    while setup.state(post_id)[1]["tg"][0] is not PublicationStatus.FAILED:
        assert time.monotonic() < deadline, setup.state(post_id)
        setup.tick(slot)  # polled with a deadline, as the worker's retry job would
    assert setup.state(post_id)[0] is PostStatus.FAILED
    assert [c.status for c in setup.tg.calls("sendMessage")] == [429, 429]


def test_a_429_without_retry_after_is_retried_not_unknown(setup: Setup) -> None:
    post_id, slot = setup.schedule_post()
    setup.tg.fail_next("sendMessage", status=429, description="Too Many Requests", parameters=None)
    setup.tick(slot)
    tg_status, tg_error = setup.state(post_id)[1]["tg"]
    assert tg_status is PublicationStatus.SCHEDULED and tg_error.startswith("retry later: ")


def test_bot_removed_from_channel_holds_the_channel_and_tells_once(setup: Setup) -> None:
    post_id, slot = setup.schedule_post()
    setup.tg.set_member(CHANNEL_ID, setup.tg.bot_id, "left")
    report = setup.tick(slot)
    _, pubs = setup.state(post_id)
    assert pubs["tg"][0] is PublicationStatus.SCHEDULED  # it waits; it did not fail
    assert pubs["tg"][1].startswith(f"needs an admin: telegram channel tg ({CHANNEL_ID}): ")
    [held] = [n for n in report.notices if isinstance(n, ChannelHeld)]
    assert (held.channel, held.token_expired) == ("tg", False)
    calls = len(setup.tg.calls("sendMessage"))
    assert not [n for n in setup.tick(slot).notices if isinstance(n, ChannelHeld)]
    assert len(setup.tg.calls("sendMessage")) == calls  # held: not even tried again
    setup.tg.set_member(CHANNEL_ID, setup.tg.bot_id, "administrator")
    with session_scope(setup.engine) as session:
        released, _ = scheduling.release_channels(
            session, setup.config, channels=None, now=datetime.now(UTC)
        )
    assert released == ["tg"]
    setup.tick(slot)
    assert setup.state(post_id)[1]["tg"][0] is PublicationStatus.SENT
    assert len(setup.tg.messages(CHANNEL_ID)) == 1


def test_a_dropped_connection_after_sending_is_unknown_and_not_resent(setup: Setup) -> None:
    post_id, slot = setup.schedule_post()
    setup.tg.drop_connection_next("sendMessage", store=True)
    setup.tick(slot)
    status, pubs = setup.state(post_id)
    assert status is PostStatus.UNKNOWN
    assert pubs["tg"][0] is PublicationStatus.UNKNOWN
    assert pubs["tg"][1].startswith("outcome unknown: ") and "may be out" in pubs["tg"][1]
    setup.tick(slot + timedelta(days=1))
    assert len(setup.tg.messages(CHANNEL_ID)) == 1  # it did reach Telegram, exactly once


def test_graph_html_502_is_unknown(setup: Setup) -> None:
    post_id, slot = setup.schedule_post()
    setup.graph.fail_next("/feed", status=502, body=BAD_GATEWAY_HTML, content_type="text/html")
    setup.tick(slot)
    _, pubs = setup.state(post_id)
    assert pubs["fb"][0] is PublicationStatus.UNKNOWN
    assert "unexpected answer from Facebook" in pubs["fb"][1]
    setup.tick(slot + timedelta(days=1))
    assert len(setup.graph.calls("/feed")) == 1  # a proxy's 502 may hide a post: not resent


def test_graph_rate_limit_waits_and_expired_token_needs_an_admin(setup: Setup) -> None:
    first, slot = setup.schedule_post()
    setup.graph.fail_next("/feed", status=400, body=rate_limit_body(32))
    setup.tick(slot)
    fb_status, fb_error = setup.state(first)[1]["fb"]
    assert fb_status is PublicationStatus.SCHEDULED and "retry later (#32)" in fb_error
    second, slot2 = setup.schedule_post()
    setup.graph.expire_token(PAGE_TOKEN)
    report = setup.tick(slot2)
    fb_status, fb_error = setup.state(second)[1]["fb"]
    assert fb_status is PublicationStatus.SCHEDULED  # held, not failed
    assert fb_error.startswith("token expired or invalid: ") and "(#190)" in fb_error
    [held] = [n for n in report.notices if isinstance(n, ChannelHeld)]
    assert (held.channel, held.platform, held.token_expired) == ("fb", "facebook", True)


def test_a_token_expiring_mid_queue_holds_the_rest_and_they_go_out_later(
    setup: Setup,
) -> None:
    """Five Facebook posts due; the token expires after the second. The other three wait
    (one refused call, not three), the admins hear it once, and a new token sends them."""
    posts = [setup.schedule_post() for _ in range(5)]
    last_slot = max(slot for _, slot in posts)
    setup.tick(posts[1][1])  # the first two go out
    before = len(setup.graph.calls("/feed"))
    setup.graph.expire_token(PAGE_TOKEN)
    report = setup.tick(last_slot)
    refused = setup.graph.calls("/feed")[before:]
    assert [c.status for c in refused] == [400]  # one refused call; the rest never tried
    assert len([n for n in report.notices if isinstance(n, ChannelHeld)]) == 1
    fb = [setup.state(p)[1]["fb"][0] for p, _ in posts]
    assert fb == [PublicationStatus.SENT] * 2 + [PublicationStatus.SCHEDULED] * 3
    assert all(setup.state(p)[1]["tg"][0] is PublicationStatus.SENT for p, _ in posts)
    # A new token: the worker restart (or `goodnews check`) releases the channel.
    setup.graph.add_token("EAAGnewtoken", PAGE_ID)
    setup.config = Config(
        setup.config.settings,
        Secrets(setup.tg.token, "EAAGnewtoken"),
        None,
        setup.config.database_url,
    )
    with session_scope(setup.engine) as session:
        scheduling.release_channels(session, setup.config, channels=["fb"], now=datetime.now(UTC))
    setup.tick(last_slot)
    assert all(setup.state(p)[1]["fb"][0] is PublicationStatus.SENT for p, _ in posts)
    assert len(setup.graph.posts(PAGE_ID)) == 5  # each once


def test_a_missing_channel_is_needs_admin(setup: Setup) -> None:
    settings = setup.config.settings
    bad = settings.model_copy(
        update={"channels": [settings.channels[0].model_copy(update={"chat_id": "@nope"})]}
    )
    setup.config = Config(bad, setup.config.secrets, None, setup.config.database_url)
    post_id, slot = setup.schedule_post()
    report = setup.tick(slot)
    status, pubs = setup.state(post_id)
    assert status is PostStatus.SCHEDULED
    assert pubs == {"tg": (PublicationStatus.SCHEDULED, pubs["tg"][1])}
    assert (
        pubs["tg"][1].startswith("needs an admin: ") and "chat not found" in pubs["tg"][1].lower()
    )
    assert [type(n) for n in report.notices] == [ChannelHeld]


def test_a_post_repeating_one_published_on_the_channel_is_held_for_a_person(
    setup: Setup,
) -> None:
    """The same text again on a channel within 30 days does not go out: the admins hear why
    and may send it anyway."""
    first, slot = setup.schedule_post()
    setup.tick(slot)
    with session_scope(setup.engine) as session:
        published = post_rows.get_post(session, post_id=first)
        again = post_rows.add_post(
            session,
            kind=PostKind.DAILY,
            title=published.title,
            body=published.body,
            link=None,
            hashtags=(),
            recap_id=None,
        )
        assert again.id is not None
        second = again.id
        later = decisions.approve(
            session, setup.config, post_id=second, by=1, now=slot + timedelta(minutes=1)
        ).post.slot
    assert later is not None
    report = setup.tick(later)
    _status, pubs = setup.state(second)
    assert {channel: state for channel, (state, _error) in pubs.items()} == {
        "tg": PublicationStatus.FAILED,
        "fb": PublicationStatus.FAILED,
    }
    assert f"the same text as post {first}, published on tg" in pubs["tg"][1]
    assert len(report.notices) == 2  # the admins hear about each channel
    assert len(setup.tg.messages(CHANNEL_ID)) == 1  # nothing went out again
    with session_scope(setup.engine) as session:
        for publication in publication_rows.publications(session, post_id=second):
            assert publication.id is not None
            outcomes.retry_publication(
                session, publication_id=publication.id, by=1, now=datetime.now(UTC)
            )
    setup.tick(datetime.now(UTC) + timedelta(days=1))
    assert setup.state(second)[1]["tg"][0] is PublicationStatus.SENT  # a person decided
    assert len(setup.tg.messages(CHANNEL_ID)) == 2
