"""Posts with photos, through the real python-telegram-bot and facebook-sdk to the fake servers:
a photo with its caption, albums (never more than 10), a text too long for a caption after
its photos (and never the photos twice), Facebook photo posts, and ``queue add --photo``."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.config import Config, Secrets, parse_settings
from bot.domain.drafting import (
    TELEGRAM_CAPTION_LIMIT,
    Draft,
    render_plain,
    render_telegram_html,
)
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.ingest import Image
from bot.platforms.publishers import open_publishers
from bot.services import decisions, drafter, intake, post_rules, queued
from bot.storage import db, post_rows, publication_rows
from bot.storage.db import session_scope
from jobs.publish import PassReport, publish_due
from tests.conftest import Cli
from tests.factories import png
from tests.fakes.graph import FakeGraph, rate_limit_body
from tests.fakes.telegram import Call, FakeTelegram, UploadedFile, utf16_len

CHANNEL_ID, PAGE_ID, PAGE_TOKEN = -100888, "5550002", "EAAGpagetoken2"
SHORT = "Ngày hội hiến máu\nSáng 28/11, 300 đoàn viên hiến máu tình nguyện. Ai cũng vui."
#: A story whose text fits a message (4,096) but not a caption (1,024).
LONG = "Câu chuyện đẹp của tuần\n" + " ".join(
    f"Đoạn {n}: các bạn trẻ trong đội tình nguyện đã dành cả buổi sáng giúp bà con sửa nhà."
    for n in range(1, 25)
)


def photo(seed: int) -> Image:
    return Image(f"photo-{seed}.png", "image/png", png(40, 40, seed))


@dataclass
class Setup:
    tg: FakeTelegram
    graph: FakeGraph
    config: Config
    engine: Engine

    def queue(self, text: str, photos: list[Image], *, channels: tuple[str, ...] = ()) -> int:
        """A post with these photos, approved and pinned a minute from now; its id."""
        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            post = queued.queue_post(
                session,
                self.config,
                text=text,
                kind=PostKind.WEEKLY,
                at=now + timedelta(minutes=1),
                channels=list(channels),
                approved=True,
                reserve=False,
                now=now,
                photos=photos,
            )
            assert post.id is not None
            return post.id

    def message_ids(self, post_id: int) -> list[int]:
        """Every message the post's one publication became, as kept."""
        with session_scope(self.engine) as session:
            [publication] = publication_rows.publications(session, post_id=post_id)
            return [int(i) for i in (publication.message_ids or "").split(",") if i]

    def tick(self, at: datetime | None = None) -> PassReport:
        async def go() -> PassReport:
            async with open_publishers(self.config) as publishers:
                return await publish_due(
                    engine=self.engine,
                    config=self.config,
                    publishers=publishers,
                    at=at or datetime.now(UTC) + timedelta(minutes=2),
                )

        return asyncio.run(go())

    def draft(self, post_id: int) -> Draft:
        with session_scope(self.engine) as session:
            return post_rules.as_draft(post_rows.get_post(session, post_id=post_id))

    def publications(self, post_id: int) -> dict[str, tuple[PublicationStatus, str, str]]:
        with session_scope(self.engine) as session:
            pubs = publication_rows.publications(session, post_id=post_id)
        return {p.channel: (p.status, p.external_id or "", p.error or "") for p in pubs}

    def post_status(self, post_id: int) -> PostStatus:
        with session_scope(self.engine) as session:
            return post_rows.get_post(session, post_id=post_id).status


