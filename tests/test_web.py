"""The dashboard over HTTP (Starlette's test client, the real app and database): the
Telegram login checked with vectors computed from a test token, CSRF, roles, one-time
links, the pages, and decisions through the same actions as chat."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from bot import config as config_module
from bot.domain.posts import PostKind, PostStatus, PublicationStatus
from bot.storage import db, metrics
from bot.storage.db import session_scope
from bot.storage.models import AuditEntry, Post, Publication
from bot.web import auth
from bot.web.app import create_app
from bot.web.server import login_link, make_web
from tests.conftest import Cli
from tests.factories import png

TOKEN = "123456:TEST-token-for-the-login-vectors"
ADMIN, OFFICER, STRANGER = 7001, 7002, 7003
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def signed(fields: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {**fields, "hash": auth.widget_hash(fields, token)}


def widget(user_id: int, *, age: int = 0) -> dict[str, str]:
    return signed(
        {
            "id": str(user_id),
            "first_name": "Lan",
            "username": "lan",
            "auth_date": str(int(time.time()) - age),
        }
    )


@pytest.fixture
def cli(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    (workdir / "config.toml").write_text(
        f"[telegram]\nadmins = [{ADMIN}]\nofficers = [{OFFICER}]\n"
        '[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = "@tin_tot"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("GOODNEWS_WEB_SECRET", raising=False)
    runner = Cli({"TELEGRAM_BOT_TOKEN": ""})  # the CLI messages no admin here
    runner("init")
    return runner


@pytest.fixture
def client(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    config = config_module.load()
    engine = db.make_engine(config.database_url)
    web = make_web(config, engine, bot=None)
    with TestClient(create_app(web), base_url="http://testserver") as test_client:
        yield test_client


def log_in(client: TestClient, user_id: int) -> str:
    """Log in through /auth/telegram; the CSRF token of the session."""
    answer = client.get("/auth/telegram", params=widget(user_id), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    page = client.get("/")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def two_units(workdir: Path, *organisation: str) -> None:
    """A config with units a (our officer's, channel a1) and b (channel b1), and the
    organisation's own channels."""
    (workdir / "config.toml").write_text(
        f'media_dir = "media"\n[telegram]\nadmins = [{ADMIN}]\n'
        + "".join(
            f'[[channels]]\nname = "{n}"\ntype = "telegram"\nchat_id = "@{n}"\n'
            for n in (*organisation, "a1", "b1")
        )
        + f'[[units]]\nid = "a"\nname = "Đơn vị A"\nofficers = [{OFFICER}]\nchannels = ["a1"]\n'
        + '[[units]]\nid = "b"\nname = "Đơn vị B"\nchannels = ["b1"]\n',
        encoding="utf-8",
    )


def test_the_widget_hash_is_telegrams_recipe() -> None:
    """A vector computed by hand: sorted key=value lines, keyed with SHA-256 of the token."""
    import hashlib
    import hmac

    fields = {"id": "42", "auth_date": "1700000000", "first_name": "An"}
    lines = "auth_date=1700000000\nfirst_name=An\nid=42"
    key = hashlib.sha256(TOKEN.encode()).digest()
    assert auth.widget_hash(fields, TOKEN) == hmac.new(key, lines.encode(), "sha256").hexdigest()


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({**widget(ADMIN), "hash": "0" * 64}, "not signed by Telegram"),
        (signed({"id": str(ADMIN), "auth_date": str(int(time.time()))}, "999:other"), "not signed"),
        (widget(ADMIN, age=2 * 86400), "too old"),
        ({k: v for k, v in widget(ADMIN).items() if k != "auth_date"}, "missing auth_date"),
        ({k: v for k, v in widget(ADMIN).items() if k != "hash"}, "missing hash"),
        ({**widget(ADMIN), "first_name": "Mallory"}, "not signed by Telegram"),
    ],
    ids=["forged-hash", "other-token", "stale", "no-auth-date", "no-hash", "changed-field"],
)
def test_a_bad_login_is_refused_and_sets_no_session(
    client: TestClient, fields: dict[str, str], why: str
) -> None:
    answer = client.get("/auth/telegram", params=fields, follow_redirects=False)
    assert answer.status_code == 403
    assert "goodnews_session" not in answer.cookies
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    with pytest.raises(auth.LoginError, match=why):
        auth.verify_widget(
            fields,
            bot_token=TOKEN,
            now=datetime.now(UTC),
            max_age=config_module.parse_duration("1d"),
        )


