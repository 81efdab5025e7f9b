"""Followers: /start, /stop, /today, /week through the real bot, and the broadcast of each
published post to their private chats: blocked followers, 429s and restarts included."""

from __future__ import annotations

import asyncio
import collections
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.config import Config, Secrets, parse_settings
from bot.domain.posts import PostKind
from bot.platforms.publishers import open_publishers
from bot.storage import db, follower_rows
from bot.storage.db import session_scope
from bot.storage.models import Delivery, Subscriber
from jobs.broadcast import BroadcastReport, broadcast_due
from jobs.publish import publish_due
from tests import running
from tests.fakes.telegram import FakeTelegram

CHANNEL = -100900
FOLLOWERS = [501, 502, 503, 504, 505]


@dataclass
class World:
    tg: FakeTelegram
    config: Config
    engine: Engine

    def publish_one(self, title: str = "Tin tốt hôm nay", photos: tuple[Path, ...] = ()) -> int:
        from bot.ingest import read_photo
        from bot.services import queued

        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            post = queued.queue_post(
                session,
                self.config,
                text=f"{title}\nĐoàn viên trồng 100 cây xanh.",
                kind=PostKind.DAILY,
                at=now + timedelta(seconds=1),
                channels=[],
                approved=True,
                reserve=False,
                now=now,
                photos=[read_photo(path) for path in photos],
            )
            assert post.id is not None
            post_id = post.id
        asyncio.run(self._publish(now + timedelta(seconds=1)))
        return post_id

    async def _publish(self, at: datetime) -> None:
        async with open_publishers(self.config) as publishers:
            await publish_due(engine=self.engine, config=self.config, publishers=publishers, at=at)

    def broadcast(self, *, worker: str = "w1", limit: int | None = None) -> BroadcastReport:
        async def go() -> BroadcastReport:
            async with open_publishers(self.config) as publishers:
                return await broadcast_due(
                    engine=self.engine,
                    config=self.config,
                    publishers=publishers,
                    worker=worker,
                    limit=limit,
                )

        return asyncio.run(go())

    def received(self) -> collections.Counter[int]:
        return collections.Counter(
            chat
            for chat in FOLLOWERS
            for m in self.tg.messages(chat)
            if "Đoàn viên trồng 100 cây xanh" in m["plain_text"]
        )


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        for chat in FOLLOWERS:
            tg.add_user(chat, f"Người {chat}")
        settings = parse_settings(
            f'[telegram]\napi_url = "{tg.api_url}"\n'
            f'[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = {CHANNEL}\n',
            source="test",
        )
        url = f"sqlite:///{tmp_path / 'f.db'}"
        engine = db.make_engine(url)
        db.upgrade(engine)
        with session_scope(engine) as session:
            for chat in FOLLOWERS:
                follower_rows.subscribe(session, chat_id=chat, language_code="vi")
        yield World(tg, Config(settings, Secrets(tg.token, None), None, url), engine)


def test_each_follower_gets_the_post_once_and_a_blocked_one_is_let_go(world: World) -> None:
    world.tg.set_blocked(503)
    world.publish_one()
    report = world.broadcast()
    assert (report.created, report.sent, report.gone) == (5, 4, 1)
    assert world.received() == {501: 1, 502: 1, 504: 1, 505: 1}
    with session_scope(world.engine) as session:
        gone = session.get(Subscriber, 503)
        assert gone is not None and not gone.active and gone.left_reason == "blocked the bot"
    assert world.broadcast().sent == 0  # nothing twice
    world.publish_one("Tin tốt ngày mai")
    assert world.broadcast().created == 4  # the blocked follower is no longer written to


def test_followers_get_the_photos_the_channel_got_uploaded_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.factories import png

    photos = (tmp_path / "a.png", tmp_path / "b.png")
    for n, path in enumerate(photos, start=1):
        path.write_bytes(png(seed=n))
    monkeypatch.chdir(tmp_path)  # media_dir is relative to it
    world.publish_one(photos=photos)
    since = world.tg.mark()
    assert world.broadcast().sent == len(FOLLOWERS)
    for chat in FOLLOWERS:  # the album, the post as its caption, as in the channel
        got = world.tg.messages(chat)
        assert [m["kind"] for m in got] == ["photo", "photo"]
        assert "Đoàn viên trồng 100 cây xanh" in got[0]["plain_caption"]
    channel = world.tg.messages(CHANNEL)
    assert [m["kind"] for m in channel] == ["photo", "photo"]
    # Uploaded for the first follower only; the others get Telegram's file ids.
    from tests.fakes._http import UploadedFile

    calls = world.tg.calls("sendMediaGroup", since=since)
    uploads = [sum(isinstance(v, UploadedFile) for v in c.params.values()) for c in calls]
    assert uploads == [2] + [0] * (len(FOLLOWERS) - 1)