def _config(tmp_path: Path, tg: FakeTelegram, graph: FakeGraph, tg_extra: str = "") -> Config:
    settings = parse_settings(
        f"""
media_dir = "{tmp_path / "media"}"
outbox_dir = "{tmp_path / "outbox"}"
[telegram]
api_url = "{tg.api_url}"
max_per_second = 30
[facebook]
graph_url = "{graph.graph_url}"
timeout = 5.0
[[channels]]
name = "tg"
type = "telegram"
chat_id = {CHANNEL_ID}
{tg_extra}
[[channels]]
name = "fb"
type = "facebook"
page_id = "{PAGE_ID}"
""",
        source="test",
    )
    url = f"sqlite:///{tmp_path / 'media.db'}"
    return Config(settings, Secrets(tg.token, PAGE_TOKEN), None, url)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    import facebook

    monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", facebook.FACEBOOK_GRAPH_URL)  # restored
    with FakeTelegram() as tg, FakeGraph() as graph:
        tg.add_channel(CHANNEL_ID, "kenh_anh", "Tin tốt có ảnh")
        graph.add_page(PAGE_ID, PAGE_TOKEN)
        config = _config(tmp_path, tg, graph)
        engine = db.make_engine(config.database_url)
        db.upgrade(engine)
        yield Setup(tg, graph, config, engine)


def _album(call: Call) -> list[tuple[dict[str, Any], bytes]]:
    """A sendMediaGroup call's items, each with the bytes uploaded for it."""
    items = []
    for item in call.params["media"]:
        part = call.params[item["media"].removeprefix("attach://")]
        assert isinstance(part, UploadedFile)
        items.append((item, part.data))
    return items


# -- Telegram ------------------------------------------------------------------------------------


def test_one_photo_goes_with_the_post_as_its_caption(setup: Setup) -> None:
    post_id = setup.queue(SHORT, [photo(1)], channels=("tg",))
    setup.tick()
    [call] = setup.tg.calls("sendPhoto")
    assert call.ok and setup.tg.calls("sendMessage") == []
    html = render_telegram_html(setup.draft(post_id))
    assert call.params["caption"] == html and call.params["parse_mode"] == "HTML"
    assert html.startswith("<b>Ngày hội hiến máu</b>")
    upload = call.params["photo"]
    assert isinstance(upload, UploadedFile) and upload.data == photo(1).data
    [message] = setup.tg.messages(CHANNEL_ID)
    assert message["kind"] == "photo" and message["plain_caption"].startswith("Ngày hội")
    assert setup.publications(post_id)["tg"][:2] == (
        PublicationStatus.SENT,
        str(message["message_id"]),
    )


def test_an_album_of_three_has_the_caption_on_the_first_photo(setup: Setup) -> None:
    post_id = setup.queue(SHORT, [photo(1), photo(2), photo(3)], channels=("tg",))
    setup.tick()
    [call] = setup.tg.calls("sendMediaGroup")
    assert setup.tg.calls("sendPhoto") == [] and setup.tg.calls("sendMessage") == []
    items = _album(call)
    assert [data for _, data in items] == [photo(n).data for n in (1, 2, 3)]
    first, *rest = (item for item, _ in items)
    assert first["caption"] == render_telegram_html(setup.draft(post_id))
    assert first["parse_mode"] == "HTML"
    assert all("caption" not in item for item in rest)
    messages = setup.tg.messages(CHANNEL_ID)
    assert len(messages) == 3 and len({m["media_group_id"] for m in messages}) == 1
    status, external_id, _ = setup.publications(post_id)["tg"]
    assert status is PublicationStatus.SENT and external_id == str(messages[0]["message_id"])


