"""Recaps in every format offices use: text, Markdown, saved pages and Word documents."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import load
from bot.domain.errors import RecapError
from bot.ingest import MAX_RECAP_BYTES, detect_format, extract
from bot.storage import db
from bot.storage.db import session_scope
from bot.storage.models import Recap, RecapPhoto
from tests.conftest import Cli
from tests.factories import png, saved_page, word_document

TITLE = "Đoàn viên trồng 1.000 cây xanh ven sông Tô Lịch"
PARAGRAPHS = [
    "Sáng 29/11, hơn 200 đoàn viên quận Cầu Giấy trồng 1.000 cây xanh dọc bờ sông Tô Lịch.",
    "Chị Phạm Thu Trang, Bí thư Đoàn phường, cho biết mỗi cây có một đoàn viên chăm sóc.",
    "Người dân trong khu phố mang nước và bánh mì đến tiếp sức cho các bạn trẻ.",
]


def test_formats_are_detected_by_extension_then_content() -> None:
    page = saved_page(TITLE, PARAGRAPHS).encode()
    document = word_document(TITLE, PARAGRAPHS)
    assert detect_format(page, "bai.html") == "html"
    assert detect_format(page, None) == "html"
    assert detect_format(document, None) == "docx"
    assert detect_format(document, "report.docx") == "docx"
    assert detect_format(b"# Heading\ntext", "a.md") == "markdown"
    assert detect_format(b"plain", None) == "text"


def test_saved_page_keeps_the_article_and_drops_scripts_styles_and_chrome() -> None:
    photo = png(seed=3)
    got = extract(
        saved_page(TITLE, PARAGRAPHS, photo=photo).encode(), source="p.html", filename="p.html"
    )
    assert got.format == "html" and got.title == TITLE
    assert got.url == "https://tinnang.example/bai-viet-1"
    assert got.text.splitlines()[0] == TITLE
    for paragraph in PARAGRAPHS:
        assert paragraph in got.text
    for junk in (
        "QUẢNG CÁO",
        "STYLE TEXT",
        "color: red",
        "Trang chủ",
        "Tin liên quan",
        "Bài khác",
        "<",
        "Bản quyền",
    ):
        assert junk not in got.text, junk
    assert [(i.mime, i.data) for i in got.images] == [("image/png", photo)]  # not the nav logo


def test_no_photo_is_ever_read_from_the_file_system_whatever_the_name(tmp_path: Path) -> None:
    # Issue #17 (8): a document named like an absolute path chose the folder its <img src>
    # were read from, and the server's file went out with the post.
    (tmp_path / "leak.png").write_bytes(png(seed=5))
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page_files" / "a.png").write_bytes(png(seed=4))
    embedded = "data:image/png;base64," + base64.b64encode(png(seed=6)).decode()
    html = saved_page(TITLE, PARAGRAPHS).replace(
        "<article>",
        f'<article><img src="leak.png"><img src="page_files/a.png"><img src="{tmp_path}/leak.png">'
        f'<img src="file://{tmp_path}/leak.png"><img src="{embedded}">'
        '<img src="https://cdn.example/anh.jpg">',
    )
    got = extract(html.encode(), source="page.html", filename=str(tmp_path / "page.html"))
    assert [i.data for i in got.images if i.data] == [png(seed=6)]  # only what it holds
    assert [i.url for i in got.images if i.url] == ["https://cdn.example/anh.jpg"]


def test_embedded_images_are_checked_like_photos_given_by_hand() -> None:
    # Issue #17 (8): text labelled image/png was kept as a photo, and a 98 KB .docx stored a
    # 60 MB "PNG" of zeros. Content decides the type; over 10 MB is not a photo.
    text_as_png = b"not an image at all; " * 200
    huge_png = b"\x89PNG\r\n\x1a\n" + bytes(11 * 1024 * 1024)
    jpeg_as_png = png(seed=8).replace(b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0PNG", 1)
    uris = [
        "data:image/png;base64," + base64.b64encode(data).decode()
        for data in (text_as_png, jpeg_as_png)
    ]
    html = saved_page(TITLE, PARAGRAPHS).replace(
        "<article>", "<article>" + "".join(f'<img src="{uri}">' for uri in uris)
    )
    got = extract(html.encode(), source="page.html", filename="page.html")
    assert [(i.mime, i.filename) for i in got.images] == [("image/jpeg", "image-1.jpg")]
    document = _with_part(
        word_document(TITLE, PARAGRAPHS, [png(seed=9)]), "word/media/image1.png", huge_png
    )
    assert extract(document, source="r.docx", filename="r.docx").images == ()


def test_a_word_document_that_unpacks_too_large_is_refused_before_parsing() -> None:
    # Issue #17 (4): 1.1 MB of .docx held 300 MB of XML and took 4 GB to parse.
    padded = word_document(TITLE, PARAGRAPHS)
    with zipfile.ZipFile(io.BytesIO(padded)) as archive:
        xml = archive.read("word/document.xml")
    bomb = xml.replace(b"<w:body>", b"<w:body><!--" + b"a" * (25 * 1024 * 1024) + b"-->", 1)
    data = _with_part(padded, "word/document.xml", bomb)
    assert len(data) < 1024 * 1024  # small as a file
    with pytest.raises(RecapError, match=r"^r\.docx: the document unpacks to 26 MB \(26 MB of it"):
        extract(data, source="r.docx", filename="r.docx")
    many = _with_parts(padded, {f"customXml/item{i}.xml": b"<a/>" for i in range(1200)})
    with pytest.raises(RecapError, match=r"^r\.docx: the document holds 12\d\d files"):
        extract(many, source="r.docx", filename="r.docx")


def _with_part(document: bytes, name: str, data: bytes) -> bytes:
    return _with_parts(document, {name: data})


def _with_parts(document: bytes, parts: dict[str, bytes]) -> bytes:
    """The .docx with these parts replaced or added (deflated, as Word writes them)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(document)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            if entry.filename not in parts:
                target.writestr(entry, source.read(entry))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def test_page_without_an_article_is_a_clear_error() -> None:
    with pytest.raises(RecapError, match=r"^empty\.html: no article text found in this page$"):
        extract(
            b"<html><body><script>x()</script></body></html>",
            source="empty.html",
            filename="empty.html",
        )


