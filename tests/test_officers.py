"""Officers feed the bot in chat: text, a .docx document, a photo with a caption; they are
told what the admins decided. Followers cannot submit recaps."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, col, select

from bot.config import load
from bot.storage import channel_rows, db
from bot.storage.db import session_scope
from bot.storage.models import Event, EventDelivery, Recap, RecapPhoto
from tests import running
from tests.conftest import Cli
from tests.factories import png, saved_page, word_document
from tests.fakes.telegram import FakeTelegram

ADMIN, OFFICER, FOLLOWER, CHANNEL = 111, 333, 555, -100800
T = TypeVar("T")
TEXT = (
    "Đoàn viên phường Láng Hạ dọn sạch kênh Thanh Nhàn\n"
    "Sáng 29/11, 80 đoàn viên phường Láng Hạ đã vớt 2 tấn rác trên kênh Thanh Nhàn. "
    "Người dân mang nước và bánh mì ra tiếp sức."
)
TITLE = "Tuổi trẻ Cầu Giấy trao 100 suất học bổng"
PARAGRAPHS = [
    "Sáng 28/11, Đoàn Thanh niên quận Cầu Giấy trao 100 suất học bổng cho học sinh.",
    "Mỗi suất trị giá 2 triệu đồng, kèm sách vở và áo ấm.",
]


def office(tg: FakeTelegram, workdir: Path) -> tuple[Cli, dict[str, str]]:
    """A channel, an admin, an officer and a follower; the config aimed at the fake."""
    tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
    for user, name in ((ADMIN, "Lan"), (OFFICER, "Hùng"), (FOLLOWER, "Mai")):
        tg.add_user(user, name)
    return running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]\nofficers = [{OFFICER}]")


def _poll(read: Callable[[Session], T | None], what: str, timeout: float = 20) -> T:
    """What ``read`` finds in the database the worker writes, once it finds it (polled,
    with a deadline)."""
    engine = db.make_engine(load(None, environ={}).database_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            found = read(session)
        if found:
            return found
        time.sleep(0.1)  # polling the database the worker writes, up to the deadline
    raise AssertionError(f"no {what} after {timeout}s")


def _title(channel: str) -> str:
    """The channel's title once the worker has stored it."""
    return _poll(lambda s: channel_rows.titles(s).get(channel), f"title stored for {channel}")


