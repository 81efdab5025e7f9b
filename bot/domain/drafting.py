"""Drafting: a short post from a recap, rendered for Telegram (HTML) and Facebook (plain text).

The recap is cleaned (:func:`bot.domain.recaps.clean_body`), split into sentences, and
:mod:`bot.domain.ranking` chooses which to keep: for a daily post the few that best restate
the title, for a weekly story the lead paragraph and the paragraphs about people. Sentences
are never reworded; the only change is a "…" where one must be cut at a word to fit.

Rendering never exceeds the channel's limit: the body loses whole sentences from its end, then
is cut at a word; the title, the link and the hashtags stay (only a title, link and hashtags
that alone exceed the limit are shortened).
"""

from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.domain import craft, story
from bot.domain.errors import RecapError
from bot.domain.posts import PostKind
from bot.domain.ranking import Selection, Sentence, cut_at_word, select_story, select_summary
from bot.domain.recaps import clean_body, clean_title, split_sentences

#: Body budgets, in characters of the joined body (``len()``).
DAILY_MAX_CHARS = 350
#: A daily post says the news in a sentence or two, like a news lead (a sapo is ~160 chars).
DAILY_MAX_SENTENCES = 2
WEEKLY_MAX_CHARS = 1000
#: Telegram's limits for one message's text and for a photo's caption, and Facebook's for a
#: post's text. Telegram counts UTF-16 code units of the text as shown (tags removed, entities
#: unescaped); Facebook counts characters.
TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
FACEBOOK_TEXT_LIMIT = 63206

_DEFAULT_BUDGET = {PostKind.DAILY: DAILY_MAX_CHARS, PostKind.WEEKLY: WEEKLY_MAX_CHARS}
#: How the sentences of different recap paragraphs are joined: a daily post is one short
#: paragraph, a weekly story keeps the recap's paragraphs.
_PARAGRAPH_SEPARATOR = {PostKind.DAILY: " ", PostKind.WEEKLY: "\n\n"}
_SENTENCE_END = (".", "!", "?", "…")
_CLOSERS = "”\"’'»)] "


@dataclass(frozen=True)
class Draft:
    """A post ready to render: ``body`` is plain text, ``hashtags`` each start with "#".

    ``sentences`` are the body's sentences in the order they appear in it (a sentence cut to
    fit appears as cut, with its "…"); empty for a draft built by hand, whose body is then
    split into sentences when it must be shortened.
    """

    kind: PostKind
    title: str
    body: str
    link: str | None
    hashtags: tuple[str, ...]
    sentences: tuple[str, ...] = ()


def draft_post(
    *,
    kind: PostKind,
    title: str,
    text: str,
    link: str | None = None,
    hashtags: Sequence[str] = (),
    max_chars: int | None = None,
    lead_with: Sequence[str] = (),
    opening: str = "",
    closing: str = "",
) -> Draft:
    """Draft a post from a recap body (decoded, without its title line).

    ``max_chars`` caps the body, the chosen sentences joined (default
    :data:`DAILY_MAX_CHARS` or :data:`WEEKLY_MAX_CHARS`); the title, link and hashtags are not
    counted. Text is compared in NFC, so composed and decomposed input give the same draft.
    Deterministic. ``lead_with``: words of a positive element (a rescue, volunteers) that a
    mixed recap's daily post leads with (see :mod:`bot.domain.tone`). ``opening`` (an emoji)
    goes before the title and ``closing`` (a call to action) after the body, as its last
    paragraph, within ``max_chars``.

    Raises:
        RecapError: the title is empty, or nothing is left of the body once cleaned.
        ValueError: ``max_chars`` is not positive.
    """
    budget = _DEFAULT_BUDGET[kind] if max_chars is None else max_chars
    if budget < 1:
        raise ValueError(f"max_chars must be positive, got {budget}")
    closing = _nfc(closing).strip()
    if closing and budget > 2 * (len(closing) + 2):
        budget -= len(closing) + 2  # the closing paragraph and its blank line
    else:
        closing = ""  # a body that short has no room for it
    clean = clean_title(_nfc(title))
    if not clean:
        raise RecapError("the recap has no title")
    paragraphs = clean_body(_nfc(text), title=clean)
    sentences = craft.tidy(
        [
            Sentence(sentence, at)
            for at, paragraph in enumerate(paragraphs)
            for sentence in split_sentences(paragraph)
        ]
    )
    sentences = _timeless(sentences)
    if not sentences:
        raise RecapError(
            "the recap has no text left once captions, bylines and footers are removed"
        )
    chosen = _choose(kind, sentences, title=clean, budget=budget, lead_with=lead_with)
    draft = Draft(
        kind=kind,
        title=clean,
        body=_join(chosen, _PARAGRAPH_SEPARATOR[kind]),
        link=_nfc(link or "").strip() or None,
        hashtags=normalise_hashtags(hashtags),
        sentences=tuple(s.text for s in chosen),
    )
    return with_template(draft, opening=_nfc(opening), closing=closing)


