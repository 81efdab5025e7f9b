"""A post as it will look on each platform, from the same payload functions the publishers
use: Telegram's HTML (bold, italic, links…) made safe for a browser, the photo or album and
whether the text rides as its caption; Facebook's plain message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from bot.domain.drafting import FACEBOOK_TEXT_LIMIT, Draft, render_plain, render_telegram_html
from bot.platforms.base import OutgoingPost, Photo
from bot.platforms.telegram.render import telegram_album, telegram_caption

#: The tags Telegram's HTML parse mode knows, and what a browser shows for each.
_TAGS = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "span",
    "a": "a",
}


_URL = re.compile(r"(https?://[^\s<>\"]+[^\s<>\".,;:!?)\]])")


@dataclass(frozen=True)
class Preview:
    telegram_html: str  # safe to insert into the page
    telegram_caption: bool  # True: the text is the photo's caption; False: a message after
    telegram_photos: int  # photos in the album (at most 10)
    facebook_text: str
    photos: int


def preview(post_id: int, draft: Draft, photo_paths: list[str]) -> Preview:
    photos = tuple(Photo(Path(p), "image/jpeg") for p in photo_paths)
    outgoing = OutgoingPost(post_id, draft, photos)
    album = telegram_album(outgoing)
    caption = telegram_caption(outgoing) if album else None
    return Preview(
        telegram_html=telegram_to_browser(render_telegram_html(draft)),
        telegram_caption=caption is not None,
        telegram_photos=len(album),
        facebook_text=render_plain(draft, limit=FACEBOOK_TEXT_LIMIT),
        photos=len(photos),
    )


class _Sanitiser(HTMLParser):
    """Keeps Telegram's tags (links only to http(s) and tg:), escapes everything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = _TAGS.get(tag)
        if shown is None:
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith(("http://", "https://", "tg://")):
                href = "#"
            self.out.append(f'<a href="{escape(href)}" rel="noopener noreferrer" target="_blank">')
        elif tag == "tg-spoiler":
            self.out.append('<span class="spoiler">')
        else:
            self.out.append(f"<{shown}>")
        self.open.append(shown)

    def handle_endtag(self, tag: str) -> None:
        shown = _TAGS.get(tag)
        if shown is not None and shown in self.open:
            while self.open:
                closing = self.open.pop()
                self.out.append(f"</{closing}>")
                if closing == shown:
                    break

    def handle_data(self, data: str) -> None:
        if "a" in self.open:  # already a link's text
            self.out.append(escape(data).replace("\n", "<br>\n"))
            return
        for index, part in enumerate(_URL.split(data)):
            if index % 2:  # a bare address: Telegram shows it as a link
                href = escape(part)
                self.out.append(
                    f'<a href="{href}" rel="noopener noreferrer" target="_blank">{href}</a>'
                )
            else:
                self.out.append(escape(part).replace("\n", "<br>\n"))


def telegram_to_browser(html: str) -> str:
    """Telegram-flavoured HTML as a browser should show it; nothing else gets through."""
    parser = _Sanitiser()
    parser.feed(html)
    parser.close()
    return "".join(parser.out) + "".join(f"</{t}>" for t in reversed(parser.open))