def test_twelve_photos_send_the_first_ten_and_say_so(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    post_id = setup.queue(SHORT, [photo(n) for n in range(1, 13)], channels=("tg",))
    with caplog.at_level(logging.WARNING, logger="bot.platforms"):
        setup.tick()
    [call] = setup.tg.calls("sendMediaGroup")
    assert call.ok
    assert [data for _, data in _album(call)] == [photo(n).data for n in range(1, 11)]
    assert len(setup.tg.messages(CHANNEL_ID)) == 10
    assert f"post {post_id} has 12 photos" in caplog.text and "the first 10" in caplog.text
    assert setup.publications(post_id)["tg"][0] is PublicationStatus.SENT


def test_a_text_longer_than_a_caption_follows_its_photo(setup: Setup) -> None:
    post_id = setup.queue(LONG, [photo(1)], channels=("tg",))
    html = render_telegram_html(setup.draft(post_id))
    assert utf16_len(render_plain(setup.draft(post_id))) > TELEGRAM_CAPTION_LIMIT  # the premise
    setup.tick()
    [photo_call] = setup.tg.calls("sendPhoto")
    [text_call] = setup.tg.calls("sendMessage")
    assert photo_call.index < text_call.index
    assert utf16_len(photo_call.params.get("caption") or "") <= TELEGRAM_CAPTION_LIMIT
    assert text_call.params["text"] == html and text_call.params["parse_mode"] == "HTML"
    assert "Đoạn 24:" in text_call.params["text"]  # the whole story, not a shortened one
    photo_message, text_message = setup.tg.messages(CHANNEL_ID)
    assert photo_message["kind"] == "photo" and text_message["kind"] == "text"
    status, external_id, _ = setup.publications(post_id)["tg"]
    assert status is PublicationStatus.SENT and external_id == str(photo_message["message_id"])
    # Both ids are kept: a correction edits the text, a retraction deletes both.
    assert setup.message_ids(post_id) == [photo_message["message_id"], text_message["message_id"]]


def test_a_follow_up_refused_is_unknown_and_the_photo_is_never_sent_again(setup: Setup) -> None:
    post_id = setup.queue(LONG, [photo(1), photo(2)], channels=("tg",))
    setup.tg.fail_next("sendMessage", status=400, description="Bad Request: message is too long")
    setup.tick()
    status, external_id, error = setup.publications(post_id)["tg"]
    first = setup.tg.messages(CHANNEL_ID)[0]["message_id"]
    assert status is PublicationStatus.UNKNOWN and setup.post_status(post_id) is PostStatus.UNKNOWN
    assert external_id == str(first)
    assert setup.message_ids(post_id) == [m["message_id"] for m in setup.tg.messages(CHANNEL_ID)]
    assert error.startswith("outcome unknown: telegram channel tg")
    assert error.endswith(
        f"the 2 photos went out (message {first}) but the text did not: "
        "Telegram refused the post: Message is too long"
    )
    setup.tick(datetime.now(UTC) + timedelta(days=2))
    setup.tick(datetime.now(UTC) + timedelta(days=30))
    assert len(setup.tg.calls("sendMediaGroup")) == 1 and len(setup.tg.calls("sendMessage")) == 1
    assert len(setup.tg.messages(CHANNEL_ID)) == 2  # the album, once; no text


def test_a_follow_up_that_did_not_get_through_is_retried_within_the_call(setup: Setup) -> None:
    post_id = setup.queue(LONG, [photo(1)], channels=("tg",))
    setup.tg.fail_next("sendMessage", status=429, description="Too Many Requests", parameters=None)
    setup.tick()
    assert [c.status for c in setup.tg.calls("sendMessage")] == [429, 200]
    assert len(setup.tg.calls("sendPhoto")) == 1
    assert [m["kind"] for m in setup.tg.messages(CHANNEL_ID)] == ["photo", "text"]
    assert setup.publications(post_id)["tg"][0] is PublicationStatus.SENT


def test_link_previews_can_be_turned_off_per_channel(tmp_path: Path) -> None:
    with FakeTelegram() as tg, FakeGraph() as graph:
        tg.add_channel(CHANNEL_ID, "kenh_anh", "Tin tốt có ảnh")
        config = _config(tmp_path, tg, graph, tg_extra="link_preview = false")
        engine = db.make_engine(config.database_url)
        db.upgrade(engine)
        setup = Setup(tg, graph, config, engine)
        setup.queue(SHORT + "\nhttps://example.org/hien-mau", [], channels=("tg",))
        setup.tick()
        [call] = tg.calls("sendMessage")
        assert call.params["link_preview_options"] == {"is_disabled": True}
        assert tg.messages(CHANNEL_ID)[0]["message"].get("link_preview_options") == {
            "is_disabled": True
        }


def test_a_drafted_post_takes_its_recaps_photos(setup: Setup) -> None:
    with session_scope(setup.engine) as session:
        recap = intake.store_recap(
            session,
            data=SHORT.encode(),
            source="t",
            title=None,
            url=None,
            media_dir=setup.config.media_dir,
            photos=[photo(7), photo(8)],
        )
        post = drafter.draft(session, setup.config, kind=PostKind.DAILY, recap_id=recap.id)
        assert post.id is not None
        decisions.approve(session, setup.config, post_id=post.id, by=1, now=datetime.now(UTC))
        assert [p.sha256 for p in post_rows.post_photos(session, post_id=post.id)] == [
            photo(7).sha256,
            photo(8).sha256,
        ]
    setup.tick(datetime.now(UTC) + timedelta(days=2))
    [call] = setup.tg.calls("sendMediaGroup")
    assert [data for _, data in _album(call)] == [photo(7).data, photo(8).data]
    assert len(setup.graph.photos(PAGE_ID)) == 2 and len(setup.graph.posts(PAGE_ID)) == 1


# -- Facebook ------------------------------------------------------------------------------------


def test_facebook_one_photo_is_a_photo_post_with_the_message(setup: Setup) -> None:
    post_id = setup.queue(SHORT, [photo(1)], channels=("fb",))
    setup.tick()
    [uploaded] = setup.graph.photos(PAGE_ID)
    [post] = setup.graph.posts(PAGE_ID)
    assert uploaded["published"] is True and uploaded["source"].data == photo(1).data
    assert post["message"] == render_plain(setup.draft(post_id))
    assert post["photo_id"] == uploaded["id"] and uploaded["post_id"] == post["id"]
    assert setup.graph.calls("/feed") == []
    assert setup.publications(post_id)["fb"][:2] == (PublicationStatus.SENT, post["id"])


def test_facebook_three_photos_are_uploaded_unpublished_then_attached(setup: Setup) -> None:
    post_id = setup.queue(SHORT, [photo(1), photo(2), photo(3)], channels=("fb",))
    setup.tick()
    uploads = setup.graph.photos(PAGE_ID)
    assert [p["source"].data for p in uploads] == [photo(n).data for n in (1, 2, 3)]
    assert all(p["published"] is False and p["post_id"] is None for p in uploads)
    [post] = setup.graph.posts(PAGE_ID)
    assert post["message"] == render_plain(setup.draft(post_id))
    assert post["attached_media"] == [{"media_fbid": p["id"]} for p in uploads]
    assert post["link"] is None and post["published"] is True
    assert setup.publications(post_id)["fb"][:2] == (PublicationStatus.SENT, post["id"])


def test_facebook_feed_failing_after_the_uploads_is_retried_and_nothing_shows(
    setup: Setup,
) -> None:
    post_id = setup.queue(SHORT, [photo(1), photo(2)], channels=("fb",))
    setup.graph.fail_next("/feed", status=400, body=rate_limit_body(32))
    setup.tick()
    status, _, error = setup.publications(post_id)["fb"]
    assert status is PublicationStatus.SCHEDULED and "retry later (#32)" in error
    assert setup.graph.posts(PAGE_ID) == []  # nothing visible: the uploads are unpublished
    assert [p["published"] for p in setup.graph.photos(PAGE_ID)] == [False, False]


# -- Dry run -------------------------------------------------------------------------------------


def test_the_outbox_records_the_photos_and_every_request(tmp_path: Path) -> None:
    with FakeTelegram() as tg, FakeGraph() as graph:
        config = _config(tmp_path, tg, graph)
        config = Config(config.settings, Secrets(None, None), None, config.database_url)
        engine = db.make_engine(config.database_url)
        db.upgrade(engine)
        setup = Setup(tg, graph, config, engine)
        post_id = setup.queue(LONG, [photo(1), photo(2)])
        setup.tick()
        assert tg.calls() == [] and graph.calls() == []
    with session_scope(engine) as session:
        paths = [
            str(config.media_dir / p.path) for p in post_rows.post_photos(session, post_id=post_id)
        ]
    outbox = config.outbox_dir
    tg_file = json.loads((outbox / f"post-{post_id}-tg.json").read_text(encoding="utf-8"))
    fb_file = json.loads((outbox / f"post-{post_id}-fb.json").read_text(encoding="utf-8"))
    assert tg_file["media"] == paths == fb_file["media"]
    assert tg_file["url"].endswith("/bot<TELEGRAM_BOT_TOKEN>/sendMediaGroup")
    assert [item["media"] for item in tg_file["params"]["media"]] == paths
    [follow_up] = tg_file["then"]
    assert follow_up["url"].endswith("/sendMessage") and "Đoạn 24:" in follow_up["params"]["text"]
    assert fb_file["url"].endswith(f"/{PAGE_ID}/photos")
    assert fb_file["params"] == {"published": "false", "source": paths[0]}
    assert [r["url"].rsplit("/", 1)[1] for r in fb_file["then"]] == ["photos", "feed"]
    assert json.loads(fb_file["then"][1]["params"]["attached_media[1]"]) == {
        "media_fbid": "<id of photo 2>"
    }


# -- queue add --photo ---------------------------------------------------------------------------


@pytest.fixture
def ready(run_cli: Cli, workdir: Path) -> Cli:
    run_cli("init")
    return run_cli


def _stored(workdir: Path) -> tuple[int, list[str]]:
    """Posts in the database and files under media/."""
    engine = db.make_engine(f"sqlite:///{workdir / 'goodnews.db'}")
    with session_scope(engine) as session:
        posts = len(post_rows.list_posts(session))
    media = workdir / "media"
    files = sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else []
    return posts, files


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("missing.jpg", None, "no such file"),
        ("notes.jpg", b"a text file with a photo's name\n", "not a JPEG, PNG or WebP image"),
        ("anim.gif", b"GIF89a" + bytes(4000), "not a JPEG, PNG or WebP image"),
        (
            "huge.png",
            b"\x89PNG\r\n\x1a\n" + bytes(10 * 1024 * 1024),
            "10.0 MB is more than a photo can be (10 MB, Telegram's limit)",
        ),
    ],
)
def test_queue_add_refuses_a_bad_photo_and_stores_nothing(
    ready: Cli, workdir: Path, name: str, content: bytes | None, problem: str
) -> None:
    good = workdir / "good.png"
    good.write_bytes(png(40, 40, 3))
    if content is not None:
        (workdir / name).write_bytes(content)
    result = ready("queue", "add", "--text", SHORT, "--photo", str(good), "--photo", name, ok=False)
    assert result.exit_code == 1
    assert result.stderr == f"Error: --photo {name}: {problem}\n"  # one line
    assert result.stdout == ""
    assert _stored(workdir) == (0, [])


def test_queue_add_with_photos_keeps_them_in_order(ready: Cli, workdir: Path) -> None:
    for seed in (1, 2):
        (workdir / f"p{seed}.png").write_bytes(png(40, 40, seed))
    result = ready("queue", "add", "--text", SHORT, "--photo", "p2.png", "--photo", "p1.png")
    assert "with 2 photo(s)" in result.stderr
    post_id = int(result.stdout)
    engine = db.make_engine(f"sqlite:///{workdir / 'goodnews.db'}")
    with session_scope(engine) as session:
        stored = post_rows.post_photos(session, post_id=post_id)
    assert [p.position for p in stored] == [1, 2]
    assert [(workdir / "media" / p.path).read_bytes() for p in stored] == [
        png(40, 40, 2),
        png(40, 40, 1),
    ]
