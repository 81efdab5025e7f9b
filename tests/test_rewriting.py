"""Optional rewriting: a real HTTP client against a fake OpenAI-compatible server; the guard
keeps the extractive draft whenever the server is down, slow or wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import RewriteConfig
from bot.domain.drafting import draft_post
from bot.domain.posts import PostKind
from bot.rewriting import KEY_VARIABLE, REWRITTEN, rewrite_draft
from bot.storage import db, post_rows
from tests.conftest import Cli
from tests.fakes._http import HttpResponse
from tests.fakes.completions import FakeCompletions

TITLE = "Đoàn viên phường Hồ Tây dọn sạch bờ hồ"
TEXT = (
    "Sáng 12/3, anh Nguyễn Văn An cùng 30 đoàn viên phường Hồ Tây dọn sạch 2 km bờ hồ. "
    "Người dân mang nước và bánh ra mời các bạn trẻ. Buổi ra quân kết thúc lúc 11 giờ."
)
GOOD = (
    "Sáng 12/3, anh Nguyễn Văn An và 30 đoàn viên phường Hồ Tây đã dọn sạch 2 km bờ hồ, "
    "được người dân mang nước và bánh ra cảm ơn."
)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCompletions]:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with FakeCompletions() as fake:
        yield fake


def _settings(server: FakeCompletions, timeout: float = 2.0) -> RewriteConfig:
    return RewriteConfig(
        enabled=True, base_url=server.base_url, model=server.model, timeout=timeout
    )


def _rewrite(
    server: FakeCompletions, timeout: float = 2.0
) -> tuple[str, str | None, dict[str, str]]:
    draft = draft_post(kind=PostKind.DAILY, title=TITLE, text=TEXT, max_chars=300)
    result = rewrite_draft(_settings(server, timeout), draft, source=TEXT, max_chars=300)
    return result.draft.body, result.extractive, json.loads(result.note)


def test_a_faithful_rewrite_is_used_and_the_extractive_body_kept(server: FakeCompletions) -> None:
    server.answer(GOOD)
    body, extractive, note = _rewrite(server)
    assert body == GOOD
    assert extractive is not None and extractive.startswith("Sáng 12/3, anh Nguyễn Văn An")
    assert note["template"] == REWRITTEN
    [request] = server.requests
    system, user = request["body"]["messages"]
    assert "tối đa 300 ký tự" in system["content"] and "Nguyễn Văn An" in user["content"]
    assert "authorization" not in request["headers"]


def test_the_key_comes_from_the_environment(
    server: FakeCompletions, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.api_key = "sk-local"
    server.answer(GOOD)
    assert _rewrite(server)[1] is None  # no key: 401, the extractive draft stays
    monkeypatch.setenv(KEY_VARIABLE, "sk-local")
    server.answer(GOOD)
    assert _rewrite(server)[0] == GOOD


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("Sáng 12/3, anh Nguyễn Văn An và 50 đoàn viên dọn sạch bờ hồ cho người dân.", "50"),
        ("Sáng 12/3, anh Trần Văn Bình và 30 đoàn viên dọn sạch bờ hồ cho người dân.", "Bình"),
        ("Ba mươi đoàn viên " * 40, "too long"),
        ("Thirty young volunteers cleaned the lake shore on Monday.", "not in Vietnamese"),
        ("", "too short"),
    ],
)
def test_an_unfaithful_answer_keeps_the_extractive_draft(
    server: FakeCompletions, answer: str, why: str
) -> None:
    server.answer(answer)
    body, extractive, note = _rewrite(server)
    assert extractive is None
    assert body.startswith("Sáng 12/3, anh Nguyễn Văn An cùng 30 đoàn viên")
    assert why in note["template"].format(detail=note["detail"])


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (HttpResponse(500, b'{"error": {"message": "boom"}}'), "HTTP 500"),
        (HttpResponse(200, b"<html>Bad Gateway</html>", "text/html"), "not a chat completion"),
        (HttpResponse(200, b'{"choices": []}'), "not a chat completion"),
        (HttpResponse(200, b"", drop=True), "cannot be reached"),
        (HttpResponse(200, b"{}", delay=3.0), "did not answer within 0.5 s"),
    ],
)
def test_a_server_down_slow_or_wrong_never_blocks_drafting(
    server: FakeCompletions, fault: HttpResponse, why: str
) -> None:
    server.fail_next(fault)
    body, extractive, note = _rewrite(server, timeout=0.5)
    assert extractive is None and body.startswith("Sáng 12/3")
    assert why in note["template"].format(detail=note["detail"])


def test_rewriting_is_off_by_default() -> None:
    draft = draft_post(kind=PostKind.DAILY, title=TITLE, text=TEXT)
    result = rewrite_draft(RewriteConfig(), draft, source=TEXT, max_chars=350)
    assert result.draft == draft and result.note == "" and result.extractive is None


def test_draft_with_rewriting_on_stores_both_versions(
    run_cli: Cli, workdir: Path, server: FakeCompletions
) -> None:
    run_cli("init")
    config = workdir / "config.toml"
    text = config.read_text(encoding="utf-8")
    written = 'enabled = false\nbase_url = "http://localhost:11434/v1"\nmodel = "qwen2.5:7b"\n'
    assert written in text  # `goodnews init` writes the section, off
    config.write_text(
        text.replace(
            written, f'enabled = true\nbase_url = "{server.base_url}"\nmodel = "{server.model}"\n'
        ),
        encoding="utf-8",
    )
    (workdir / "tin.txt").write_text(f"{TITLE}\n{TEXT}\n", encoding="utf-8")
    run_cli("recap", "add", "tin.txt")
    server.answer(GOOD)
    run_cli("draft")
    engine = db.make_engine(f"sqlite:///{workdir / 'goodnews.db'}")
    with db.session_scope(engine) as session:
        stored = post_rows.get_post(session, post_id=1)
        assert stored.body.startswith(GOOD)
        assert stored.body.endswith("Hãy gửi cho chúng mình nhé!")  # the template's closing
        assert stored.extractive_body is not None
        post_rows.use_extractive(session, post_id=1, by=None)
    with db.session_scope(engine) as session:
        stored = post_rows.get_post(session, post_id=1)
        assert stored.body.startswith("Sáng 12/3, anh Nguyễn Văn An cùng 30")
        assert stored.extractive_body is None
