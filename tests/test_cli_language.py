"""The CLI speaks the configured ``language``: Vietnamese by default, English on request,
from the chat's catalogs; ids stay in the lines and ``--json`` is the same in both."""

from __future__ import annotations

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
