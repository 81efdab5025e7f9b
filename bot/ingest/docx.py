"""Word documents, as offices write their reports: paragraphs in order, embedded photos kept."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError

from bot.domain.errors import N_, RecapError
from bot.domain.recaps import decode_recap
from bot.ingest.extract import Extracted, Image, keep_photo, photo_extension

MAX_IMAGES = 10
#: What a .docx may unpack to, checked on the archive's directory before anything is read:
#: the 10 MB limit applies to the compressed file, and a 1.1 MB document can hold 300 MB of
#: XML (4 GB of memory when parsed). A long report's text is a few MB; photos barely shrink.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_XML_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 1000


def extract_docx(data: bytes, *, source: str) -> Extracted:
    try:
        check_archive(data, source=source)
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise RecapError(
            N_("{source}: not a readable Word (.docx) document ({error})"), source=source, error=exc
        ) from None
    lines = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:  # some offices lay reports out in a one-cell table
        for row in table.rows:
            lines.extend(cell.text.strip() for cell in row.cells)
    text = "\n\n".join(line for line in lines if line)
    if not text.strip():
        raise RecapError(N_("{source}: the document has no text"), source=source)
    title = (document.core_properties.title or "").strip()
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    # decode_recap normalises (NFC, line ends) exactly as for text files.
    return Extracted(
        format="docx",
        text=decode_recap(text.encode("utf-8"), source=source),
        title=title or None,
        images=tuple(_images(document)),
    )


def check_archive(data: bytes, *, source: str) -> None:
    """Refuse a document that would unpack to more than a report can be (a zip bomb).

    The sizes come from the archive's directory; zipfile never yields more than an entry
    declares, so a lying entry cannot get past them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise RecapError(
            N_(
                "{source}: the document holds {count} files, more than a Word document has "
                "({limit} at most)"
            ),
            source=source,
            count=len(entries),
            limit=MAX_ENTRIES,
        )
    unpacked = sum(entry.file_size for entry in entries)
    xml = sum(entry.file_size for entry in entries if not entry.filename.startswith("word/media/"))
    if unpacked > MAX_UNPACKED_BYTES or xml > MAX_XML_BYTES:
        raise RecapError(
            N_(
                "{source}: the document unpacks to {size:.0f} MB ({xml:.0f} MB of it text and "
                "layout), more than a report can be ({limit} MB, {xml_limit} MB of text and "
                "layout)"
            ),
            source=source,
            size=unpacked / 2**20,
            xml=xml / 2**20,
            limit=MAX_UNPACKED_BYTES // 2**20,
            xml_limit=MAX_XML_BYTES // 2**20,
        )


def _images(document: Any) -> list[Image]:
    """Photos in reading order (inline pictures as they appear), then any others."""
    part = document.part
    ordered: list[str] = []
    for shape in document.inline_shapes:
        try:
            ordered.append(shape._inline.graphic.graphicData.pic.blipFill.blip.embed)
        except AttributeError:  # a chart or a shape without a picture
            continue
    others = sorted(
        (rid for rid, rel in part.rels.items() if rel.reltype == RT.IMAGE and not rel.is_external),
        key=lambda rid: int("".join(filter(str.isdigit, rid)) or 0),
    )
    found: list[Image] = []
    for rid in dict.fromkeys([*ordered, *others]):  # keeps order, drops repeats
        image_part = part.related_parts[rid]
        mime = image_part.content_type
        name = f"image-{len(found) + 1}{photo_extension(mime)}"
        image = keep_photo(Image(name, mime, image_part.blob))
        if image is not None:
            found.append(image)
        if len(found) == MAX_IMAGES:
            break
    return found
