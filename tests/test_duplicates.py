"""No story twice: identical recaps refused, near ones marked and not drafted again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.domain import duplicates
from tests.conftest import Cli
from tests.factories import distinct_recap

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"
ACCIDENT = (
    "Xe khách lật trên đèo, hai người tử vong\n"
    "Sáng 12/3, một xe khách mất lái lật xuống vực trên đèo. Tai nạn khiến hai người tử vong "
    "và năm người bị thương. Cơ quan chức năng đang điều tra nguyên nhân.\n"
)


@pytest.fixture
def ready(run_cli: Cli, workdir: Path) -> Cli:
    run_cli("init")
    return run_cli


def _recaps(cli: Cli) -> list[dict[str, Any]]:
    return [json.loads(line) for line in cli("recap", "list", "--json").stdout.splitlines()]


def test_normalised_text_ignores_case_accents_and_spacing() -> None:
    assert duplicates.normalise("Hòa  Bình,\nHÒA BÌNH!") == "hoa binh hoa binh"
    assert duplicates.content_hash("Thành đoàn Hà Nội.") == duplicates.content_hash(
        "thành  đoàn hà nội"
    )


def test_near_duplicate_by_shingles_and_by_headline() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    title, body = text.split("\n", 1)
    original = duplicates.fingerprint(title, body)
    edited = duplicates.fingerprint("Một tiêu đề khác hẳn cho bài này", body + "\nPV")
    match = duplicates.find(edited, [(7, original)])
    assert match is not None and match.ref == 7 and match.kind is duplicates.Kind.NEAR
    other = duplicates.fingerprint(title, distinct_recap(3))
    same_title = duplicates.find(other, [(7, original)])
    assert same_title is not None and same_title.kind is duplicates.Kind.HEADLINE
    unrelated = duplicates.fingerprint("Chi đoàn 4 tổ chức ngày hội", distinct_recap(4))
    assert duplicates.find(unrelated, [(7, original)]) is None


def test_an_identical_recap_is_refused_naming_the_first(ready: Cli) -> None:
    ready("recap", "add", str(SAMPLE))
    again = SAMPLE.read_text(encoding="utf-8").replace("\n", "\n\n").upper()
    result = ready("recap", "add", "-", input=again, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: same as recap #1"
    assert [r["id"] for r in _recaps(ready)] == [1]  # nothing stored


def test_a_near_duplicate_is_stored_marked_and_not_drafted_again(ready: Cli) -> None:
    ready("recap", "add", str(SAMPLE))
    ready("draft")
    edited = SAMPLE.read_text(encoding="utf-8").replace("Sáng 27/11", "Sáng thứ Bảy 27/11")
    ready("recap", "add", "-", input=edited)
    newest = _recaps(ready)[0]
    assert newest["id"] == 2 and newest["duplicate_of"] == 1
    refused = ready("draft", ok=False)
    assert "no recap left" in refused.stderr


def test_recap_list_shows_tone_posts_and_photos(ready: Cli) -> None:
    ready("recap", "add", str(SAMPLE))
    ready("recap", "add", "-", input=ACCIDENT)
    ready("draft", "--recap", "1")
    accident, blood = _recaps(ready)
    assert accident["tone"] == "negative"
    assert {"tai nạn", "tử vong"} <= set(accident["tone_reasons"])
    assert blood["tone"] != "negative"
    assert blood["posts"] == [{"id": 1, "kind": "daily", "status": "pending"}]
    assert blood["photos"] == 0 and blood["duplicate_of"] is None
    plain = ready("recap", "list").stdout
    assert "negative" in plain and "posts 1" in plain


def test_a_negative_recap_is_never_drafted_without_being_asked(ready: Cli) -> None:
    ready("recap", "add", "-", input=ACCIDENT)
    assert "no recap left" in ready("draft", ok=False).stderr
    assert ready("draft", "--recap", "1").stdout.strip() == "1"  # the admin may still ask


def test_recap_delete_refused_while_a_scheduled_post_uses_it(ready: Cli) -> None:
    ready("recap", "add", str(SAMPLE))
    ready("recap", "add", "-", input=distinct_recap(2))
    ready("draft", "--recap", "1")
    ready("approve", "1")
    refused = ready("recap", "delete", "1", ok=False)
    assert refused.stderr.strip() == "Error: recap 1 is used by post 1 (scheduled): it is kept"
    assert "recap 2 deleted" in ready("recap", "delete", "2").stderr
    assert [r["id"] for r in _recaps(ready)] == [1]
    assert "no recap with id 2" in ready("recap", "delete", "2", ok=False).stderr


def test_draft_preview_json_has_the_tone(ready: Cli, workdir: Path) -> None:
    (workdir / "tai-nan.txt").write_text(ACCIDENT, encoding="utf-8")
    line = ready("draft", "preview", "tai-nan.txt", "--json").stdout
    result = json.loads(line)
    assert result["tone"] == "negative"
    assert "tai nạn" in result["tone_reasons"]
