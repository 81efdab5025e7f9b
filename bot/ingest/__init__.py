"""Reading recaps in the formats offices actually have: plain text, Markdown, a saved news
page (HTML) and Word documents (.docx). Photos embedded in HTML and .docx are kept.

Everything here turns bytes into :class:`Extracted` (text plus images); the domain then cleans
and drafts from the text. Format libraries (trafilatura, python-docx) stay on this side.
"""

from __future__ import annotations

from bot.ingest.extract import MAX_RECAP_BYTES, Extracted, Image, detect_format, extract
from bot.ingest.photos import MAX_PHOTO_BYTES, PHOTO_TYPES, read_photo

__all__ = [
    "MAX_PHOTO_BYTES",
    "MAX_RECAP_BYTES",
    "PHOTO_TYPES",
    "Extracted",
    "Image",
    "detect_format",
    "extract",
    "read_photo",
]
