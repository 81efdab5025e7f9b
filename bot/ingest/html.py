"""A saved news page: the article body through trafilatura, its photos through lxml.

Scripts, styles, navigation, related-article lists and footers are left behind by the
extractor; what remains still goes through the domain's noise cleaning.
"""

from __future__ import annotations

import lxml.html
import trafilatura
from lxml.etree import ParserError

from bot.domain.errors import N_, RecapError
from bot.ingest.extract import (
    Extracted,
    Image,
    image_from_data_uri,
    image_from_url,
)

#: Parts of a page whose pictures are logos, ads and thumbnails of other articles.
_CHROME = ("nav", "header", "footer", "aside", "form")
MAX_IMAGES = 10  # a Telegram album holds ten


def extract_html(html: str, *, source: str) -> Extracted:
    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_links=False,
        favor_precision=True,
    )
    if not text or not text.strip():
        raise RecapError(N_("{source}: no article text found in this page"), source=source)
    meta = trafilatura.extract_metadata(html)
    title = (meta.title or "").strip() if meta is not None else ""
    url = meta.url if meta is not None and meta.url else None
    return Extracted(
        format="html",
        text=f"{title}\n\n{text}" if title else text,
        title=title or None,
        url=url if url and url.startswith(("http://", "https://")) else None,
        images=tuple(_images(html)),
    )


def _images(html: str) -> list[Image]:
    try:
        tree = lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return []
    article = tree.find(".//article")
    scope = article if article is not None else tree
    found: list[Image] = []
    seen: set[str] = set()
    for element in scope.iter("img"):
        if any(a.tag in _CHROME for a in element.iterancestors()):
            continue
        src = (element.get("src") or element.get("data-src") or "").strip()
        image = _image(src, len(found) + 1)
        key = image.url or image.sha256 if image else ""
        if image is None or key in seen:
            continue
        seen.add(key)
        found.append(image)
        if len(found) == MAX_IMAGES:
            break
    return found


def _image(src: str, index: int) -> Image | None:
    """Only what the page itself holds (a data URI) or a web address: never a file of the
    machine reading it, whatever folder the page's name points to."""
    if src.startswith("data:"):
        return image_from_data_uri(src, index=index)
    if src.startswith(("http://", "https://")):
        return image_from_url(src, index=index)
    return None