def test_officer_recaps_from_chat_and_the_decision_comes_back(workdir: Path) -> None:
    with FakeTelegram() as tg:
        cli, env = office(tg, workdir)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(OFFICER, TEXT)
            assert tg.wait_for_messages(OFFICER, 1)[0]["plain_text"] == (
                "Đã nhận bài gốc #1: Đoàn viên phường Láng Hạ dọn sạch kênh Thanh Nhàn"
            )
            tg.push_document(
                OFFICER,
                word_document(TITLE, PARAGRAPHS),
                "bao-cao.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
            assert (
                tg.wait_for_messages(OFFICER, 2)[1]["plain_text"] == f"Đã nhận bài gốc #2: {TITLE}"
            )
            photo = png(seed=11)
            tg.push_photo(OFFICER, photo, caption=TEXT.replace("80", "90"))
            assert tg.wait_for_messages(OFFICER, 3)[2]["plain_text"].startswith(
                "Đã nhận bài gốc #3"
            )
            tg.push_message(OFFICER, TEXT)  # the same story again: refused, naming the first
            assert tg.wait_for_messages(OFFICER, 4)[3]["plain_text"] == (
                "Chưa lưu được bài gốc: trùng với bài gốc #1"
            )
            tg.push_message(OFFICER, "Chỉ một dòng")
            assert tg.wait_for_messages(OFFICER, 5)[4]["plain_text"].startswith(
                "Chưa lưu được bài gốc:"
            )
            tg.push_message(FOLLOWER, TEXT)
            assert tg.wait_for_messages(FOLLOWER, 1)[0]["plain_text"].startswith(
                "Chỉ cán bộ truyền thông"
            )

            cli("draft", "--recap", "2")
            [request] = tg.messages(ADMIN)
            assert tg.wait_for_messages(OFFICER, 6)[5]["plain_text"] == (
                "Bài gốc #2 của bạn đã được soạn thành bài #1 (Tin tốt mỗi ngày) "
                "và đang chờ quản trị viên duyệt."
            )
            tg.push_callback(ADMIN, ADMIN, request["message_id"], "approve:1")
            told = tg.wait_for_messages(OFFICER, 7)[6]["plain_text"]
            assert told.startswith("Bài #1 soạn từ bài gốc #2 của bạn đã được duyệt và sẽ đăng lúc")

            # Rejected: the admin is asked why, and the answer reaches the officer.
            cli("draft", "--recap", "3")
            texts = lambda m: m["kind"] == "text"  # noqa: E731 - the photos come first
            request2 = tg.wait_for_messages(ADMIN, 2, predicate=texts)[1]
            shown = tg.messages(ADMIN)
            assert shown[shown.index(request2) - 1]["kind"] == "photo"  # the recap's photo
            tg.push_callback(ADMIN, ADMIN, request2["message_id"], "reject:2")
            question = tg.wait_for_messages(ADMIN, 3, predicate=texts)[2]
            assert question["plain_text"].startswith("❓ Lý do từ chối bài #2?")
            assert question["params"]["reply_markup"] == {"force_reply": True, "selective": True}
            assert tg.wait_for_messages(OFFICER, 9)[8]["plain_text"] == (
                "Bài #2 soạn từ bài gốc #3 của bạn không được duyệt."
            )
            tg.push_message(
                ADMIN, "Ảnh chưa rõ, xin gửi lại ảnh khác.", reply_to=question["message_id"]
            )
            assert tg.wait_for_messages(OFFICER, 10)[9]["plain_text"] == (
                "Lý do bài #2 không được duyệt: Ảnh chưa rõ, xin gửi lại ảnh khác."
            )
            # The worker asked Telegram how people know the channel (getChat), at its start.
            assert _title("tg") == "Tin tốt"
            assert running.stop(proc) == 0
        # Published: the officer hears it once, from whichever process published it.
        [scheduled] = json.loads(cli("queue", "--json").stdout)
        cli("tick", "--at", scheduled["slot"])
        cli("tick", "--at", scheduled["slot"])
        [went_out] = tg.messages(CHANNEL)
        assert tg.wait_for_messages(OFFICER, 11)[10]["plain_text"] == (
            "Bài #1 soạn từ bài gốc #2 của bạn đã được đăng trên Tin tốt.\n"
            f"Tin tốt: https://t.me/c/800/{went_out['message_id']}"  # a private channel's link
        )
        assert len(tg.messages(OFFICER)) == 11
        engine = db.make_engine(load(None, environ={}).database_url)
        with session_scope(engine) as session:
            recaps = session.exec(select(Recap).order_by(Recap.id)).all()  # type: ignore[arg-type]
            photos = session.exec(select(RecapPhoto)).all()
        assert [(r.format, r.submitted_by) for r in recaps] == [
            ("text", OFFICER),
            ("docx", OFFICER),
            ("text", OFFICER),
        ]
        assert recaps[1].cleaned.split("\n\n") == PARAGRAPHS
        assert [(p.recap_id, p.mime) for p in photos] == [(3, "image/jpeg")]
        assert (workdir / "media" / str(photos[0].path)).read_bytes() == photo
        assert json.loads(cli("queue", "--all", "--json").stdout)[0]["status"] == "published"
        reasons = [
            e
            for e in json.loads(cli("audit", "--post", "2", "--json").stdout)
            if e["action"] == "reject-reason"
        ]
        assert [(e["actor"], e["detail"]) for e in reasons] == [
            (ADMIN, "Ảnh chưa rõ, xin gửi lại ảnh khác.")
        ]


def test_new_composes_a_post_in_one_message_or_in_reply_and_menus_per_role(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        cli, env = office(tg, workdir)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            officer_menu = tg.commands({"type": "chat", "chat_id": OFFICER})
            assert [c["command"] for c in officer_menu][-2:] == ["new", "queue"]
            assert "pending" not in [c["command"] for c in officer_menu]

            tg.push_message(OFFICER, f"/new {TEXT}")
            assert tg.wait_for_messages(OFFICER, 1)[0]["plain_text"] == (
                "Đã lưu bản nháp #1 và gửi quản trị viên duyệt."
            )
            request = tg.wait_for_messages(ADMIN, 1)[0]
            assert request["plain_text"].startswith("📝 Bản nháp #1 · Tin tốt mỗi ngày\n")
            assert "Đoàn viên phường Láng Hạ dọn sạch kênh Thanh Nhàn" in request["plain_text"]

            tg.push_message(OFFICER, "/new")
            question = tg.wait_for_messages(OFFICER, 2)[1]
            assert question["plain_text"].startswith("📝 Bài mới: trả lời tin nhắn này.")
            tg.push_message(OFFICER, TITLE + "\n" + PARAGRAPHS[0], reply_to=question["message_id"])
            assert tg.wait_for_messages(OFFICER, 3)[2]["plain_text"].startswith(
                "Đã lưu bản nháp #2"
            )
            assert tg.wait_for_messages(ADMIN, 2)[1]["plain_text"].startswith("📝 Bản nháp #2")

            tg.push_message(FOLLOWER, f"/new {TEXT}")
            assert tg.wait_for_messages(FOLLOWER, 1)[0]["plain_text"].startswith(
                "Chỉ cán bộ truyền thông"
            )

            # Rejected with a reason: the officer who wrote it hears why.
            tg.push_callback(ADMIN, ADMIN, request["message_id"], "reject:1")
            question = tg.wait_for_messages(ADMIN, 3)[2]
            assert question["plain_text"].startswith("❓ Lý do từ chối bài #1?")
            tg.push_message(ADMIN, "Trùng tin hôm qua.", reply_to=question["message_id"])
            told = tg.wait_for_messages(
                OFFICER, 1, predicate=lambda m: m["plain_text"].startswith("Lý do")
            )
            assert told[0]["plain_text"] == "Lý do bài #1 không được duyệt: Trùng tin hôm qua."
            assert running.stop(proc) == 0
        pending = [p for p in json.loads(cli("queue", "--json").stdout) if p["status"] == "pending"]
        assert [p["title"] for p in pending] == [TITLE]  # #1 was rejected


def test_a_document_named_like_a_server_path_takes_no_file_from_the_server(
    workdir: Path, tmp_path: Path
) -> None:
    # Issue #17 (8): the document's name chose the folder its <img src> were read from.
    secret = tmp_path / "server"
    secret.mkdir()
    (secret / "leak.png").write_bytes(png(seed=21))
    page = saved_page(TITLE, PARAGRAPHS).replace("<article>", '<article><img src="leak.png">')
    with FakeTelegram() as tg:
        _cli, env = office(tg, workdir)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_document(OFFICER, page.encode(), str(secret / "bao-cao.html"), "text/html")
            told = tg.wait_for_messages(OFFICER, 1, timeout=10)[0]["plain_text"]
            assert told == f"Đã nhận bài gốc #1: {TITLE}"
            assert running.stop(proc) == 0
        config = load(workdir / "config.toml", environ=env)
        engine = db.make_engine(config.database_url)
        with session_scope(engine) as session:
            assert session.exec(select(RecapPhoto)).all() == []
        engine.dispose()
        media = list((workdir / "media").rglob("*")) if (workdir / "media").exists() else []
        assert not any(f.is_file() and f.read_bytes() == png(seed=21) for f in media)


def test_the_decision_reaches_the_officer_once_though_the_worker_dies_after_a_refusal(
    workdir: Path,
) -> None:
    """The approval is recorded with the officer's notice; Telegram refuses it for now (a
    500) and the worker is killed before its retry: the next tick tells the officer, once."""
    with FakeTelegram() as tg:
        cli, env = office(tg, workdir)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(OFFICER, TEXT)
            tg.wait_for_messages(OFFICER, 1)
            cli("draft", "--recap", "1")
            [request] = tg.messages(ADMIN)
            tg.wait_for_messages(OFFICER, 2)  # drafted, waiting for the admins
            tg.fail_next("sendMessage", status=500, description="Internal Server Error")
            mark = tg.mark()
            tg.push_callback(ADMIN, ADMIN, request["message_id"], "approve:1")
            to_officer = lambda c: c.params.get("chat_id") == OFFICER  # noqa: E731
            refused = tg.wait_for_call("sendMessage", to_officer, timeout=20, since=mark)
            assert refused.response is not None and refused.response["error_code"] == 500

            def retry_due(session: Session) -> EventDelivery | None:  # the refusal settled
                query = (
                    select(EventDelivery)
                    .join(Event, col(Event.id) == col(EventDelivery.event_id))
                    .where(Event.key == "decided:1:1", EventDelivery.attempts == 1)
                )
                return session.exec(query).first()

            assert _poll(retry_due, "refusal settled").status == "pending"
            proc.kill()  # a crash, before any retry
            proc.wait()
        approved = "Bài #1 soạn từ bài gốc #1 của bạn đã được duyệt và sẽ đăng lúc"

        def told() -> list[str]:
            return [m["plain_text"] for m in tg.messages(OFFICER) if approved in m["plain_text"]]

        assert told() == []
        now = datetime.now().astimezone().isoformat()
        running.tick_until(cli, now, told, "the officer's notice at a tick")
        cli("tick", "--at", now)
        assert len(told()) == 1
