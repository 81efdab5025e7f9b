"""Test inputs built in code: photos, Word documents and saved pages like offices produce."""

from __future__ import annotations

import base64
import io
import random
import struct
import zlib

import docx


def png(width: int = 48, height: int = 48, seed: int = 1) -> bytes:
    """A real PNG of random pixels (incompressible, so well over the icon-size threshold)."""
    rng = random.Random(seed)
    raw = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def word_document(title: str, paragraphs: list[str], photos: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    document = docx.Document()
    document.add_heading(title, 0)
    for i, text in enumerate(paragraphs):
        document.add_paragraph(text)
        if i < len(photos):
            document.add_picture(io.BytesIO(photos[i]))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def saved_page(title: str, paragraphs: list[str], *, photo: bytes | None = None) -> str:
    image = (
        f'<img src="data:image/png;base64,{base64.b64encode(photo).decode()}" alt="Ảnh">'
        if photo
        else ""
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title} | Tin Nắng</title>
<meta property="og:url" content="https://tinnang.example/bai-viet-1">
<script>document.write("QUẢNG CÁO SCRIPT");</script>
<style>p {{ color: red }} .x::after {{ content: "STYLE TEXT" }}</style></head>
<body><header><nav><a href="/">Trang chủ</a> <a href="/the-thao">Thể thao</a>
<img src="data:image/png;base64,{base64.b64encode(png(60, 60, 9)).decode()}"></nav></header>
<article><h1>{title}</h1>{image}{body}</article>
<aside><h3>Tin liên quan</h3><ul><li><a href="/a">Bài khác một</a></li>
<li><a href="/b">Bài khác hai</a></li></ul></aside>
<footer>Bản quyền thuộc Tin Nắng Thủ Đô. Ghi rõ nguồn khi phát hành lại.</footer>
</body></html>"""


def distinct_recap(n: int) -> str:
    """A recap of its own story (number ``n``): recaps are refused when they repeat a stored
    one, so tests that need several recaps write several of these."""
    lines = [
        f"Chi đoàn {n} tổ chức ngày hội {n} cho thanh niên",
        *(
            f"Chi đoàn {n} tổ chức hoạt động {i} cho {n * 10 + i} bạn trẻ vào sáng ngày "
            f"{i + 1}/{n % 12 + 1}."
            for i in range(6)
        ),
    ]
    return "\n".join(lines) + "\n"