def test_word_document_paragraphs_and_photos() -> None:
    photos = [png(seed=6), png(seed=7)]
    got = extract(word_document(TITLE, PARAGRAPHS, photos), source="r.docx", filename="r.docx")
    assert got.format == "docx"
    assert got.text.split("\n\n") == [TITLE, *PARAGRAPHS]
    assert [i.data for i in got.images] == photos


def test_broken_word_document_is_a_clear_error() -> None:
    with pytest.raises(RecapError, match=r"^r\.docx: not a readable Word \(\.docx\) document"):
        extract(b"PK\x03\x04word/ not really a zip", source="r.docx", filename="r.docx")
    with pytest.raises(RecapError, match="no text"):
        extract(word_document("", []), source="e.docx", filename="e.docx")


def test_too_large_is_refused_before_parsing() -> None:
    with pytest.raises(RecapError, match=r"^big\.txt: 10\.5 MB is more than a recap can be"):
        extract(b"a" * (MAX_RECAP_BYTES + 500_000), source="big.txt", filename="big.txt")


def test_recap_add_stores_original_text_cleaned_and_photos(run_cli: Cli, workdir: Path) -> None:
    run_cli("init")
    photos = [png(seed=8), png(seed=9)]
    (workdir / "bao-cao.docx").write_bytes(word_document(TITLE, PARAGRAPHS, photos))
    # The page tells the same story with one more paragraph: a near-duplicate, stored and
    # marked (the very same text would be refused as "same as recap #1").
    more = [*PARAGRAPHS, "Buổi lễ kết thúc lúc 11 giờ trong không khí vui tươi, ấm áp."]
    (workdir / "trang.html").write_text(saved_page(TITLE, more, photo=photos[0]), encoding="utf-8")
    assert run_cli("recap", "add", "bao-cao.docx").stdout.strip() == "1"
    assert run_cli("recap", "add", "trang.html").stdout.strip() == "2"
    engine = db.make_engine(load(None, environ={}).database_url)
    with session_scope(engine) as session:
        docx_recap, html_recap = session.exec(select(Recap).order_by(Recap.id)).all()  # type: ignore[arg-type]
        photo_rows = session.exec(select(RecapPhoto).order_by(RecapPhoto.id)).all()  # type: ignore[arg-type]
    assert docx_recap.format == "docx" and docx_recap.title == TITLE
    assert docx_recap.original == (workdir / "bao-cao.docx").read_bytes()
    assert docx_recap.cleaned.split("\n\n") == PARAGRAPHS
    assert (
        html_recap.format == "html"
        and html_recap.source_url == "https://tinnang.example/bai-viet-1"
    )
    assert [(p.recap_id, p.position) for p in photo_rows] == [(1, 1), (1, 2), (2, 1)]
    for row in photo_rows:
        stored = (workdir / "media" / str(row.path)).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == row.sha256
    assert len(list((workdir / "media").rglob("*.png"))) == 2  # the same photo is stored once

    # A Word recap drafts like any other, without its heading repeated.
    run_cli("draft", "--recap", "1")
    [post] = json.loads(run_cli("queue", "--json").stdout)
    assert post["title"] == f"🌟 {TITLE}"  # the daily template `goodnews init` writes
    assert PARAGRAPHS[0] in post["text"]


def test_stdin_is_sniffed(run_cli: Cli) -> None:
    run_cli("init")
    page = saved_page(TITLE, PARAGRAPHS)
    assert run_cli("recap", "add", "-", input=page).stdout.strip() == "1"
    listed = run_cli("recap", "list").stdout
    assert TITLE in listed and "|" not in listed.split(TITLE)[1]
