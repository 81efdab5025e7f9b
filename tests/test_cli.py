"""The CLI as a user types it, on embedded defaults: no tokens, so the dry-run outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.drafting import render_plain, render_telegram_html
from tests.conftest import Cli
from tests.factories import distinct_recap

MIGRATIONS = Path(__file__).resolve().parents[1] / "bot" / "storage" / "migrations" / "versions"
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


@pytest.fixture
def ready(run_cli: Cli, workdir: Path) -> Cli:
    run_cli("init")
    return run_cli


def _queue(run_cli: Cli, *extra: str) -> list[dict[str, Any]]:
    return json.loads(run_cli("queue", "--json", *extra).stdout)  # type: ignore[no-any-return]


def test_init_writes_config_and_database_then_keeps_them(run_cli: Cli, workdir: Path) -> None:
    first = run_cli("init")
    assert (workdir / "config.toml").exists() and (workdir / "goodnews.db").exists()
    assert "config.toml: written" in first.stderr
    head = sorted(p.name[:4] for p in MIGRATIONS.glob("0*.py"))[-1]
    assert f"created at revision {head}" in first.stderr
    (workdir / "config.toml").write_text(
        (workdir / "config.toml").read_text(encoding="utf-8").replace("07:30", "06:45"),
        encoding="utf-8",
    )
    second = run_cli("init")
    assert "config.toml: kept" in second.stderr and "up to date" in second.stderr
    assert "06:45" in (workdir / "config.toml").read_text(encoding="utf-8")


def test_commands_refuse_a_database_that_was_not_initialised(run_cli: Cli) -> None:
    result = run_cli("queue", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: database has no goodnews tables; run `goodnews init` to create or upgrade it"
    )


def test_recap_add_prints_the_id_and_takes_the_first_line_as_title(ready: Cli) -> None:
    result = ready("recap", "add", str(SAMPLE), "--url", "https://example.org/a")
    assert result.stdout.strip() == "1"
    title = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert ready("recap", "list").stdout.rstrip().endswith(title)
    piped = ready("recap", "add", "-", "--title", "Tiêu đề riêng", input="Dòng đầu.\nNội dung.\n")
    assert piped.stdout.strip() == "2"
    assert "Tiêu đề riêng" in ready("recap", "list").stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the recap is empty"),
        (b"   \n\n  ", "the recap is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("Café crème\nUn récit très court.".encode("cp1252"), "not UTF-8"),
        (b"Only a title line\n", "no text"),
    ],
)
def test_bad_recaps_are_refused_and_nothing_is_stored(
    ready: Cli, workdir: Path, content: bytes, message: str
) -> None:
    path = workdir / "bad.txt"
    path.write_bytes(content)
    result = ready("recap", "add", str(path), ok=False)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output
    assert ready("recap", "list").stdout == ""


def test_missing_file_and_unknown_ids_are_clear_errors(ready: Cli) -> None:
    assert "no such file" in ready("recap", "add", "nope.txt", ok=False).stderr
    for command in (["approve", "42"], ["reject", "42"]):
        result = ready(*command, ok=False)
        assert result.exit_code == 1 and result.stderr.strip() == "Error: no post with id 42"
    result = ready("draft", "--recap", "7", ok=False)
    assert result.stderr.strip() == "Error: no recap with id 7"
    result = ready("draft", ok=False)
    assert "no recap left" in result.stderr


def test_draft_approve_tick_into_the_outbox(ready: Cli, workdir: Path) -> None:
    ready("recap", "add", str(SAMPLE), "--url", "https://example.org/hien-mau")
    drafted = ready("draft")
    assert drafted.stdout.strip() == "1"
    assert "no TELEGRAM_BOT_TOKEN: admins were not messaged" in drafted.stderr
    [post] = _queue(ready)
    assert post["status"] == "pending" and post["slot"] is None and post["kind"] == "daily"
    assert "https://example.org/hien-mau" in str(post["text"])

    before = datetime.now(UTC)
    approved = ready("approve", "1")
    assert "post 1 approved: goes out" in approved.stderr
    [post] = _queue(ready)
    slot = datetime.fromisoformat(str(post["slot"]))
    assert post["status"] == "scheduled"
    assert slot.utcoffset() == timedelta(hours=7)  # shown in the configured zone
    assert before < slot <= before + timedelta(days=1)
    assert slot.astimezone(UTC).strftime("%H:%M") == "00:30"  # 07:30 in Ho Chi Minh City

    assert "was already approved" in ready("approve", "1").stderr  # harmless
    assert _queue(ready)[0]["slot"] == post["slot"]

    early = ready("tick", "--at", (slot - timedelta(minutes=1)).isoformat())
    assert early.stdout == early.stderr == ""  # silent when nothing is due: cron mails output
    verbose = ready("tick", "-v", "--at", (slot - timedelta(minutes=1)).isoformat())
    assert "nothing due" in verbose.stderr and "dry run for" in verbose.stderr
    assert not (workdir / "outbox").exists()

    done = ready("tick", "--at", slot.isoformat())
    assert "dry run for telegram-main, facebook-main" in done.stderr
    assert "FACEBOOK_PAGE_TOKEN and TELEGRAM_BOT_TOKEN not set" in done.stderr
    files = sorted(p.name for p in (workdir / "outbox").iterdir())
    assert files == ["post-1-facebook-main.json", "post-1-telegram-main.json"]
    tg = json.loads((workdir / "outbox" / "post-1-telegram-main.json").read_text(encoding="utf-8"))
    fb = json.loads((workdir / "outbox" / "post-1-facebook-main.json").read_text(encoding="utf-8"))
    assert tg["url"] == "https://api.telegram.org/bot<TELEGRAM_BOT_TOKEN>/sendMessage"
    assert tg["params"]["chat_id"] == "@your_channel" and tg["params"]["parse_mode"] == "HTML"
    assert fb["url"] == "https://graph.facebook.com/v24.0/123456789/feed"
    assert fb["params"]["message"] == post["text"]
    assert fb["params"]["link"] == "https://example.org/hien-mau"
    assert tg["params"]["text"].startswith("<b>")

    again = ready("tick", "-v", "--at", slot.isoformat())
    assert "nothing due" in again.stderr
    assert len(list((workdir / "outbox").iterdir())) == 2
    assert _queue(ready) == []
    [published] = _queue(ready, "--all")
    assert published["status"] == "published"
    assert {p["channel"]: p["status"] for p in published["publications"]} == {
        "telegram-main": "sent",
        "facebook-main": "sent",
    }


def test_outbox_text_is_the_rendered_post(ready: Cli, workdir: Path) -> None:
    from bot.config import load
    from bot.services.post_rules import as_draft
    from bot.storage import db
    from bot.storage.db import session_scope
    from bot.storage.post_rows import get_post

    ready("recap", "add", str(SAMPLE))
    ready("draft")
    ready("approve", "1")
    slot = _queue(ready)[0]["slot"]
    ready("tick", "--at", str(slot))
    engine = db.make_engine(load(None, environ={}).database_url)
    with session_scope(engine) as session:
        draft = as_draft(get_post(session, post_id=1))
    tg = json.loads((workdir / "outbox" / "post-1-telegram-main.json").read_text(encoding="utf-8"))
    fb = json.loads((workdir / "outbox" / "post-1-facebook-main.json").read_text(encoding="utf-8"))
    assert tg["params"]["text"] == render_telegram_html(draft)
    assert fb["params"]["message"] == render_plain(draft)


def test_two_approvals_take_consecutive_slots_and_weekly_takes_sunday(ready: Cli) -> None:
    for n in range(3):
        ready("recap", "add", "-", input=distinct_recap(n))
    ready("draft")
    ready("draft")
    ready("draft", "--kind", "weekly", "--recap", "1")
    for post_id in ("1", "2", "3"):
        ready("approve", post_id)
    posts = {p["id"]: p for p in _queue(ready)}
    first, second = (datetime.fromisoformat(str(posts[i]["slot"])) for i in (1, 2))
    assert second - first == timedelta(days=1)
    weekly = datetime.fromisoformat(str(posts[3]["slot"]))
    assert posts[3]["kind"] == "weekly" and weekly.strftime("%A %H:%M") == "Sunday 19:00"


def test_a_recap_is_drafted_once_per_kind(ready: Cli) -> None:
    ready("recap", "add", str(SAMPLE))
    ready("draft", "--recap", "1")
    result = ready("draft", "--recap", "1", ok=False)
    assert result.stderr.strip() == "Error: recap 1 was already drafted as a daily post"
    assert ready("draft", "--recap", "1", "--kind", "weekly").stdout.strip() == "2"


def test_reject_frees_the_slot_and_cannot_be_approved_after(ready: Cli) -> None:
    ready("recap", "add", str(SAMPLE))
    ready("recap", "add", "-", input=distinct_recap(2))
    ready("draft", "--recap", "1")
    ready("draft", "--recap", "2")
    ready("approve", "1")
    slot = _queue(ready)[0]["slot"]
    assert "post 1 rejected" in ready("reject", "1").stderr
    assert "was already rejected" in ready("reject", "1").stderr
    ready("approve", "2")
    assert {p["id"]: p["slot"] for p in _queue(ready)} == {2: slot}
    result = ready("approve", "1", ok=False)
    assert result.stderr.strip() == "Error: post 1 is rejected; it cannot be approved"
    statuses = {p["id"]: p["status"] for p in _queue(ready, "--all")}
    assert statuses == {1: "rejected", 2: "scheduled"}


def test_tick_rejects_a_bad_instant(ready: Cli) -> None:
    result = ready("tick", "--at", "tomorrow", ok=False)
    assert result.stderr.strip().startswith("Error: --at: not an ISO 8601 instant: 'tomorrow'")


def test_bad_config_is_one_line_without_traceback(run_cli: Cli, workdir: Path) -> None:
    (workdir / "config.toml").write_text('[cadence]\ndaily_at = "7h30"\n', encoding="utf-8")
    result = run_cli("queue", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: config.toml: cadence.daily_at: expected a 24-hour time HH:MM such as 07:30, "
        "got '7h30'"
    )


def test_queue_text_shows_local_slot_times(ready: Cli) -> None:
    ready("recap", "add", str(SAMPLE))
    ready("draft")
    assert "(no slot)" in ready("queue").stdout
    ready("approve", "1")
    line = ready("queue").stdout
    assert "07:30 +07" in line and "scheduled" in line


def test_demo_shows_the_flow_into_the_outbox(run_cli: Cli, workdir: Path) -> None:
    result = run_cli("demo", "--dir", "d", input="")
    outbox = sorted(p.name for p in (workdir / "d" / "outbox").iterdir())
    assert outbox == [
        "post-1-facebook-main.json",
        "post-1-telegram-main.json",
        "post-2-facebook-main.json",
        "post-2-telegram-main.json",
    ]
    assert "[ ✅ Approve ]" in result.stdout and "nothing is sent anywhere" in result.stderr


def test_weekly_story_takes_the_weeks_most_human_recap(ready: Cli, workdir: Path) -> None:
    story = SAMPLE.parent / "recap-vi-mua-he-xanh.txt"
    ready("recap", "add", str(story))
    (workdir / "hoi-nghi.txt").write_text(
        "Hội nghị tổng kết công tác Đoàn năm 2026\n"
        "Dự hội nghị có đồng chí Trần Văn A, Bí thư Thành đoàn, Phó Chủ tịch Hội đồng Đội "
        "thành phố; đồng chí Lê Thị B, Phó Bí thư Thành đoàn, Chủ tịch Hội Sinh viên.\n"
        "Hội nghị đã thông qua phương hướng nhiệm vụ công tác năm tới.\n",
        encoding="utf-8",
    )
    ready("recap", "add", "hoi-nghi.txt")  # newer, but only protocol
    ready("draft", "--kind", "weekly")
    ready("draft")  # the daily takes the newest unused recap
    by_id = {p["id"]: p for p in _queue(ready)}
    assert by_id[1]["recap_id"] == 1 and by_id[1]["kind"] == "weekly"
    assert "Vàng Thị Mai" in by_id[1]["text"]
    assert by_id[2]["recap_id"] == 2 and by_id[2]["kind"] == "daily"


def test_a_draft_of_bad_news_is_flagged_at_the_cli_too(ready: Cli, workdir: Path) -> None:
    (workdir / "tai-nan.txt").write_text(
        "Tai nạn giao thông khiến hai người tử vong\n\nSáng 3/11, trên quốc lộ 1 đã xảy ra vụ"
        " tai nạn giữa xe tải và xe máy khiến hai người tử vong tại chỗ. Lực lượng chức năng"
        " đang điều tra nguyên nhân.\n",
        encoding="utf-8",
    )
    ready("recap", "add", "tai-nan.txt")
    drafted = ready("draft", "--recap", "1")
    warning = next(line for line in drafted.stderr.splitlines() if line.startswith("⚠"))
    assert warning.startswith("⚠ may not be good news: ") and "tử vong" in warning
    # `post show` says it too, in its JSON and to people.
    shown = json.loads(ready("post", "show", "1", "--json").stdout)
    assert shown["tone"] == "negative" and "tử vong" in shown["tone_reasons"]
    human = ready("post", "show", "1").stdout
    assert "tone: negative" in human and "tử vong" in human