def test_a_429_in_the_middle_waits_and_loses_nobody(world: World) -> None:
    world.publish_one()
    assert world.broadcast(limit=2).sent == 2
    world.tg.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1")
    started = time.monotonic()
    first = world.broadcast()
    assert first.retried == 1
    while sum(world.received().values()) < len(FOLLOWERS):
        assert time.monotonic() - started < 15, world.received()
        world.broadcast()  # what the worker's next pass does; polled with a deadline
    assert world.received() == dict.fromkeys(FOLLOWERS, 1)
    assert time.monotonic() - started >= 1.0


def test_a_restart_mid_broadcast_resumes_and_never_repeats(world: World) -> None:
    world.publish_one()
    assert world.broadcast(worker="first", limit=2).sent == 2  # then the process "dies"
    # A worker that died mid-request: its delivery is left 'sending', the next 'claimed'.
    now, expired = datetime.now(UTC), datetime.now(UTC) - timedelta(seconds=1)
    with session_scope(world.engine) as session:
        stuck, claimed = follower_rows.claim_deliveries(
            session, worker="dead", now=now, lease_until=expired, limit=2
        )
        assert stuck.id is not None
        assert follower_rows.mark_delivery_sending(
            session, delivery_id=stuck.id, worker="dead", lease_until=expired
        )
    report = world.broadcast(worker="second")
    assert report.sent == 2  # the claimed one was never sent: it goes out now
    assert world.received()[claimed.chat_id] == 1
    received = world.received()
    assert sum(received.values()) == 4 and max(received.values()) == 1
    assert received[stuck.chat_id] == 0  # may or may not have gone out: not sent again
    with session_scope(world.engine) as session:
        row = session.exec(select(Delivery).where(Delivery.id == stuck.id)).one()
    assert row.status == "unknown"


def test_a_429_pauses_the_whole_broadcast_for_its_retry_after(world: World) -> None:
    world.publish_one()
    since = world.tg.mark()
    world.tg.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 2")
    started = time.monotonic()
    while sum(world.received().values()) < len(FOLLOWERS):
        assert time.monotonic() - started < 15, world.received()
        world.broadcast()  # what the worker's next pass does; polled with a deadline
    calls = [c for c in world.tg.calls("sendMessage", since=since) if int(c.params["chat_id"]) > 0]
    [refused] = [c for c in calls if c.status == 429]
    after = [c for c in calls if c.index > refused.index]
    assert len(after) == len(FOLLOWERS)
    assert min(c.received_at for c in after) >= refused.received_at + 2.0  # nobody sooner


def test_commands_through_the_running_bot(tmp_path: Path, workdir: Path) -> None:
    admin = 111
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        for chat in (admin, 501, 502):
            tg.add_user(chat, f"Người {chat}")
        cli, env = running.prepare(
            workdir, tg, CHANNEL, f'admins = [{admin}]\n[worker]\nsweep = "1s"'
        )
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(501, "/today")
            [nothing] = tg.wait_for_messages(501, 1)
            assert nothing["plain_text"] == "Chưa có bài nào được đăng."
            tg.push_message(501, "/start")
            tg.push_message(502, "/start")
            tg.wait_for_messages(502, 1)
            assert tg.wait_for_messages(501, 2)[1]["plain_text"].startswith("Chào bạn!")
            tg.push_message(502, "/stop")
            assert tg.wait_for_messages(502, 2)[1]["plain_text"].startswith("Bạn đã ngừng")
            at = datetime.now(UTC) + timedelta(seconds=2)
            cli(
                "queue",
                "add",
                "--text",
                "Tin tốt\nĐoàn viên trồng 100 cây xanh.",
                "--at",
                at.isoformat(),
                "--approved",
            )
            tg.wait_for_messages(CHANNEL, 1, timeout=20)
            dm = tg.wait_for_messages(501, 3, timeout=20)[2]
            assert "Đoàn viên trồng 100 cây xanh." in dm["plain_text"]
            tg.push_message(501, "/today")
            latest = tg.wait_for_messages(501, 4)[3]
            assert latest["plain_text"] == dm["plain_text"]
            assert len(tg.messages(502)) == 2  # unsubscribed: no post
            assert running.stop(proc) == 0
        posts = json.loads(cli("queue", "--all", "--json").stdout)
        assert [p["status"] for p in posts] == ["published"]