def _timeless(sentences: list[Sentence]) -> list[Sentence]:
    """The sentences without "chiều nay"-type dating (see :func:`craft.timeless`); all of
    them as they are if none would be left."""
    kept = []
    for sentence in sentences:
        text = craft.timeless(sentence.text)
        if text is not None:
            kept.append(Sentence(text, sentence.paragraph))
    return kept or sentences


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _choose(
    kind: PostKind,
    sentences: list[Sentence],
    *,
    title: str,
    budget: int,
    lead_with: Sequence[str] = (),
) -> list[Sentence]:
    """The ranker's choice for the kind of post, a lone over-long sentence cut to ``budget``."""
    # Between paragraphs: a daily body has one character (a space, or a line break after a
    # bare line), a weekly one a blank line. The ranker counts them to fit the budget exactly.
    gap = len(_PARAGRAPH_SEPARATOR[kind])
    if kind is PostKind.DAILY:
        lead = _positive_lead(sentences, lead_with, title=title, budget=budget)
        if lead is not None:
            return lead
        sentences, selection = _daily(sentences, title=title, budget=budget, gap=gap)
    elif len({s.paragraph for s in sentences}) == 1:
        told = story.tell(sentences, title=title, budget=budget, gap=gap)
        if told:
            return told
        selection = select_story(sentences, budget=budget, paragraph_gap=gap)
    else:
        selection = select_story(sentences, budget=budget, paragraph_gap=gap)
    chosen = [sentences[i] for i in selection.indices]
    if selection.cut:
        chosen = [Sentence(cut_at_word(chosen[0].text, budget), chosen[0].paragraph)]
    if kind is PostKind.WEEKLY:
        chosen = craft.shape_story(chosen, title=title)
    return chosen


def _positive_lead(
    sentences: list[Sentence], words: Sequence[str], *, title: str, budget: int
) -> list[Sentence] | None:
    """For a mixed recap: the first sentence that tells its positive element (and can open
    a post) leads, the news lead after it if both fit. None: no such sentence."""
    wanted = [w.casefold() for w in words if w]
    if not wanted:
        return None
    for sentence in sentences:
        text = sentence.text.casefold()
        if not any(w in text for w in wanted) or len(sentence.text) > budget:
            continue
        if not craft.can_open(sentence.text, named=title):
            continue
        lead = sentences[0]
        if lead is not sentence and len(sentence.text) + 1 + len(lead.text) <= budget:
            return [sentence, Sentence(lead.text, sentence.paragraph)]
        return [sentence]
    return None


#: How many times a daily selection is redone without a sentence that cannot open the post
#: or cannot follow the one before it.
_DAILY_TRIES = 6


