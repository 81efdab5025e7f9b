"""Messages within Telegram's limit: 4,096 UTF-16 code units of the text left after the
HTML is parsed (tags gone, ``&amp;`` one character), which is what Telegram measures.

A message over it is refused whole ("message is too long"), and one cut blindly in the
middle of a tag is refused too ("can't parse entities: Unclosed start tag"): long texts are
split between lines, each of which our texts keep well-formed on its own.
"""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096
_TAG = re.compile(r"<[^>]*>")


def telegram_length(text: str) -> int:
    """What Telegram counts of an HTML message: UTF-16 units of its visible text."""
    shown = html.unescape(_TAG.sub("", text)).strip()
    return len(shown.encode("utf-16-le")) // 2


def fits(text: str, limit: int = MAX_TEXT) -> bool:
    return telegram_length(text) <= limit


def split_lines(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The HTML text as few messages as it takes, split between lines (each line is
    well-formed HTML on its own); a single line too long for a message is cut as plain text."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if current and not fits(candidate, limit):
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [piece for part in parts for piece in _cut(part, limit)]


def _cut(text: str, limit: int) -> list[str]:
    if fits(text, limit):
        return [text]
    shown = html.unescape(_TAG.sub("", text))
    step = limit // 2  # a code point is at most two UTF-16 units
    return [html.escape(shown[i : i + step], quote=False) for i in range(0, len(shown), step)]
