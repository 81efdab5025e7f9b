"""Properties of drafting and rendering that must hold for any input (hypothesis)."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.drafting import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    Draft,
    draft_post,
    render_plain,
    render_telegram_html,
)
from bot.domain.errors import RecapError
from bot.domain.posts import PostKind

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Pieces of recap-like text: Vietnamese syllables, abbreviations, numbers, quotes,
#: punctuation, markup-like characters, emoji and every kind of whitespace.
PIECES = [
    "Chiều", "sáng", "ngày", "hội", "Đoàn", "thanh", "niên", "tình", "nguyện", "hiến", "máu",
    "bạn", "trẻ", "dọn", "sạch", "bờ", "sông", "Hồ", "Tây", "Nà", "Lừa", "anh", "chị", "em",
    "Khôi", "Mai", "kể", "nói", "được", "người", "dân", "Bí", "thư",
    "TP.", "TP HCM", "ThS.", "PGS.TS.", "Q.", "19/1", "2.500", "13,5%", "1.", "v.v.",
    ".", "!", "?", "…", "...", ",", ";", ":", "-", "–", "“", "”", '"', "'", "(", ")",
    "&", "<", ">", "<b>", "&amp;", "#", "🎉", "Ảnh:", "Video:", "Tham dự có",
    " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2028", "\r\n",
]  # fmt: skip

recap_text = st.lists(st.sampled_from(PIECES), max_size=120).map(" ".join)
any_text = st.one_of(recap_text, st.text(max_size=400))
titles = st.one_of(
    st.lists(st.sampled_from(PIECES[:40]), min_size=1, max_size=12).map(" ".join),
    st.text(max_size=80),
)
kinds = st.sampled_from(list(PostKind))
budgets = st.one_of(st.none(), st.integers(min_value=1, max_value=1500))


def draft_or_none(
    kind: PostKind, title: str, text: str, max_chars: int | None, **extra: object
) -> Draft | None:
    """The draft, or None when the recap is refused with a RecapError (allowed)."""
    try:
        return draft_post(kind=kind, title=title, text=text, max_chars=max_chars, **extra)  # type: ignore[arg-type]
    except RecapError:
        return None


class _Tags(HTMLParser):
    """Collects the tags of an HTML fragment and checks they nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[str] = []
        self.open: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.names.append(tag)
        if not self.open or self.open.pop() != tag:
            self.balanced = False


def assert_well_formed(text: str) -> None:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    assert set(parser.names) <= {"b", "a"}, parser.names
    assert parser.balanced and not parser.open
    # Outside the tags and entities we write, no raw markup character is left.
    bare = re.sub(r"</?b>|&(?:amp|lt|gt|quot|#\d+);", "", text)
    assert not re.search(r"[<>&]", bare), bare


def visible_units(text: str) -> int:
    shown = html.unescape(re.sub(r"</?b>", "", text))
    return len(shown.encode("utf-16-le")) // 2


@SETTINGS
@given(kind=kinds, title=titles, text=any_text, max_chars=budgets)
def test_the_body_never_exceeds_max_chars(
    kind: PostKind, title: str, text: str, max_chars: int | None
) -> None:
    draft = draft_or_none(kind, title, text, max_chars)
    if draft is None:
        return
    assert 0 < len(draft.body) <= (max_chars or 4000)
    assert draft.body  # a draft always says something


@SETTINGS
@given(kind=kinds, title=titles, text=any_text, max_chars=budgets)
def test_drafting_is_deterministic(
    kind: PostKind, title: str, text: str, max_chars: int | None
) -> None:
    first = draft_or_none(kind, title, text, max_chars, hashtags=["tốt"])
    assert first == draft_or_none(kind, title, text, max_chars, hashtags=["tốt"])
    if first is not None:
        assert render_telegram_html(first) == render_telegram_html(first)


@SETTINGS
@given(kind=kinds, title=titles, text=any_text, max_chars=budgets)
def test_composed_and_decomposed_input_give_the_same_draft(
    kind: PostKind, title: str, text: str, max_chars: int | None
) -> None:
    nfc = draft_or_none(kind, unicodedata.normalize("NFC", title), text, max_chars)
    nfd = draft_or_none(
        kind, unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", text), max_chars
    )
    assert nfd == draft_or_none(kind, title, unicodedata.normalize("NFC", text), max_chars)
    if nfc is not None and unicodedata.normalize("NFC", text) == text:
        assert nfd == nfc


@SETTINGS
@given(kind=kinds, title=st.text(max_size=200), text=st.text(max_size=2000))
def test_garbage_never_crashes(kind: PostKind, title: str, text: str) -> None:
    draft = draft_or_none(kind, title, text, None)  # only RecapError may be raised
    if draft is not None:
        render_plain(draft)
        render_telegram_html(draft)


drafts = st.builds(
    Draft,
    kind=kinds,
    title=any_text,
    body=st.one_of(any_text, recap_text.map(lambda t: t * 40)),
    link=st.one_of(st.none(), st.text(max_size=300)),
    hashtags=st.lists(st.text(max_size=30), max_size=5).map(tuple),
)
limits = st.one_of(
    st.sampled_from([TELEGRAM_TEXT_LIMIT, TELEGRAM_CAPTION_LIMIT]), st.integers(1, 600)
)


@SETTINGS
@given(draft=drafts, limit=limits)
def test_telegram_html_fits_its_limit_and_is_well_formed(draft: Draft, limit: int) -> None:
    text = render_telegram_html(draft, limit=limit)

    assert visible_units(text) <= limit
    assert len(text.encode("utf-16-le")) // 2 <= 2 * limit
    assert_well_formed(text)


@SETTINGS
@given(draft=drafts, limit=st.integers(1, 3000))
def test_plain_text_fits_its_limit(draft: Draft, limit: int) -> None:
    assert len(render_plain(draft, limit=limit)) <= limit


@SETTINGS
@given(kind=kinds, title=titles, text=recap_text)
def test_a_drafted_post_keeps_its_title_link_and_hashtags_in_telegram(
    kind: PostKind, title: str, text: str
) -> None:
    draft = draft_or_none(kind, title, text, None, link="https://x.example/a?b=1&c=2")
    if draft is None:
        return
    shown = html.unescape(re.sub(r"</?b>", "", render_telegram_html(draft)))
    assert shown.startswith(draft.title)
    assert shown.endswith("https://x.example/a?b=1&c=2")