def _daily(
    sentences: list[Sentence], *, title: str, budget: int, gap: int
) -> tuple[list[Sentence], Selection]:
    """The daily choice: it ends on no open question, its first sentence stands alone (refers
    back to nothing, names people in full before a short name), and a later sentence that
    does not follow its neighbour in the recap leans on nothing left out (see
    :func:`bot.domain.craft.can_follow`). A faulty sentence loses its linking words when that
    repairs it, else the choice is made again without it."""
    candidates = [s for s in sentences if craft.can_close(s.text)] or sentences
    places = list(range(len(candidates)))  # each candidate's place in the recap
    selection = Selection(())
    for _ in range(_DAILY_TRIES):
        selection = select_summary(
            candidates,
            title=title,
            budget=budget,
            paragraph_gap=gap,
            max_sentences=DAILY_MAX_SENTENCES,
        )
        fault = _first_fault(candidates, places, selection, title=title)
        if fault is None:
            break
        at, repaired = fault
        if repaired is not None:
            candidates[at] = Sentence(repaired, candidates[at].paragraph)
            continue
        if len(candidates) == 1:
            break
        del candidates[at], places[at]
    return candidates, selection


def _first_fault(
    candidates: list[Sentence], places: list[int], selection: Selection, *, title: str
) -> tuple[int, str | None] | None:
    """The first chosen sentence an editor would send back, with its repair (None: it must
    go); None when the choice reads well."""
    said = title
    full = " ".join(s.text for s in candidates)
    previous: int | None = None
    for at in selection.indices:
        text = candidates[at].text
        if previous is None:
            ok = craft.can_open(text, named=title)
        else:
            adjacent = places[at] == places[previous] + 1
            ok = craft.can_follow(text, named=said, adjacent=adjacent, full=full)
        if not ok:
            repaired = craft.repair_opening(text)
            if repaired is not None and previous is not None:
                fits = craft.can_follow(repaired, named=said, full=full)
                repaired = repaired if fits else None
            return at, repaired
        said, previous = f"{said} {text}", at
    return None


def _join(sentences: list[Sentence], separator: str) -> str:
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


def with_template(draft: Draft, *, opening: str = "", closing: str = "") -> Draft:
    """The draft with its kind's opening (an emoji before the title) and closing call to
    action (a paragraph after the body); empty ones add nothing."""
    title = f"{opening.strip()} {draft.title}" if opening.strip() else draft.title
    closing = closing.strip()
    if not closing:
        return dataclasses.replace(draft, title=title)
    return dataclasses.replace(
        draft,
        title=title,
        body=f"{draft.body}\n\n{closing}",
        sentences=(*draft.sentences, closing) if draft.sentences else (),
    )


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

#: A message from its parts (title, body, link, hashtags); and by how much such a message is
#: over its limit (zero or less: it fits).
_Render = Callable[[str, str, str | None, tuple[str, ...]], str]
_Overflow = Callable[[str, str, str | None, tuple[str, ...]], int]


def render_plain(draft: Draft, *, limit: int | None = None) -> str:
    """Facebook text: title, body, link and hashtags, each block separated by a blank line.

    With a ``limit`` (e.g. :data:`FACEBOOK_TEXT_LIMIT`), the text has at most that many
    characters: the body is shortened as the module documentation says.

    Raises:
        ValueError: ``limit`` is not positive.
    """
    if limit is None:
        return _layout(draft.title, draft.body, draft.link, normalise_hashtags(draft.hashtags))
    _check_limit(limit)

    def overflow(title: str, body: str, link: str | None, tags: tuple[str, ...]) -> int:
        return len(_layout(title, body, link, tags)) - limit

    return _fit(draft, render=_layout, overflow=overflow, limit=limit)


