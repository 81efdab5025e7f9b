"""Reading engagement back from Facebook: fifty posts a Graph call, retired insights metrics
refused and remembered, a Page without insights said plainly, token errors held once; and
the arithmetic that keeps "not available" apart from zero."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.analytics.collect import CollectReport, collect, graph_for
from bot.chat.alerts import render
from bot.chat.people import texts_for_code
from bot.config import Config, Secrets, parse_settings
from bot.domain.engagement import (
    PostEngagement,
    PublicationMetrics,
    collection_due,
    top_posts,
    total,
    unit_totals,
)
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.storage import db, metrics
from bot.storage.db import session_scope
from bot.storage.models import Event, Post, Publication
from tests.fakes.graph import FakeGraph

PAGE_ID, PAGE_TOKEN = "5550001", "EAAGpagetoken"
PUBLISHED = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)


@dataclass
class World:
    graph: FakeGraph
    config: Config
    engine: Engine

    def published(self, n: int, *, at: datetime = PUBLISHED) -> dict[int, str]:
        """``n`` posts out on the Page at ``at``: publication id → Graph post id."""
        out = {}
        with session_scope(self.engine) as session:
            for i in range(n):
                post = Post(
                    kind=PostKind.DAILY, status=PostStatus.PUBLISHED, title=f"Tin {i}", body="…"
                )
                session.add(post)
                session.flush()
                assert post.id is not None
                fb_id = self.graph.add_published_post(PAGE_ID, f"Tin {i}")
                pub = Publication(
                    post_id=post.id,
                    channel="fb",
                    kind=PostKind.DAILY,
                    status=PublicationStatus.SENT,
                    external_id=fb_id,
                    finished_at=at,
                    due_at=at,
                    pinned=True,  # an exact instant: many posts may share it
                )
                session.add(pub)
                session.flush()
                assert pub.id is not None
                out[pub.id] = fb_id
        return out

    def collect(self, at: datetime) -> CollectReport:
        return asyncio.run(collect(self.engine, self.config, at=at, graph=graph_for(self.config)))

    def latest(self, publication_id: int) -> dict[str, int | None]:
        with session_scope(self.engine) as session:
            return metrics.latest(session, [publication_id])[publication_id][0]


@pytest.fixture
def world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    import facebook

    monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", facebook.FACEBOOK_GRAPH_URL)  # restored
    with FakeGraph() as graph:
        graph.add_page(PAGE_ID, PAGE_TOKEN)
        settings = parse_settings(
            f"""
