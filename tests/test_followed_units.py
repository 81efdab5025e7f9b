"""Followers choose the units whose news they get: /start offers the units as buttons (all
followed by default), a press toggles one, a forged press changes nothing, and the broadcast
sends a follower only the news of the units they follow (the organisation's own: to all)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.config import Config, Secrets, parse_settings
from bot.domain.posts import PostKind, PostStatus
from bot.storage import db, follower_rows, post_rows, recap_rows
from bot.storage.db import session_scope
from bot.storage.models import Delivery, Post, Subscriber
from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import Call, FakeTelegram

ORG, CNVC, PHUONG = -100900, -100901, -100902
PICKY, ALL = 501, 502  # PICKY stops following cnvc; ALL keeps every unit

UNITS = f"""
[[channels]]
name = "org-tg"
type = "telegram"
chat_id = {ORG}
[[channels]]
name = "cnvc-tg"
type = "telegram"
chat_id = {CNVC}
[[channels]]
name = "phuong-tg"
type = "telegram"
chat_id = {PHUONG}
[[units]]
id = "cnvc"
name = "Khối Công nhân viên chức"
channels = ["cnvc-tg"]
[[units]]
id = "phuong"
name = "Đoàn phường"
channels = ["phuong-tg"]
"""


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


def answered(query_id: str) -> Callable[[Call], bool]:
    return lambda call: call.params.get("callback_query_id") == query_id


def press(tg: FakeTelegram, user: int, message_id: int, data: str) -> str:
    """Press a button under the bot's message; what the bot answered."""
    query_id = tg.push_callback(user, user, message_id, data)["callback_query"]["id"]
    tg.wait_for_call("answerCallbackQuery", answered(query_id), timeout=20)
    return str(tg.callback_answers()[query_id]["text"])


def followed(engine: Engine, chat_id: int) -> str | None:
    with session_scope(engine) as session:
        found = session.get(Subscriber, chat_id)
        assert found is not None
        return found.units