def test_a_valid_login_sets_a_signed_httponly_lax_cookie(client: TestClient) -> None:
    answer = client.get("/auth/telegram", params=widget(ADMIN), follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(
        h for h in answer.headers.get_list("set-cookie") if h.startswith("goodnews_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "Tuần" in client.get("/").text  # the calendar, in Vietnamese by default
    # A cookie changed by hand is no session.
    value = client.cookies["goodnews_session"]
    client.cookies.set("goodnews_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert client.get("/", follow_redirects=False).status_code == 303
    # Reached over https (a TLS proxy in front): the cookie is Secure too.
    behind_tls = client.get(
        "https://testserver/auth/telegram", params=widget(ADMIN), follow_redirects=False
    )
    assert "Secure" in behind_tls.headers["set-cookie"]


def test_someone_without_a_role_gets_a_polite_page_and_nothing_more(client: TestClient) -> None:
    client.get("/auth/telegram", params=widget(STRANGER))
    for path in ("/", "/recaps", "/audit", "/report", "/posts/1"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "Cảm ơn" in answer.text, path


def test_a_post_without_the_csrf_token_changes_nothing(cli: Cli, client: TestClient) -> None:
    cli("recap", "add", str(SAMPLE))
    cli("draft")
    token = log_in(client, ADMIN)
    refused = client.post("/posts/1/approve", data={}, follow_redirects=False)
    assert refused.status_code == 403
    wrong = client.post("/posts/1/approve", data={"csrf": token[:-1] + "x"})
    assert wrong.status_code == 403
    assert status_of(client, 1) == "pending"
    done = client.post("/posts/1/approve", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/posts/1?done=approve"
    assert status_of(client, 1) == "scheduled"
    with session_scope(client.app.state.web.desk.engine) as session:  # type: ignore[attr-defined]
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "approve")).one()
    assert entry.actor == ADMIN


def status_of(client: TestClient, post_id: int) -> str:
    with session_scope(client.app.state.web.desk.engine) as session:  # type: ignore[attr-defined]
        post = session.get(Post, post_id)
        assert post is not None
        return post.status.value


def test_officers_see_but_do_not_decide(cli: Cli, client: TestClient) -> None:
    cli("recap", "add", str(SAMPLE))
    cli("draft")
    token = log_in(client, OFFICER)
    page = client.get("/posts/1")
    assert page.status_code == 200 and 'id="approve"' not in page.text
    assert client.post("/posts/1/approve", data={"csrf": token}).status_code == 403
    assert client.get("/audit").status_code == 403
    assert status_of(client, 1) == "pending"


def test_reject_with_a_reason_and_edit_go_through_the_chat_actions(
    cli: Cli, client: TestClient
) -> None:
    cli("recap", "add", str(SAMPLE))
    cli("draft")
    cli("draft", "--kind", "weekly")
    token = log_in(client, ADMIN)
    edited = client.post(
        "/posts/2/edit", data={"csrf": token, "text": "Tiêu đề mới\nNội dung mới của bài."}
    )
    assert edited.status_code == 200 and "Tiêu đề mới" in edited.text
    bad = client.post("/posts/2/edit", data={"csrf": token, "text": "chỉ một dòng"})
    assert bad.status_code == 400 and "flash error" in bad.text
    client.post("/posts/1/reject", data={"csrf": token, "reason": "Trùng tin hôm qua"})
    assert status_of(client, 1) == "rejected"
    audit = client.get("/audit", params={"action": "reject-reason"}).text
    assert "Trùng tin hôm qua" in audit and "/posts/1" in audit
    # Actions and states in the reader's words, not as the log records them.
    assert "<td>nêu lý do từ chối</td>" in audit and "<td>reject-reason</td>" not in audit
    everything = client.get("/audit").text
    assert "<td>đã sửa</td>" in everything and "chờ duyệt → bị từ chối" in everything


def test_the_post_page_shows_telegram_formatting_and_free_slots(
    cli: Cli, client: TestClient
) -> None:
    cli("recap", "add", str(SAMPLE), "--url", "https://example.org/hien-mau")
    cli("draft")
    log_in(client, ADMIN)
    page = client.get("/posts/1").text
    assert "<b>" in page and 'href="https://example.org/hien-mau"' in page
    assert page.count("<option value=") >= 4  # free slots and "now"
    assert "<script>" not in page.split("</head>")[1]  # the post's text is never markup


def test_a_login_link_works_once_within_ten_minutes(cli: Cli, client: TestClient) -> None:
    engine = client.app.state.web.desk.engine  # type: ignore[attr-defined]
    link = login_link(engine, user_id=ADMIN, base_url="http://testserver")
    path = link.removeprefix("http://testserver")
    assert client.get(path, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get(path, follow_redirects=False).status_code == 403  # used
    old = login_link(engine, user_id=ADMIN, base_url="", now=datetime(2026, 1, 1, tzinfo=UTC))
    assert client.get(old, follow_redirects=False).status_code == 403  # expired
    printed = cli("web", "--login-link", str(ADMIN)).stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"http://127\.0\.0\.1:8080/auth/link/[\w-]+", printed)


def test_logout_needs_the_token_and_ends_the_session(client: TestClient) -> None:
    token = log_in(client, ADMIN)
    assert client.post("/logout", data={}).status_code == 403
    client.post("/logout", data={"csrf": token})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_for_admins_and_health(cli: Cli, client: TestClient) -> None:
    cli("recap", "add", str(SAMPLE))
    health = client.get("/healthz")  # the database answers; no worker has beaten yet
    assert health.status_code == 200
    assert health.json() == {
        "ok": False,
        "reason": "no heartbeat yet: is the worker (`goodnews run`) running?",
        "heartbeat_age": None,
    }
    log_in(client, ADMIN)
    month = client.get("/", params={"view": "month", "date": "2026-12-01"}).text
    assert "khung giờ trống" in month
    assert "Hiến máu" in client.get("/recaps").text or "hiến máu" in client.get("/recaps").text
    page = client.get("/report").text
    assert "<svg" in page
    # Made now, said in local time: no UTC in a Vietnamese page.
    assert "(Asia/Ho_Chi_Minh)" in page and "UTC" not in page
    english = client.get("/lang/en", headers={"referer": "http://testserver/"})
    assert english.status_code == 200 and "Week" in english.text


def test_the_preview_follows_telegrams_caption_and_album_rules() -> None:
    from bot.domain.drafting import Draft
    from bot.domain.posts import PostKind
    from bot.web.preview import preview, telegram_to_browser

    short = Draft(PostKind.DAILY, "Tiêu đề <1>", "Nội dung ngắn.", "https://a.vn/x", ("#Tot",))
    shown = preview(1, short, ["a.jpg", "b.jpg", "c.jpg"])
    assert shown.telegram_photos == 3 and shown.telegram_caption  # an album, text as caption
    assert shown.telegram_html.startswith("<b>Tiêu đề &lt;1&gt;</b>")
    assert '<a href="https://a.vn/x"' in shown.telegram_html
    long = Draft(PostKind.WEEKLY, "Tiêu đề", "Một câu rất dài. " * 100, None, ())
    over = preview(2, long, [f"{n}.jpg" for n in range(12)])
    assert over.telegram_photos == 10 and not over.telegram_caption  # text after, 10 at most
    assert over.photos == 12  # Facebook takes them all
    assert preview(3, short, []).telegram_photos == 0
    unsafe = telegram_to_browser('<a href="javascript:alert(1)">x</a><img src=x onerror=y>')
    assert unsafe == '<a href="#" rel="noopener noreferrer" target="_blank">x</a>'


def test_an_officer_sees_their_units_channels_and_uploads_recaps_as_its_news(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_units(workdir, "org")
    Cli({"TELEGRAM_BOT_TOKEN": ""})("init")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("GOODNEWS_WEB_SECRET", raising=False)
    config = config_module.load()
    web = make_web(config, db.make_engine(config.database_url), bot=None)
    with TestClient(create_app(web)) as client:
        token = log_in(client, OFFICER)
        calendar = client.get("/").text
        assert '<span class="ch">a1</span>' in calendar
        assert '<span class="ch">b1</span>' not in calendar
        assert '<span class="ch">org</span>' not in calendar
        upload = client.post(
            "/recaps/upload",
            data={"csrf": token},
            files={"file": ("hien-mau.txt", SAMPLE.read_bytes(), "text/plain")},
            follow_redirects=False,
        )
        assert upload.status_code == 303
        empty = client.post(
            "/recaps/upload", data={"csrf": token}, files={"file": ("x.txt", b"", "text/plain")}
        )
        assert empty.status_code == 400 and "flash error" in empty.text
        recaps = client.get("/recaps").text
        assert "<td>Đơn vị A</td>" in recaps
        assert "/recaps/1/draft" not in recaps  # drafting is for admins
    with session_scope(web.desk.engine) as session:
        from bot.storage.models import Recap

        stored = session.get(Recap, 1)
        assert stored is not None and stored.unit == "a" and stored.submitted_by == OFFICER
        assert session.get(Recap, 2) is None  # the empty file stored nothing


def test_a_post_page_shows_how_it_did_and_never_a_made_up_zero(
    cli: Cli, client: TestClient
) -> None:
    config = config_module.load()
    engine = db.make_engine(config.database_url)
    with session_scope(engine) as session:
        post = Post(kind=PostKind.DAILY, status=PostStatus.PUBLISHED, title="Hiến máu", body="…")
        session.add(post)
        session.flush()
        assert post.id is not None
        publication = Publication(
            post_id=post.id,
            channel="tg",
            kind=PostKind.DAILY,
            status=PublicationStatus.SENT,
            external_id="41",
            finished_at=datetime.now(UTC),
            due_at=datetime.now(UTC),
            pinned=True,
        )
        session.add(publication)
        session.flush()
        assert publication.id is not None
        metrics.record(
            session,
            publication_id=publication.id,
            values={"reactions": 12, "views": None},
            at=datetime.now(UTC),
        )
        post_id = post.id
    log_in(client, ADMIN)
    page = client.get(f"/posts/{post_id}").text
    section = page.split("Hiệu quả bài đăng")[1].split("</table>")[0]
    assert '<a href="https://t.me/tin_tot/41"' in section
    cells = re.findall(r"<td>([^<]*)</td>", section)
    assert cells[:5] == ["12", "—", "—", "—", "—"]  # reactions; Telegram gives no views


def test_cancel_and_take_down_from_the_post_page(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from tests.fakes.telegram import FakeTelegram

    channel = -100500
    with FakeTelegram(token=TOKEN) as tg:
        tg.add_channel(channel, "tin_tot", "Tin tốt")
        (workdir / "config.toml").write_text(
            f'[telegram]\napi_url = "{tg.api_url}"\nadmins = [{ADMIN}]\n'
            f'[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = {channel}\n',
            encoding="utf-8",
        )
        monkeypatch.delenv("GOODNEWS_WEB_SECRET", raising=False)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        cli = Cli()
        cli("init")
        cli("queue", "add", "--text", "Tin một\nSẽ được gỡ.", "--approved")
        cli("queue", "add", "--text", "Tin hai\nSẽ bị hủy.", "--approved")
        slot = json.loads(cli("post", "show", "1", "--json").stdout)["slot"]
        cli("tick", "--at", slot)
        assert len(tg.messages(channel)) == 1
        config = config_module.load()
        web = make_web(config, db.make_engine(config.database_url), bot=None)
        with TestClient(create_app(web), base_url="http://testserver") as client:
            token = log_in(client, ADMIN)
            page = client.get("/posts/2").text
            assert 'id="cancel"' in page and 'id="retract"' not in page
            done = client.post("/posts/2/cancel", data={"csrf": token}, follow_redirects=False)
            assert done.headers["location"] == "/posts/2?done=cancel"
            assert status_of(client, 2) == "cancelled"

            page = client.get("/posts/1").text
            assert 'id="retract"' in page and 'id="cancel"' not in page
            assert f"https://t.me/c/500/{tg.messages(channel)[0]['message_id']}" in page
            client.post("/posts/1/retract", data={"csrf": token, "reason": "Sai ngày"})
            assert status_of(client, 1) == "retracted" and tg.messages(channel) == []
            audit = client.get("/audit", params={"action": "retract"}).text
            assert "Sai ngày" in audit


def test_the_calendar_counts_only_slots_still_to_come_as_to_fill(client: TestClient) -> None:
    """A past empty slot is a miss (the report counts it); only those to come can be filled."""
    log_in(client, ADMIN)
    today = datetime.now(UTC).astimezone(config_module.load().tz).date()
    past = client.get("/", params={"view": "week", "date": str(today - timedelta(days=14))})
    later = client.get("/", params={"view": "week", "date": str(today + timedelta(days=14))})
    # Both weeks show their eight slots (seven good news and the story) on the one channel:
    # those to come to be filled, those past as gone empty.
    assert past.text.count('class="slot missed"') == later.text.count('class="slot empty"') == 8
    assert 'class="slot empty"' not in past.text and 'class="slot missed"' not in later.text
    assert past.text.count("đã bỏ trống") == 8 and "đã bỏ trống" not in later.text
    assert "0 khung giờ trống" in past.text
    assert "8 khung giờ trống" in later.text


def test_another_units_photos_are_as_hidden_as_its_posts(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An officer who guesses another unit's photo address gets a 404, like its post page."""
    two_units(workdir)
    (workdir / "b.png").write_bytes(png(40, 40, 7))
    cli = Cli({"TELEGRAM_BOT_TOKEN": ""})
    cli("init")
    cli("queue", "add", "--text", "Tin vui\nHiến máu cứu người.", "--unit", "b",
        "--photo", str(workdir / "b.png"))  # fmt: skip
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("GOODNEWS_WEB_SECRET", raising=False)
    config = config_module.load()
    web = make_web(config, db.make_engine(config.database_url), bot=None)
    with TestClient(create_app(web)) as client:
        log_in(client, OFFICER)
        assert client.get("/posts/1").status_code == 404
        assert client.get("/posts/1/photos/1").status_code == 404
        log_in(client, ADMIN)
        photo = client.get("/posts/1/photos/1")
        assert photo.status_code == 200 and photo.content == (workdir / "b.png").read_bytes()


def test_the_audit_log_shows_its_latest_changes_when_it_is_long(
    cli: Cli, client: TestClient
) -> None:
    """Past 5,000 entries the page still shows today's changes, newest first, and the CLI
    its latest ones (oldest first): not the log's first pages."""
    start = datetime.now(UTC) - timedelta(days=30)
    with session_scope(db.make_engine(config_module.load().database_url)) as session:
        session.add_all(
            AuditEntry(
                at=start + timedelta(seconds=i), actor=ADMIN, action="edit", after=f"lần {i}"
            )
            for i in range(6000)
        )
    log_in(client, ADMIN)
    page = client.get("/audit").text
    assert page.index("lần 5999") < page.index("lần 5500") and "lần 5499" not in page
    assert "lần 5999" in client.get("/audit", params={"action": "edit"}).text
    shown = json.loads(cli("audit", "--json").stdout)
    assert [e["after"] for e in shown[-2:]] == ["lần 5998", "lần 5999"]
