"""The dashboard in real headless Chromium (Debian's, driven by Playwright; never a
downloaded browser) against a real `goodnews run --web` and the fake Bot API: log in
through /auth/telegram, open the calendar, open a post, approve it with a click, and every
admin's chat copy is edited. Screenshots at phone and desk sizes are kept in
tests/artifacts/web/ and checked not blank."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from bot.web import auth
from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram
from tests.test_report import chromium, png_rows

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "bot" / "samples" / "recap-vi-hien-mau.txt"
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
ANN, BINH, CHANNEL = 8101, 8102, -100810
SIZES = {"phone": (390, 844), "desk": (1280, 800)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(url, timeout=2) as answer:  # noqa: S310 - our own local server
                if answer.status == 200:
                    return
        except (URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {timeout}s")
        time.sleep(0.2)


def check_not_blank(path: Path, size: tuple[int, int]) -> None:
    width, height, rows = png_rows(path.read_bytes())
    assert (width, height) == size
    assert len(set(rows)) > height // 8, f"{path.name} looks blank"


def test_log_in_open_a_post_and_approve_it_with_a_click(workdir: Path) -> None:
    browser_path = chromium()
    from playwright.sync_api import Page, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ANN, "Ann", language_code="en")
        tg.add_user(BINH, "Bình", language_code="vi")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ANN}, {BINH}]\n")
        cli("recap", "add", str(SAMPLE), "--url", "https://example.org/hien-mau")
        with running.worker(
            workdir, env, "--web", "--listen", "127.0.0.1", "--port", str(port)
        ) as proc:
            tg.wait_for_poller(timeout=20)
            wait_until_up(f"{base}/healthz")
            cli("draft")
            copies = [tg.wait_for_messages(admin, 1)[0] for admin in (ANN, BINH)]
            fields = {"id": str(ANN), "first_name": "Ann", "auth_date": str(int(time.time()))}
            signed = {**fields, "hash": auth.widget_hash(fields, tg.token)}
            login = f"{base}/auth/telegram?{urlencode(signed)}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=browser_path,
                    args=[
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-dev-shm-usage",
                    ],
                )
                try:
                    page: Page = browser.new_page(viewport={"width": 1280, "height": 800})
                    page.goto(login)
                    assert page.url == f"{base}/"
                    page.wait_for_selector(".grid .day")
                    page.click("a[href='/posts/1']")
                    page.wait_for_selector("#approve")
                    assert page.locator(".preview.telegram .text b").count() == 1
                    shoot(page, "post")
                    page.click("#approve")
                    page.wait_for_selector(".flash.ok")
                    assert page.locator(".post-head .state.scheduled").count() == 1
                    page.goto(f"{base}/?view=week")  # the approved post holds its slot now
                    assert page.locator(".slot.scheduled").count() == 1
                    shoot(page, "calendar")
                finally:
                    browser.close()
            edited = {
                str(call.params.get("chat_id"))
                for call in tg.wait_for_calls("editMessageText", 2, timeout=20)
            }
            assert edited == {str(ANN), str(BINH)}
            for admin, copy in zip((ANN, BINH), copies, strict=True):
                text = tg.message(admin, copy["message_id"])["plain_text"]
                assert text.startswith("✅ Đã duyệt bài #1 · người duyệt: Ann"), text
            assert running.stop(proc) == 0


def shoot(page: object, name: str) -> None:
    """The page at each size, kept as an artefact and checked not blank."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        path = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(path))
        check_not_blank(path, (width, height))
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture(autouse=True)
def _no_web_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOODNEWS_WEB_SECRET", raising=False)


def test_goodnews_web_serves_alone_and_stops_on_ctrl_c(workdir: Path) -> None:
    """`goodnews web` without a token: the dashboard answers, the login page says how to get
    a one-time link, and Ctrl-C stops it cleanly."""
    Cli({"TELEGRAM_BOT_TOKEN": ""})("init")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    with (workdir / "web.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "web", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
        with urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
            page = answer.read().decode()
        assert "--login-link" in page and "telegram-widget" not in page
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "stopped cleanly" in (workdir / "web.log").read_text(encoding="utf-8")
