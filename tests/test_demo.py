"""``goodnews demo`` as a new user runs it: no config, no tokens. It shows the day as people
see it, in the configured language (Vietnamese by default), and each run starts afresh."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Cli

#: A slot as the chat writes it ("07:30 Thứ Tư 02/12/2026 (GMT+7)"): two runs a second
#: apart may straddle a slot, so the comparison leaves the times out.
WHEN = re.compile(r"\d\d:\d\d [^\n]*?\d{4} \(GMT[+-][\d.]+\)")


@pytest.fixture
def vi(run_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI in its default language: no $GOODNEWS_LANGUAGE, no config file."""
    monkeypatch.delenv("GOODNEWS_LANGUAGE")
    return run_cli


def test_the_demo_shows_the_approval_message_and_both_posts_in_vietnamese(vi: Cli) -> None:
    result = vi("demo", "--dir", "d")
    shown = result.stdout
    assert shown.count("Quản trị viên nhận được tin nhắn này trên Telegram:") == 2
    assert "📝 Bản nháp #1 · Tin tốt mỗi ngày" in shown and "📝 Bản nháp #2" in shown
    assert "[ ✅ Duyệt ]  [ 🕒 Đổi giờ ]  [ ❌ Từ chối ]" in shown
    assert shown.count("── Kênh Telegram telegram-main, lúc ") == 2
    assert shown.count("── Trang Facebook facebook-main, lúc ") == 2
    assert "<b>" not in shown and '"params"' not in shown  # text as people read it, not API JSON
    assert "không có gì được gửi đi" in result.stderr
    assert "đã duyệt bài #1" in result.stderr and "đã duyệt bài #2" in result.stderr


def test_a_second_run_starts_afresh_with_the_same_posts(vi: Cli, workdir: Path) -> None:
    first = vi("demo", "--dir", "d")
    (workdir / "d" / "keep.txt").write_text("not the demo's", encoding="utf-8")
    second = vi("demo", "--dir", "d")
    assert WHEN.sub("<when>", second.stdout) == WHEN.sub("<when>", first.stdout)
    assert WHEN.sub("<when>", second.stderr) == WHEN.sub("<when>", first.stderr)
    assert "#3" not in second.stdout + second.stderr  # no third post piled on the first two
    assert sorted(p.name for p in (workdir / "d" / "outbox").iterdir()) == [
        "post-1-facebook-main.json",
        "post-1-telegram-main.json",
        "post-2-facebook-main.json",
        "post-2-telegram-main.json",
    ]
    assert (workdir / "d" / "keep.txt").exists()  # only the demo's own files are removed


def test_the_demo_follows_the_configured_language(vi: Cli, workdir: Path) -> None:
    (workdir / "config.toml").write_text('language = "en"\n', encoding="utf-8")
    result = vi("demo", "--dir", "d")
    assert "The admins get this in Telegram:" in result.stdout
    assert "[ ✅ Approve ]  [ 🕒 Reschedule ]  [ ❌ Reject ]" in result.stdout
    assert "── The Facebook Page facebook-main, at " in result.stdout
    assert "Quản trị viên" not in result.stdout and "nothing is sent anywhere" in result.stderr
