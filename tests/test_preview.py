"""``goodnews draft preview``: drafts from files, stores nothing, one JSON object per file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.factories import png, saved_page, word_document

SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "samples"
TITLE = "Đoàn viên trồng 1.000 cây xanh ven sông Tô Lịch"
PARAGRAPHS = [
    "Sáng 29/11, hơn 200 đoàn viên quận Cầu Giấy trồng 1.000 cây xanh dọc bờ sông Tô Lịch.",
    "Chị Phạm Thu Trang, Bí thư Đoàn phường, cho biết mỗi cây có một đoàn viên chăm sóc.",
    "Người dân trong khu phố mang nước và bánh mì đến tiếp sức cho các bạn trẻ.",
]


def test_preview_of_every_format_as_json_lines(run_cli: Cli, workdir: Path) -> None:
    (workdir / "a.docx").write_bytes(word_document(TITLE, PARAGRAPHS, [png()]))
    (workdir / "b.html").write_text(saved_page(TITLE, PARAGRAPHS), encoding="utf-8")
    (workdir / "c.md").write_text(f"# {TITLE}\n\n" + "\n\n".join(PARAGRAPHS), encoding="utf-8")
    result = run_cli("draft", "preview", "a.docx", "b.html", "c.md", "--json")
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert [o["path"] for o in objects] == ["a.docx", "b.html", "c.md"]
    for obj in objects:
        # The daily template: an emoji opens the title, a call to action closes the body.
        assert obj["title"] == f"🌟 {TITLE}"
        assert obj["text"].startswith(f"🌟 {TITLE}\n\n")
        assert obj["telegram_html"].startswith(f"<b>🌟 {TITLE}</b>")
        assert "Hãy gửi cho chúng mình nhé!" in obj["text"]
        assert obj["sentences"], obj
        for sentence in obj["sentences"]:
            assert sentence in obj["text"]
        positions = [obj["text"].index(s) for s in obj["sentences"]]
        assert positions == sorted(positions)  # in the order they appear in the post
    assert objects[0]["photos"] == 1
    assert objects[1]["text"].splitlines()[-3] == "https://tinnang.example/bai-viet-1"
    assert not (workdir / "goodnews.db").exists()  # nothing stored, no database needed


def test_max_chars_caps_the_body_only(run_cli: Cli) -> None:
    sample = str(SAMPLES / "recap-vi-hien-mau.txt")
    for cap in (120, 200, 400):
        obj = json.loads(
            run_cli("draft", "preview", sample, "--max-chars", str(cap), "--json").stdout
        )
        assert 0 < obj["body_chars"] <= cap
        assert len(" ".join(obj["sentences"])) <= cap
        assert obj["text"].endswith("#MoiNgayMotTinTot")


def test_weekly_preview_is_longer(run_cli: Cli) -> None:
    sample = str(SAMPLES / "recap-vi-mua-he-xanh.txt")
    daily = json.loads(run_cli("draft", "preview", sample, "--json").stdout)
    weekly = json.loads(run_cli("draft", "preview", sample, "--kind", "weekly", "--json").stdout)
    assert daily["body_chars"] <= 600 < weekly["body_chars"] <= 1000
    assert weekly["text"].endswith("#MoiTuanMotCauChuyenDep")


def test_a_bad_file_is_reported_and_the_others_still_drafted(run_cli: Cli, workdir: Path) -> None:
    (workdir / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    (workdir / "empty.txt").write_text("   \n", encoding="utf-8")
    good = str(SAMPLES / "recap-vi-hien-mau.txt")
    result = run_cli(
        "draft", "preview", "bad.txt", good, "empty.txt", "missing.txt", "--json", ok=False
    )
    assert result.exit_code == 1
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [sorted(o) for o in objects if "error" in o] == [["error", "path"]] * 3
    assert "binary" in objects[0]["error"] or "UTF-8" in objects[0]["error"]
    assert objects[1]["path"] == good and "error" not in objects[1]
    assert objects[2]["error"] == "empty.txt: the recap is empty"
    assert objects[3]["error"].startswith("missing.txt: cannot read")
    text = run_cli("draft", "preview", "empty.txt", good, ok=False)
    assert text.stderr.strip() == "error: empty.txt: the recap is empty"
    assert "#MoiNgayMotTinTot" in text.stdout


def test_preview_html_with_scripts_never_leaks_markup(run_cli: Cli, workdir: Path) -> None:
    page = saved_page(TITLE, [*PARAGRAPHS[:2], "Kết thúc <script>alert('x')</script> buổi lễ."])
    (workdir / "p.html").write_text(page, encoding="utf-8")
    obj = json.loads(run_cli("draft", "preview", "p.html", "--json").stdout)
    assert "<script" not in obj["text"] and "alert" not in obj["text"]
    assert "QUẢNG CÁO" not in obj["text"] and "STYLE TEXT" not in obj["text"]