[facebook]
graph_url = "{graph.graph_url}"
timeout = 5.0
[[channels]]
name = "fb"
type = "facebook"
page_id = "{PAGE_ID}"
""",
            source="test",
        )
        url = database_url
        engine = db.make_engine(url)
        db.upgrade(engine)
        yield World(graph, Config(settings, Secrets(None, PAGE_TOKEN), None, url), engine)


def test_a_pass_never_touches_the_database_on_the_event_loop(world: World) -> None:
    """Every connection a pass takes is taken in the gateway's thread: while the database is
    busy, the loop (polling Telegram, answering taps) keeps running."""
    import threading

    from sqlalchemy import event

    world.published(3)
    threads: list[str] = []
    event.listen(
        world.engine, "checkout", lambda *_: threads.append(threading.current_thread().name)
    )
    report = world.collect(PUBLISHED + timedelta(hours=1))
    assert report.measured == 3
    assert threads, "the pass read and wrote nothing"
    assert all(name.startswith("db") for name in threads), threads


def ids_calls(graph: FakeGraph, since: int = 0) -> list[list[str]]:
    return [str(c.params["ids"]).split(",") for c in graph.calls(since=since) if "ids" in c.params]


def test_a_pass_reads_fifty_posts_a_call_with_every_metric(world: World) -> None:
    posts = world.published(120)
    first_pub, first_fb = next(iter(posts.items()))
    world.graph.set_engagement(
        first_fb,
        reactions={"LIKE": 5, "LOVE": 2},
        comments=3,
        shares=4,
        insights={"post_media_view": 900, "post_total_media_view_unique": 610},
    )
    report = world.collect(PUBLISHED + timedelta(hours=1))
    assert report.measured == 120
    assert [len(ids) for ids in ids_calls(world.graph)] == [50, 50, 20]
    assert report.graph_calls == 3
    assert world.latest(first_pub) == {
        "reactions": 7,
        "comments": 3,
        "shares": 4,
        "views": 900,
        "reach": 610,
    }
    # Nobody shared the others: Graph leaves `shares` out, which is zero, not unknown.
    last_pub = max(posts)
    assert world.latest(last_pub) == {
        "reactions": 0,
        "comments": 0,
        "shares": 0,
        "views": 0,
        "reach": 0,
    }


def test_checkpoints_one_hour_one_day_one_week(world: World) -> None:
    world.published(1)
    for minutes, expected in [(30, 0), (60, 1), (90, 0), (24 * 60, 1), (25 * 60, 0)]:
        assert world.collect(PUBLISHED + timedelta(minutes=minutes)).measured == expected
    # A worker down through the week's checkpoint still takes it when it is back.
    assert world.collect(PUBLISHED + timedelta(days=9)).measured == 1
    assert world.collect(PUBLISHED + timedelta(days=20)).measured == 0
    with session_scope(world.engine) as session:
        assert len(session.exec(select(metrics.Measurement)).all()) == 3 * 5


def test_a_retired_metric_is_refused_then_asked_alone_and_remembered(world: World) -> None:
    (pub, _), (second, second_fb) = world.published(2).items()
    world.graph.retire_metric("post_total_media_view_unique")
    world.graph.set_engagement(second_fb, reactions={"LIKE": 1}, insights={"post_media_view": 40})
    world.collect(PUBLISHED + timedelta(hours=1))
    refused = [c for c in world.graph.calls() if c.status == 400]
    assert len(refused) == 2  # the whole request, then the retired metric alone
    assert refused[0].response["error"]["message"] == (  # type: ignore[index]
        "(#100) The value must be a valid insights metric"
    )
    assert world.latest(pub)["views"] == 0 and world.latest(pub)["reach"] is None
    assert world.latest(second)["views"] == 40
    with session_scope(world.engine) as session:
        assert metrics.insight_support(session, page_id=PAGE_ID, api_version="v24.0") == {
            "post_media_view": True,
            "post_total_media_view_unique": False,
        }
    mark = world.graph.mark()
    world.collect(PUBLISHED + timedelta(days=1))
    later = [c for c in world.graph.calls(since=mark) if "ids" in c.params]
    assert [c.status for c in later] == [200]  # remembered: asked for what is served only
    assert "post_total_media_view_unique" not in str(later[0].params["fields"])


def test_a_page_without_insights_says_not_available_never_zero(
    world: World,
) -> None:
    with world.graph.cond:
        world.graph._pages[PAGE_ID]["fans"] = 40  # under 100 likes: Graph keeps insights back
    [pub] = world.published(1)
    world.collect(PUBLISHED + timedelta(hours=1))
    values = world.latest(pub)
    assert values["views"] is None and values["reach"] is None
    assert values["reactions"] == 0


def test_a_deleted_post_does_not_stop_the_others(world: World) -> None:
    posts = world.published(3)
    gone_pub, gone_fb = list(posts.items())[1]
    world.graph.posts(PAGE_ID)  # they are there
    with world.graph.cond:
        world.graph._posts[gone_fb]["deleted"] = True
    report = world.collect(PUBLISHED + timedelta(hours=1))
    assert report.measured == 3
    assert set(world.latest(gone_pub).values()) == {None}
    assert all(world.latest(p)["reactions"] == 0 for p in posts if p != gone_pub)


def test_an_expired_token_holds_collection_and_tells_once(world: World) -> None:
    world.published(2)
    world.graph.expire_token(PAGE_TOKEN)
    first = world.collect(PUBLISHED + timedelta(hours=1))
    assert first.measured == 0 and len(first.notices) == 1
    assert "expired" in first.notices[0].reason
    world.collect(PUBLISHED + timedelta(hours=1, minutes=1))
    with session_scope(world.engine) as session:  # one cause, one event to tell the admins
        events = session.exec(select(Event).where(Event.kind == "CollectionHeld")).all()
    assert len(events) == 1
    text, _ = render(texts_for_code(world.config, "vi"), first.notices[0])
    assert text.startswith("⏸ <b>Tạm ngừng lấy số lượt cảm xúc và lượt xem trên fb</b>")
    mark = world.graph.mark()
    second = world.collect(PUBLISHED + timedelta(hours=2))
    assert second.notices == [] and "fb" in second.skipped
    assert world.graph.calls(since=mark) == []  # held: not asked again
    with session_scope(world.engine) as session:
        assert metrics.release_collection(session) == ["fb"]
    world.graph.add_token("EAAGfresh", PAGE_ID)
    fresh = Config(
        world.config.settings, Secrets(None, "EAAGfresh"), None, world.config.database_url
    )
    report = asyncio.run(
        collect(world.engine, fresh, at=PUBLISHED + timedelta(hours=3), graph=graph_for(fresh))
    )
    assert report.measured == 2


def test_a_missing_permission_holds_collection_too(world: World) -> None:
    world.published(1)
    world.graph.fail_next(
        "/v24.0",
        status=403,
        body={
            "error": {
                "message": "(#10) Requires pages_read_engagement permission",
                "type": "OAuthException",
                "code": 10,
            }
        },
    )
    report = world.collect(PUBLISHED + timedelta(hours=1))
    assert report.measured == 0 and len(report.notices) == 1


def test_subscribers_are_counted_once_a_day(world: World) -> None:
    first = world.collect(PUBLISHED)
    assert first.subscribers == {"fb": 1200}
    assert world.collect(PUBLISHED + timedelta(hours=2)).subscribers == {}
    assert world.collect(PUBLISHED + timedelta(days=1)).subscribers == {"fb": 1200}


# -- arithmetic --------------------------------------------------------------------------


def pub(channel: str, reactions: int | None, views: int | None = None) -> PublicationMetrics:
    return PublicationMetrics(channel, "x", "1", None, reactions, None, None, views, None, None)


def post(post_id: int, unit: str | None, *pubs: PublicationMetrics) -> PostEngagement:
    return PostEngagement(post_id, f"Tin {post_id}", unit, "daily", None, pubs)


def test_not_available_stays_apart_from_zero() -> None:
    assert total([None, None]) is None
    assert total([None, 0]) == 0
    assert total([]) is None
    assert post(1, None, pub("tg", 3), pub("fb", None)).reactions == 3
    assert post(1, None, pub("tg", None)).sum("views") is None


def test_top_posts_are_the_most_liked_ties_to_the_earlier() -> None:
    posts = [
        post(1, "a", pub("tg", 5)),
        post(2, "a", pub("tg", 9)),
        post(3, "b", pub("tg", 5), pub("fb", None)),
        post(4, "b", pub("tg", None)),
        post(5, "b", pub("tg", 0)),
    ]
    assert [p.post_id for p in top_posts(posts)] == [2, 1, 3]
    totals = {u.unit: u for u in unit_totals(posts)}
    assert totals["a"].reactions == 14 and totals["b"].reactions == 5
    assert totals["a"].views is None  # nobody gives views here: not available


def test_collection_is_due_once_per_checkpoint() -> None:
    steps = [timedelta(hours=1), timedelta(days=1)]
    assert not collection_due(PUBLISHED, None, steps, PUBLISHED + timedelta(minutes=59))
    assert collection_due(PUBLISHED, None, steps, PUBLISHED + timedelta(hours=1))
    measured = PUBLISHED + timedelta(hours=1)
    assert not collection_due(PUBLISHED, measured, steps, PUBLISHED + timedelta(hours=5))
    assert collection_due(PUBLISHED, measured, steps, PUBLISHED + timedelta(days=1))
