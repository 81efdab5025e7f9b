"""Drafting: a short post from a recap, rendered for Telegram (HTML) and Facebook (plain text).

This first version is a lead extractor: it keeps the recap's opening sentences, in order, while
they fit the budget, skipping sentences that carry no news (the roster of officials attending).
News leads put the essentials first, and on the shared evaluation set Lead-1/Lead-2 beat the
graph rankers (see ``../shared/eval/README.md``). A ranker can replace ``_select`` later
without changing the API.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.domain.errors import RecapError
from bot.domain.posts import PostKind
from bot.domain.recaps import clean_body, clean_title, split_sentences

#: Body budgets, in characters of the joined body (``len()``).
DAILY_MAX_CHARS = 600
WEEKLY_MAX_CHARS = 1000
#: Telegram's limit for one message's text.
TELEGRAM_TEXT_LIMIT = 4096

_DEFAULT_BUDGET = {PostKind.DAILY: DAILY_MAX_CHARS, PostKind.WEEKLY: WEEKLY_MAX_CHARS}
#: How the sentences of different recap paragraphs are joined: a daily post is one short
#: paragraph, a weekly story keeps the recap's paragraphs.
_PARAGRAPH_SEPARATOR = {PostKind.DAILY: " ", PostKind.WEEKLY: "\n\n"}
_ELLIPSIS = "…"
#: Sentences that open with these list who attended: true, but not news.
_ROSTER = re.compile(
    r"^(?:dự và chủ trì|tham dự|đến dự|tới dự|cùng dự|chủ trì hội nghị"
    r"|dự (?:hội nghị|buổi|lễ|chương trình|sự kiện|ngày hội))",
    re.IGNORECASE,
)
_SENTENCE_END = (".", "!", "?", "…")
_CLOSERS = "”\"’'»)] "


@dataclass(frozen=True)
class Draft:
    """A post ready to render: ``body`` is plain text, ``hashtags`` each start with "#"."""

    kind: PostKind
    title: str
    body: str
    link: str | None
    hashtags: tuple[str, ...]


@dataclass(frozen=True)
class _Sentence:
    paragraph: int
    text: str


def draft_post(
    *,
    kind: PostKind,
    title: str,
    text: str,
    link: str | None = None,
    hashtags: Sequence[str] = (),
    max_chars: int | None = None,
) -> Draft:
    """Draft a post from a recap body (decoded, without its title line).

    The body is cleaned (:func:`bot.domain.recaps.clean_body`), split into sentences, and the
    lead sentences are kept in order while the joined body stays within ``max_chars``
    (default :data:`DAILY_MAX_CHARS` or :data:`WEEKLY_MAX_CHARS`). The first sentence is always
    kept, cut at a word with "…" when it alone is over the budget. Deterministic.

    Raises:
        RecapError: the title is empty, or nothing is left of the body once cleaned.
        ValueError: ``max_chars`` is not positive.
    """
    budget = _DEFAULT_BUDGET[kind] if max_chars is None else max_chars
    if budget < 1:
        raise ValueError(f"max_chars must be positive, got {budget}")
    clean = clean_title(title)
    if not clean:
        raise RecapError("the recap has no title")
    paragraphs = clean_body(text, title=clean)
    sentences = [
        _Sentence(at, sentence)
        for at, paragraph in enumerate(paragraphs)
        for sentence in split_sentences(paragraph)
    ]
    if not sentences:
        raise RecapError(
            "the recap has no text left once captions, bylines and footers are removed"
        )
    body = _select(_content(sentences), budget=budget, separator=_PARAGRAPH_SEPARATOR[kind])
    return Draft(
        kind=kind,
        title=clean,
        body=body,
        link=(link or "").strip() or None,
        hashtags=normalise_hashtags(hashtags),
    )


def _content(sentences: list[_Sentence]) -> list[_Sentence]:
    """The sentences worth posting; all of them if the filter would leave none.

    Skipped: rosters of attendees, and sentences without final punctuation: captions and
    labels that survived cleaning, list items and the colon lines introducing them (a lead is
    prose).
    """
    kept = [s for s in sentences if not _ROSTER.match(s.text) and _is_terminated(s.text)]
    return kept or sentences


def _select(sentences: list[_Sentence], *, budget: int, separator: str) -> str:
    """Lead sentences in order while the joined body fits ``budget``; stop at the first misfit.

    Stopping (rather than skipping to a shorter later sentence) keeps the body a coherent
    opening instead of a collage.
    """
    chosen: list[_Sentence] = []
    for sentence in sentences:
        if len(_join([*chosen, sentence], separator)) > budget:
            break
        chosen.append(sentence)
    if not chosen:
        return _cut_at_word(sentences[0].text, budget)
    return _join(chosen, separator)


def _join(sentences: list[_Sentence], separator: str) -> str:
    """Sentences of one paragraph joined by a space, paragraphs by ``separator``.

    A paragraph without final punctuation (a recap typed as bare lines) still ends its line,
    so lines do not run together into one unreadable sentence.
    """
    parts: list[str] = []
    for at, sentence in enumerate(sentences):
        if at:
            before = sentences[at - 1]
            if sentence.paragraph == before.paragraph:
                parts.append(" ")
            elif separator == " " and not _is_terminated(before.text):
                parts.append("\n")
            else:
                parts.append(separator)
        parts.append(sentence.text)
    return "".join(parts)


def _is_terminated(sentence: str) -> bool:
    return sentence.rstrip(_CLOSERS).endswith(_SENTENCE_END)


def _cut_at_word(text: str, limit: int) -> str:
    """``text`` if it fits ``limit`` characters, else its start cut at a word, plus "…"."""
    if len(text) <= limit:
        return text
    if limit <= len(_ELLIPSIS):
        return _ELLIPSIS[:limit]
    head = text[: limit - len(_ELLIPSIS)]
    if not text[len(head)].isspace():
        # The cut falls inside a word: back up to the space before it, unless the text is
        # one enormous word.
        space = head.rfind(" ")
        if space > 0:
            head = head[:space]
    return head.rstrip(" ,;:.-–—(“\"'‘") + _ELLIPSIS


def normalise_hashtags(tags: Iterable[str]) -> tuple[str, ...]:
    """Hashtags as "#word": leading "#" added, spaces and punctuation removed, duplicates dropped.

    "mùa hè xanh" becomes "#mùahèxanh"; one string holding several tags ("#a #b") gives each.
    """
    if isinstance(tags, str):
        tags = [tags]  # one string is one tag list, not a list of letters
    seen: set[str] = set()
    result: list[str] = []
    for tag in tags:
        for part in unicodedata.normalize("NFC", tag).split("#"):
            word = "".join(re.findall(r"\w+", part))
            if word and word.casefold() not in seen:
                seen.add(word.casefold())
                result.append(f"#{word}")
    return tuple(result)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render_plain(draft: Draft) -> str:
    """Facebook text: title, body, link and hashtags, each block separated by a blank line."""
    return _layout(draft.title, draft.body, draft.link, normalise_hashtags(draft.hashtags))


def render_telegram_html(draft: Draft) -> str:
    """Telegram HTML: bold title, body, link (Telegram links it), hashtags; at most 4096.

    When the message is too long the body loses whole sentences from its end, then is cut at
    a word with "…". Length is counted in UTF-16 units on the HTML itself, markup included,
    which is never less than what Telegram counts.
    """
    tags = normalise_hashtags(draft.hashtags)

    def overflow(body: str) -> int:
        return (
            _telegram_length(_telegram(draft.title, body, draft.link, tags)) - TELEGRAM_TEXT_LIMIT
        )

    body = draft.body if overflow(draft.body) <= 0 else _shorten(draft.body, overflow)
    text = _telegram(draft.title, body, draft.link, tags)
    if _telegram_length(text) <= TELEGRAM_TEXT_LIMIT:
        return text
    return _telegram_without_body(draft.title, draft.link)


def _layout(title: str, body: str, link: str | None, tags: tuple[str, ...]) -> str:
    blocks = [title, body, link or "", " ".join(tags)]
    return "\n\n".join(block for block in blocks if block)


def _telegram(title: str, body: str, link: str | None, tags: tuple[str, ...]) -> str:
    bold = f"<b>{_escape(title)}</b>" if title else ""
    escaped_link = _escape(link) if link else None
    return _layout(bold, _escape(body), escaped_link, tuple(map(_escape, tags)))


def _escape(text: str) -> str:
    """Text for Telegram HTML: & < > escaped; quotes may stay, outside attributes."""
    return html.escape(text, quote=False)


def _telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _telegram_without_body(title: str, link: str | None) -> str:
    """Only a pathological draft gets here: title, link and hashtags alone are too long.

    The hashtags go, the link too if it takes half the message, and the title is cut to fit.
    """
    if link and _telegram_length(_escape(link)) > TELEGRAM_TEXT_LIMIT // 2:
        link = None

    def overflow(cut: str) -> int:
        return _telegram_length(_telegram(cut, "", link, ())) - TELEGRAM_TEXT_LIMIT

    return _telegram(_shorten(title, overflow), "", link, ())


def _shorten(text: str, overflow: Callable[[str], int]) -> str:
    """Drop sentences from the end of ``text``, then cut words, until ``overflow`` is <= 0.

    ``overflow`` returns how many units the rendered message is over its limit.
    """
    units = _sentence_units(text)
    while len(units) > 1 and overflow(_units_text(units)) > 0:
        units.pop()
    whole = _units_text(units)
    if overflow(whole) <= 0:
        return whole
    # The longest word cut that fits. Escaping makes the rendered length grow faster than the
    # text, so search instead of subtracting; longer cuts never render shorter.
    fits, over = 0, len(whole)
    while over - fits > 1:
        middle = (fits + over) // 2
        if overflow(_cut_at_word(whole, middle)) <= 0:
            fits = middle
        else:
            over = middle
    return _cut_at_word(whole, fits)


def _sentence_units(text: str) -> list[tuple[str, str]]:
    """``text`` as (separator before, sentence) pairs, keeping its line breaks."""
    units: list[tuple[str, str]] = []
    separator = ""
    for index, part in enumerate(re.split(r"(\n+)", text)):
        if index % 2:
            separator = part if units else ""
            continue
        for sentence in split_sentences(part):
            units.append((separator, sentence))
            separator = " "
    return units


def _units_text(units: list[tuple[str, str]]) -> str:
    return "".join(separator + sentence for separator, sentence in units)