def test_a_follower_chooses_units_and_gets_only_their_news(workdir: Path) -> None:
    with FakeTelegram() as tg:
        for chat, name in ((ORG, "Đoàn thành phố"), (CNVC, "CNVC"), (PHUONG, "Phường")):
            tg.add_channel(chat, None, name)
        for user in (PICKY, ALL):
            tg.add_user(user, f"Người {user}", language_code="vi")
        (workdir / "config.toml").write_text(
            f'[telegram]\napi_url = "{tg.api_url}"\npoll_timeout = 1\n'
            f'[worker]\nsweep = "1s"\n{UNITS}',
            encoding="utf-8",
        )
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        engine = db.make_engine("sqlite:///goodnews.db")
        with running.worker(workdir, cli.env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(PICKY, "/start")
            tg.push_message(ALL, "/start")
            [offer] = tg.wait_for_messages(PICKY, 1, timeout=20)
            assert offer["plain_text"].startswith("Chào bạn!")
            assert "Chọn đơn vị bạn muốn nhận tin" in offer["plain_text"]
            assert buttons(offer) == [
                "✅ Khối Công nhân viên chức",
                "✅ Đoàn phường",
                "Tất cả đơn vị",
            ]
            tg.wait_for_messages(ALL, 1, timeout=20)

            mark = tg.mark()
            answer = press(tg, PICKY, offer["message_id"], "follow:cnvc")
            assert answer == "▫️ Bạn không nhận tin của Khối Công nhân viên chức nữa."
            tg.wait_for_call("editMessageReplyMarkup", since=mark, timeout=20)
            assert buttons(tg.message(PICKY, offer["message_id"]))[:2] == [
                "▫️ Khối Công nhân viên chức",
                "✅ Đoàn phường",
            ]
            assert followed(engine, PICKY) == "phuong"

            # Forged or stale buttons: answered, nothing changes.
            for data in ("follow:nope", "follow:cnvc:x", "follow:", "follow:CNVC"):
                assert press(tg, PICKY, offer["message_id"], data) == "Nút này không còn hiệu lực."
            assert followed(engine, PICKY) == "phuong"

            # One post of each unit and one of the organisation's own, published by a tick.
            at = datetime.now(UTC) + timedelta(hours=1)
            for text, channel in (
                ("Tin phường\nĐoàn phường trồng 100 cây xanh.", ["--channel", "phuong-tg"]),
                ("Tin thành phố\nThành đoàn khai mạc ngày hội.", []),
                ("Tin CNVC\nCông nhân viên chức hiến 200 đơn vị máu.", ["--channel", "cnvc-tg"]),
            ):
                cli("queue", "add", "--text", text, "--at", at.isoformat(), "--approved", *channel)
            cli("tick", "--at", at.isoformat())
            for chat in (ORG, CNVC, PHUONG):
                tg.wait_for_messages(chat, 1, timeout=20)

            everything = tg.wait_for_messages(ALL, 4, timeout=20)[1:]
            got = tg.wait_for_messages(PICKY, 3, timeout=20)[1:]
            assert sorted(m["plain_text"].split("\n")[0] for m in everything) == [
                "Tin CNVC",
                "Tin phường",
                "Tin thành phố",
            ]
            assert sorted(m["plain_text"].split("\n")[0] for m in got) == [
                "Tin phường",
                "Tin thành phố",
            ]
            with session_scope(engine) as session:
                cnvc_post = session.exec(select(Post).where(Post.unit == "cnvc")).one()
                assert cnvc_post.status is PostStatus.PUBLISHED
                deliveries = session.exec(
                    select(Delivery.chat_id).where(Delivery.post_id == cnvc_post.id)
                ).all()
            assert deliveries == [ALL]  # never even written for the picky follower

            # /today: the latest good news of the units they follow.
            tg.push_message(PICKY, "/today")
            tg.push_message(ALL, "/today")
            assert tg.wait_for_messages(PICKY, 4, timeout=20)[3]["plain_text"].startswith(
                "Tin thành phố"
            )
            assert tg.wait_for_messages(ALL, 5, timeout=20)[4]["plain_text"].startswith("Tin CNVC")

            # "All units" follows every unit again.
            assert press(tg, PICKY, offer["message_id"], "follow:*") == (
                "Bạn nhận tin của tất cả các đơn vị."
            )
            assert followed(engine, PICKY) is None
            assert running.stop(proc) == 0
        assert len(tg.messages(PICKY)) == 4  # nothing else reached the picky follower


def test_without_units_start_offers_no_buttons(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(ORG, None, "Tin tốt")
        tg.add_user(PICKY, "Người", language_code="en")
        _, env = running.prepare(workdir, tg, ORG)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(PICKY, "/start")
            [reply] = tg.wait_for_messages(PICKY, 1, timeout=20)
            assert reply["plain_text"].startswith("Hello!") and not reply["reply_markup"]
            # A unit button, forged, in a config without units: refused, nothing stored.
            assert press(tg, PICKY, reply["message_id"], "follow:cnvc") == (
                "This button no longer works."
            )
            assert running.stop(proc) == 0


# -- the broadcast's deliveries ----------------------------------------------------------------


def published(engine: Engine, unit: str | None, recap_id: int | None = None) -> int:
    with session_scope(engine) as session:
        post = post_rows.add_post(
            session,
            kind=PostKind.DAILY,
            title=f"Tin {unit}",
            body="B",
            link=None,
            hashtags=(),
            recap_id=recap_id,
            unit=unit,
            audience=unit,
        )
        post.status, post.slot = PostStatus.PUBLISHED, datetime.now(UTC)
        session.add(post)
        session.flush()
        assert post.id is not None
        return post.id


def test_deliveries_are_written_only_for_followers_of_the_posts_unit(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    settings = parse_settings(
        UNITS + '[[units]]\nid = "x"\nname = "X"\n',
        source="test",
    )
    config = Config(settings, Secrets(None, None), None, database_url)
    from bot.services import following

    with session_scope(engine) as session:
        for chat in (1, 2, 3):
            follower_rows.subscribe(session, chat_id=chat, language_code="vi")
        following.follow_unit(session, config, chat_id=2, unit="phuong")  # 2: cnvc and x
        for unit in ("cnvc", "x"):  # 3: phuong only
            following.follow_unit(session, config, chat_id=3, unit=unit)
        assert following.followed_units(session, config, chat_id=3) == {"phuong"}
        assert following.follow_unit(session, config, chat_id=9, unit="cnvc") is None
        recap = recap_rows.add_recap(
            session, title="R", text="T", source_url=None, source_name=None
        )
    org, cnvc, phuong = (
        published(engine, None),
        published(engine, "cnvc"),
        published(engine, "phuong"),
    )
    # A unit's post and the organisation's featuring the same recap: one of them each.
    featured_unit = published(engine, "cnvc", recap.id)
    featured_org = published(engine, None, recap.id)
    with session_scope(engine) as session:
        assert (
            follower_rows.open_broadcasts(session, published_since=datetime.now(UTC) - timedelta(1))
            == 10
        )
        rows = session.exec(select(Delivery.post_id, Delivery.chat_id)).all()
    got = {post: sorted(c for p, c in rows if p == post) for post, _ in rows}
    assert got == {
        org: [1, 2, 3],
        cnvc: [1, 2],
        phuong: [1, 3],
        featured_unit: [1, 2],
        featured_org: [3],  # only the follower who did not get it as cnvc's news
    }
    with session_scope(engine) as session:  # nothing is written twice
        assert follower_rows.open_broadcasts(session, published_since=datetime.now(UTC)) == 0
        follower_rows.unsubscribe(session, chat_id=3, reason="/stop")
        follower_rows.subscribe(session, chat_id=3, language_code="vi")  # back: every unit again
        assert following.followed_units(session, config, chat_id=3) == {"cnvc", "phuong", "x"}
