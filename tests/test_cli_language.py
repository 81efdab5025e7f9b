"""The CLI speaks the configured ``language``: Vietnamese by default, English on request,
from the chat's catalogs; ids stay in the lines and ``--json`` is the same in both."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import Cli

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


@pytest.fixture
def vi(run_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI as a new user has it: no $GOODNEWS_LANGUAGE, the default config."""
    monkeypatch.delenv("GOODNEWS_LANGUAGE")
    return run_cli


def _set_language(workdir: Path, language: str) -> None:
    path = workdir / "config.toml"
    text = path.read_text(encoding="utf-8")
    assert 'language = "vi"' in text
    path.write_text(text.replace('language = "vi"', f'language = "{language}"'), encoding="utf-8")


def test_by_default_the_cli_speaks_vietnamese_and_keeps_the_ids(vi: Cli) -> None:
    init = vi("init")
    assert "config.toml: đã tạo" in init.stderr and "cơ sở dữ liệu" in init.stderr
    added = vi("recap", "add", str(SAMPLE))
    assert added.stdout.strip() == "1"  # the id alone on stdout, for scripts
    assert added.stderr.startswith("đã lưu bài gốc #1: ")
    drafted = vi("draft")
    assert drafted.stdout.strip() == "1"
    assert "đã soạn bài #1 (tin hằng ngày), dự kiến đăng lúc " in drafted.stderr
    assert "chưa có TELEGRAM_BOT_TOKEN" in drafted.stderr
    assert vi("approve", "1").stderr.startswith("đã duyệt bài #1: sẽ đăng lúc ")
    queue = vi("queue").stdout
    assert "Khung giờ 14 ngày tới" in queue and "đã lên lịch" in queue
    assert vi("post", "cancel", "1").stderr.strip() == "đã huỷ bài #1"


def test_refusals_are_one_vietnamese_line(vi: Cli) -> None:
    missing = vi("queue", ok=False)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        "Lỗi: cơ sở dữ liệu chưa có bảng của goodnews; hãy chạy `goodnews init` để tạo hoặc "
        "nâng cấp"
    )
    vi("init")
    assert vi("approve", "99", ok=False).stderr.strip() == "Lỗi: không có bài #99"
    vi("recap", "add", str(SAMPLE))
    vi("draft")
    vi("post", "cancel", "1")
    refused = vi("approve", "1", ok=False)  # the status is said in Vietnamese too
    assert refused.stderr.strip() == (
        "Lỗi: bài #1 đang ở trạng thái “đã huỷ” nên không thể duyệt"
    ), refused.stderr
    assert vi("recap", "add", "nope.txt", ok=False).stderr.strip() == (
        "Lỗi: nope.txt: không có tệp này"
    )


def test_language_en_in_the_config_gives_english(vi: Cli, workdir: Path) -> None:
    vi("init")
    _set_language(workdir, "en")
    assert vi("recap", "add", str(SAMPLE)).stderr.startswith("recap 1 stored: ")
    assert "post 1 drafted (daily), would go out " in vi("draft").stderr
    assert vi("approve", "99", ok=False).stderr.strip() == "Error: no post with id 99"


def test_the_environment_overrides_the_config(vi: Cli, workdir: Path) -> None:
    vi("init")
    assert vi("recap", "list").stderr == ""
    override = Cli(env={"GOODNEWS_LANGUAGE": "en"})
    assert override("recap", "delete", "7", ok=False).stderr.strip() == (
        "Error: no recap with id 7"
    )
    assert vi("recap", "delete", "7", ok=False).stderr.strip() == "Lỗi: không có bài gốc #7"


def test_json_output_is_the_same_in_both_languages(vi: Cli, workdir: Path) -> None:
    vi("init")
    vi("recap", "add", str(SAMPLE))
    vi("draft")
    vi("approve", "1")
    vietnamese = vi("queue", "--json").stdout
    _set_language(workdir, "en")
    assert vi("queue", "--json").stdout == vietnamese
    assert '"status": "scheduled"' in vietnamese


def test_check_speaks_vietnamese_and_its_json_stays_english(vi: Cli) -> None:
    vi("init")  # the default config's channels, no tokens: each one in dry-run mode
    result = vi("check", ok=False)
    assert result.exit_code == 1
    assert "○ " in result.stdout and "chế độ chạy thử: chưa đặt TELEGRAM_BOT_TOKEN" in result.stdout
    assert "  Để đăng thật: " in result.stdout and "To go live" not in result.stdout
    assert "kênh chưa đăng thật được" in result.stderr and "kênh đang chạy thử" in result.stderr
    lines = [json.loads(line) for line in vi("check", "--json", ok=False).stdout.splitlines()]
    assert lines and all(line["problem"].startswith("dry-run mode: ") for line in lines)
    assert all("run goodnews check again" in line["fix"] for line in lines)


def test_health_says_why_in_vietnamese(vi: Cli) -> None:
    missing = vi("health", ok=False)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        "không ổn: cơ sở dữ liệu chưa có bảng của goodnews; hãy chạy `goodnews init` để tạo "
        "hoặc nâng cấp"
    )
    vi("init")
    assert vi("health", ok=False).stderr.strip() == (
        "không ổn: chưa có tín hiệu hoạt động: tiến trình chạy nền (`goodnews run`) đã được "
        "bật chưa?"
    )
    vi("tick")  # beats once
    fresh = vi("health", "--max-age", "1h").stderr.strip()
    assert re.fullmatch(r"ổn: tín hiệu hoạt động gần nhất cách đây \d+ giây", fresh), fresh


def test_audit_names_actions_and_the_command_line_in_the_language(vi: Cli, workdir: Path) -> None:
    vi("init")
    vi("recap", "add", str(SAMPLE))
    vi("draft")
    vi("approve", "1")
    line = vi("audit").stdout.strip()
    assert "dòng lệnh" in line and "đã duyệt" in line and "bài #1" in line, line
    # The states in words, the slot the approval gave in local time (stored in UTC).
    assert re.search(r"chờ duyệt → đã lên lịch Th \d \d\d/\d\d/\d{4} 07:30 \+07$", line), line
    assert json.loads(vi("audit", "--json").stdout)[0]["action"] == "approve"
    _set_language(workdir, "en")
    line = vi("audit").stdout.strip()
    assert " cli " in line and " approve " in line and " post 1 " in line, line
    assert re.search(r"pending → scheduled \w{3} \d{4}-\d\d-\d\d 07:30 \+07$", line), line


def test_tables_and_file_errors_follow_the_language(vi: Cli, workdir: Path) -> None:
    vi("init")
    assert vi("stats").stdout.startswith("Bài nổi bật ")
    assert vi("report").stdout.startswith("Mức độ giữ nhịp đăng bài ")
    failed = vi("draft", "preview", "missing.txt", ok=False)
    assert failed.stderr.startswith("lỗi: missing.txt: không đọc được: "), failed.stderr
    preview = json.loads(vi("draft", "preview", "missing.txt", "--json", ok=False).stdout)
    assert preview["error"].startswith("missing.txt: cannot read: ")
    saved = vi("backup", str(workdir / "nightly.db")).stderr
    assert saved.startswith("cơ sở dữ liệu → "), saved
    again = vi("backup", str(workdir / "nightly.db"), ok=False).stderr.strip()
    assert again.endswith(
        ": đã có tệp này; hãy chọn đường dẫn khác (bản sao lưu không bao giờ ghi đè)"
    )
    _set_language(workdir, "en")
    assert vi("stats").stdout.startswith("Top posts ")
    assert vi("report").stdout.startswith("Cadence compliance ")
