"""The fakes' engagement surface answers as the real services do: Graph's ``?ids=`` reads
with summaries, insights refusing a retired metric, a Page without insights; Telegram's
``message_reaction_count`` updates (only when asked for) and getChatMemberCount."""

from __future__ import annotations

import facebook
import pytest
import telegram
from telegram import ReactionTypeCustomEmoji, ReactionTypeEmoji

from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram
from tests.test_fakes import (
    CHANNEL,
    PAGE,
    USER,
    graph,  # noqa: F401 - the fixture
    graph_api,
    run_bot,
    tg,  # noqa: F401 - the fixture
)

FIELDS = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"


def test_graph_reads_many_posts_with_summaries(graph: FakeGraph) -> None:  # noqa: F811
    shared, alone = graph.add_published_post(PAGE), graph.add_published_post(PAGE)
    graph.set_engagement(shared, reactions={"LIKE": 3, "HAHA": 1}, comments=2, shares=5)
    got = graph_api(graph).get_objects(ids=[shared, alone], fields=FIELDS)
    assert got[shared]["reactions"] == {
        "data": [],
        "summary": {"total_count": 4, "viewer_reaction": "NONE"},
    }
    assert got[shared]["comments"]["summary"]["total_count"] == 2
    assert got[shared]["shares"] == {"count": 5}
    assert "shares" not in got[alone]  # Graph leaves the field out until someone shares


def test_graph_refuses_more_than_fifty_ids_and_unknown_ones(graph: FakeGraph) -> None:  # noqa: F811
    ids = [graph.add_published_post(PAGE) for _ in range(51)]
    with pytest.raises(facebook.GraphAPIError) as many:
        graph_api(graph).get_objects(ids=ids, fields="id")
    assert str(many.value) == "(#100) Too many IDs. Maximum: 50. Provided: 51."
    with pytest.raises(facebook.GraphAPIError) as unknown:
        graph_api(graph).get_objects(ids=[ids[0], f"{PAGE}_1"], fields="id")
    assert unknown.value.code == 803


def test_insights_refuse_a_retired_metric_and_a_small_page_has_none(
    graph: FakeGraph,  # noqa: F811
) -> None:
    post = graph.add_published_post(PAGE)
    graph.set_engagement(post, insights={"post_media_view": 77})
    api = graph_api(graph)
    path = f"{graph.version}/{post}/insights"
    [views] = api.request(path, {"metric": "post_media_view"})["data"]
    assert views["values"] == [{"value": 77}] and views["period"] == "lifetime"
    with pytest.raises(facebook.GraphAPIError) as retired:
        api.request(path, {"metric": "post_impressions,post_media_view"})
    assert (retired.value.code, str(retired.value)) == (
        100,
        "(#100) The value must be a valid insights metric",
    )
    graph.retire_metric("post_media_view")
    with pytest.raises(facebook.GraphAPIError):
        api.get_objects(ids=[post], fields="insights.metric(post_media_view)")
    small = FakeGraph()
    with small:
        small.add_page("42", "EAAsmall", fans=12)
        facebook.FACEBOOK_GRAPH_URL = small.url
        few = small.add_published_post("42")
        data = graph_api(small, "EAAsmall").get_objects(
            ids=[few], fields="insights.metric(post_media_view)"
        )
        assert data[few]["insights"] == {"data": []}


def test_reaction_counts_come_only_when_asked_for(tg: FakeTelegram) -> None:  # noqa: F811
    async def scenario(bot: telegram.Bot) -> None:
        sent = await bot.send_message(CHANNEL, "Tin tốt")
        assert await bot.get_updates(allowed_updates=["message"]) == ()
        tg.push_reaction_count(CHANNEL, sent.message_id, {"👍": 2})
        assert await bot.get_updates() == ()  # not asked for: never delivered
        await bot.get_updates(allowed_updates=["message_reaction_count"])
        tg.push_reaction_count(CHANNEL, sent.message_id, {"👍": 3, "custom:99": 1})
        [update] = await bot.get_updates()
        counts = update.message_reaction_count
        assert counts is not None and counts.message_id == sent.message_id
        assert [(r.type, r.total_count) for r in counts.reactions] == [
            (ReactionTypeEmoji("👍"), 3),
            (ReactionTypeCustomEmoji("99"), 1),
        ]
        assert await bot.get_chat_member_count(CHANNEL) == 1  # the bot alone
        tg.set_subscribers(CHANNEL, 250)
        assert await bot.get_chat_member_count(CHANNEL) == 250
        assert await bot.get_chat_member_count(USER) == 2

    run_bot(tg, scenario)