def render_telegram_html(draft: Draft, *, limit: int = TELEGRAM_TEXT_LIMIT) -> str:
    """Telegram HTML: bold title, body, link (Telegram links it), hashtags.

    Telegram applies its limit (:data:`TELEGRAM_TEXT_LIMIT` for a message,
    :data:`TELEGRAM_CAPTION_LIMIT` for a photo's caption) to the text after parsing the HTML:
    tags removed, an entity such as ``&amp;`` counted as the one character it stands for, in
    UTF-16 code units. That visible text is what is measured against ``limit``. The HTML
    itself is also kept within twice the limit: a guard against a body of "&" and "<", whose
    escapes would make the request much larger than what is shown. The result is always
    well-formed: one ``<b>`` element, every ``&``, ``<`` and ``>`` of the text escaped.

    Raises:
        ValueError: ``limit`` is not positive.
    """
    _check_limit(limit)

    def overflow(title: str, body: str, link: str | None, tags: tuple[str, ...]) -> int:
        shown = _utf16_length(_layout(title, body, link, tags))
        markup = _utf16_length(_telegram(title, body, link, tags))
        return max(shown - limit, markup - 2 * limit)

    return _fit(draft, render=_telegram, overflow=overflow, limit=limit)


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")


def _fit(draft: Draft, *, render: _Render, overflow: _Overflow, limit: int) -> str:
    """The draft rendered within its limit, shortening the body, else title, link, hashtags."""
    tags = normalise_hashtags(draft.hashtags)

    def body_over(body: str) -> int:
        return overflow(draft.title, body, draft.link, tags)

    body = draft.body
    if body_over(body) > 0:
        body = _shorten(_body_units(draft), body_over)
    if body_over(body) <= 0:
        return render(draft.title, body, draft.link, tags)
    return _without_body(draft.title, draft.link, render=render, overflow=overflow, limit=limit)


def _without_body(
    title: str, link: str | None, *, render: _Render, overflow: _Overflow, limit: int
) -> str:
    """Only a pathological draft gets here: title, link and hashtags alone are too long.

    The hashtags go, the link too if it takes half the message, and the title is cut to fit.
    """
    if link and overflow("", "", link, ()) + limit > limit // 2:
        link = None

    def title_over(cut: str) -> int:
        return overflow(cut, "", link, ())

    return render(_shorten(_sentence_units(title), title_over), "", link, ())


def _shorten(units: list[tuple[str, str]], overflow: Callable[[str], int]) -> str:
    """Drop sentences from the end, then cut words, until ``overflow`` is <= 0.

    ``units`` are (separator before, sentence) pairs; ``overflow`` returns how many units
    the rendered message is over its limit. The result may be empty if nothing fits.
    """
    # The most whole sentences that fit (a longer prefix never renders shorter): a binary
    # search, since dropping one sentence at a time re-renders the message once per sentence.
    kept, over = 1, len(units) + 1
    while over - kept > 1:
        middle = (kept + over) // 2
        if overflow(_units_text(units[:middle])) <= 0:
            kept = middle
        else:
            over = middle
    whole = _units_text(units[:kept])
    if overflow(whole) <= 0:
        return whole
    # The longest word cut that fits. Escaping makes the rendered length grow faster than the
    # text, so search instead of subtracting; longer cuts never render shorter.
    fits, over = 0, len(whole)
    while over - fits > 1:
        middle = (fits + over) // 2
        if overflow(cut_at_word(whole, middle)) <= 0:
            fits = middle
        else:
            over = middle
    return cut_at_word(whole, fits)


def _body_units(draft: Draft) -> list[tuple[str, str]]:
    """The body as (separator before, sentence) pairs.

    The draft's own ``sentences`` when they are what the body is made of (so a sentence is
    never split differently from how it was chosen), else the body split anew.
    """
    units: list[tuple[str, str]] = []
    cursor = 0
    for sentence in draft.sentences:
        found = draft.body.find(sentence, cursor)
        if found < 0 or draft.body[cursor:found].strip():
            return _sentence_units(draft.body)
        units.append((draft.body[cursor:found] if units else "", sentence))
        cursor = found + len(sentence)
    if not units or draft.body[cursor:].strip():
        return _sentence_units(draft.body)
    return units


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


def _utf16_length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2
