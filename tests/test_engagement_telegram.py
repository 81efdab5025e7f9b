"""Telegram's side of engagement through a real `goodnews run`: the worker asks for
``message_reaction_count`` updates, keeps the latest totals per message and reaction, and
`goodnews stats collect` snapshots them with the channel's subscribers; views are null,
the followers' direct messages count as reach."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import load
from bot.storage import db, metrics
from bot.storage.db import session_scope
from tests import running
from tests.fakes.telegram import FakeTelegram

CHANNEL, FOLLOWER, ADMIN = -1001500, 4201, 4202
TEXT = "Tin tốt: 40 bạn trẻ sửa nhà cho cụ Tư\nSáng nay đoàn viên phường 5 sửa mái nhà."


def wait_for_reactions(workdir: Path, message_id: int, total: int) -> dict[str, int]:
    """The totals the worker stored for the message, once they add up to ``total``."""
    engine = db.make_engine(load(workdir / "config.toml", environ={}).database_url)
    deadline = time.monotonic() + 20
    found: dict[str, int] = {}
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            found = metrics.reactions_of(session, channel="tg", message_ids=[message_id]).get(
                message_id, {}
            )
        if sum(found.values()) == total:
            return found
        time.sleep(0.1)
    raise AssertionError(f"the worker stored {found}, not {total} reactions in all")


def test_reactions_subscribers_and_followers_reach_end_to_end(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, None, "Tin tốt phường 5")  # private: t.me/c/ links
        tg.set_subscribers(CHANNEL, 250)
        tg.add_user(FOLLOWER, "Hoa")
        tg.add_user(ADMIN, "Ann", language_code="en")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]")
        cli("queue", "add", "--text", TEXT, "--approved")
        [post] = json.loads(cli("queue", "--json").stdout)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            polled = tg.wait_for_call("getUpdates", timeout=20).params
            assert "message_reaction_count" in polled["allowed_updates"]
            # The worker collects by itself: the channel's subscribers, once today.
            tg.wait_for_call("getChatMemberCount", timeout=20)
            tg.push_message(FOLLOWER, "/start")
            tg.wait_for_messages(FOLLOWER, 1, timeout=20)
            cli("tick", "--at", post["slot"])  # out on the channel, and to the follower
            [message] = tg.messages(CHANNEL)
            tg.wait_for_messages(FOLLOWER, 2, timeout=20)
            tg.push_reaction_count(CHANNEL, message["message_id"], {"👍": 5, "❤": 2})
            wait_for_reactions(workdir, message["message_id"], 7)
            # Each update gives every reaction's new total: the latest replaces the last.
            tg.push_reaction_count(
                CHANNEL, message["message_id"], {"👍": 6, "❤": 2, "custom:5368324170671202286": 1}
            )
            totals = wait_for_reactions(workdir, message["message_id"], 9)
            assert totals == {"👍": 6, "❤": 2, "custom:5368324170671202286": 1}
            assert running.stop(proc) == 0

        later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        collected = cli("stats", "collect", "--at", later)
        assert collected.stdout.startswith("1 publication(s) measured, 0 Graph call(s)")
        counted = len(tg.calls("getChatMemberCount"))  # the worker's; again if `later` is tomorrow
        assert cli("stats", "collect", "--at", later).stdout.startswith("0 publication(s)")
        assert len(tg.calls("getChatMemberCount")) == counted  # once a (local) day

        today = datetime.now(UTC).date()
        shown = json.loads(
            cli(
                "stats",
                "--from",
                str(today - timedelta(days=1)),
                "--to",
                str(today + timedelta(days=1)),
                "--format",
                "json",
            ).stdout
        )
        [entry] = shown["posts"]
        assert entry["id"] == post["id"] and entry["kind"] == "daily"
        [publication] = entry["publications"]
        assert publication["url"] == f"https://t.me/c/1500/{message['message_id']}"
        assert publication["reactions"] == 9
        # Telegram gives bots no views, comments or shares: null, never a made-up 0.
        assert publication["views"] is None
        assert publication["comments"] is None and publication["shares"] is None
        assert shown["channels"] == [{"name": "tg", "subscribers": 250}]
        [unit] = shown["units"]
        assert unit["reactions"] == 9 and unit["reach"] == 1  # the follower's DM
        assert unit["views"] is None

        table = cli("stats").stdout
        assert "Telegram gives bots no view counts" in table

        with running.worker(workdir, env, log="again.log"):
            tg.wait_for_poller(timeout=20)
            before = len(tg.messages(ADMIN))
            tg.push_message(ADMIN, "/stats")
            reply = tg.wait_for_messages(ADMIN, before + 1, timeout=20)[-1]["plain_text"]
        assert "This week: 9 reactions · reach 1" in reply
        assert (
            "❤️ Most liked this week\n1. Tin tốt: 40 bạn trẻ sửa nhà cho cụ Tư · 9 reactions"
            in reply
        )
