"""Format detection and extraction. Bad input is a one-line RecapError naming the source."""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import unquote, urlsplit

from bot.domain.errors import N_, RecapError
from bot.domain.recaps import decode_recap

Format = Literal["text", "markdown", "html", "docx"]

#: Larger inputs are refused before any parsing: a recap is a report, not an archive.
MAX_RECAP_BYTES = 10 * 1024 * 1024
#: Photos smaller than this are icons, spacers and tracking pixels, not event photos.
MIN_IMAGE_BYTES = 2048
#: Telegram's limit for a photo sent by upload (Facebook takes larger ones).
MAX_PHOTO_BYTES = 10 * 1024 * 1024

_EXTENSIONS: dict[str, Format] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".htm": "html",
    ".html": "html",
    ".xhtml": "html",
    ".docx": "docx",
}
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|article)\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Image:
    """A photo that came with a recap: its bytes, or only a URL when it was not embedded."""

    filename: str
    mime: str
    data: bytes = b""
    url: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Extracted:
    """A recap's text (title on the first line when the format has one) and its photos."""

    format: Format
    text: str
    title: str | None = None
    url: str | None = None
    images: tuple[Image, ...] = field(default_factory=tuple)


def detect_format(data: bytes, filename: str | None) -> Format:
    """By extension when there is one we know; otherwise by content (stdin, odd names)."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:4096]:
        return "docx"
    if _HTML_START.match(data[:4096].lstrip(b"\xef\xbb\xbf")):
        return "html"
    return "text"


def extract(data: bytes, *, source: str, filename: str | None = None) -> Extracted:
    """Read a recap of any supported format; raises RecapError for unusable input."""
    if len(data) > MAX_RECAP_BYTES:
        raise RecapError(
            N_("{source}: {size:.1f} MB is more than a recap can be ({limit} MB)"),
            source=source,
            size=len(data) / 2**20,
            limit=MAX_RECAP_BYTES // 2**20,
        )
    kind = detect_format(data, filename)
    if kind == "docx":
        from bot.ingest.docx import extract_docx

        return extract_docx(data, source=source)
    if kind == "html":
        from bot.ingest.html import extract_html

        return extract_html(decode_recap(data, source=source), source=source)
    return Extracted(format=kind, text=decode_recap(data, source=source))


def image_from_data_uri(uri: str, *, index: int) -> Image | None:
    """``data:image/png;base64,...`` → Image; None for anything else or a broken payload."""
    head, _, payload = uri.partition(",")
    match = re.match(r"data:(image/[\w.+-]+)(;base64)?$", head.strip(), re.IGNORECASE)
    if not match or not payload:
        return None
    mime = match.group(1).lower()
    try:
        data = (
            base64.b64decode(payload, validate=False)
            if match.group(2)
            else unquote(payload).encode("latin-1")
        )
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return keep_photo(Image(f"image-{index}{photo_extension(mime)}", mime, data))


def image_from_url(url: str, *, index: int) -> Image | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    mime = mimetypes.guess_type(PurePosixPath(parts.path).name)[0] or "image/jpeg"
    return Image(f"image-{index}{photo_extension(mime)}", mime, b"", url=url)


def keep_photo(image: Image) -> Image | None:
    """The image if it is a photo worth keeping, checked as ``queue add --photo`` checks one:
    a JPEG, PNG or WebP by its content (whatever its label says), no larger than a photo can
    be, and not an icon-sized file. Its type and name follow the content."""
    mime = sniff_photo(image.data)
    if mime is None or not MIN_IMAGE_BYTES <= len(image.data) <= MAX_PHOTO_BYTES:
        return None
    name = PurePosixPath(image.filename).stem + photo_extension(mime)
    return Image(name, mime, image.data, image.url)


def sniff_photo(data: bytes) -> str | None:
    """The MIME type of a JPEG, PNG or WebP image by its first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def photo_extension(mime: str) -> str:
    return {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/gif": ".gif",
        "image/webp": ".webp",
    }.get(mime, ".bin")
