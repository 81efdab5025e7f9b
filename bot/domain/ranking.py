"""Choosing sentences: the few that summarise a recap, and the passages that tell its story.

Extractive and explainable: sentences are chosen, never reworded, by a handful of surface
features over Vietnamese syllables (NFC, lower-cased ``\\w+`` runs; Vietnamese writes one
syllable per token, so no word segmenter is needed). Pure standard library, deterministic:
every tie goes to the earlier sentence.

**Summary** (the daily post). A news lead restates the headline with its details (who, what,
where, the result). A set of sentences is worth:

- *title coverage*: the share of the title's syllables and syllable pairs that the sentences
  contain, counted once however many sentences repeat them (saying the title twice adds
  nothing). Pairs reward keeping the title's word order.
- *centrality*, per syllable: how much a sentence shares with the rest of the recap (the mean,
  over its syllables and pairs, of the share of the other sentences containing them).
  Off-topic asides, stray captions and boilerplate share little.
- minus a *lead-position* cost per syllable: none for the first sentence, more for later
  ones (``LEAD_COST * rank / (rank + 1)``). Journalists put the essentials first, so a later
  sentence must be more relevant to earn its place.
- minus a cost per *sentence* after the first (each is a jump for the reader), plus a small
  bonus for a sentence that opens with a *dateline* ("Chiều 19/1, ..."), the way a report of
  the event itself opens.

Sentences are added greedily by marginal value while one fits the budget and adds value
(title coverage is a coverage function, for which greedy selection is the standard
approximation), then kept in document order. So the body stops when the next sentence adds
less than it costs: a post that says the news beats a padded one. The costs are set for a
200-character post and shrink in proportion for longer budgets. When one over-long
sentence, cut at a word, is worth more than any fitting set (news leads are often longer
than a short budget), it is used instead.

Not prose, so left out while prose exists: captions and labels (no final punctuation, or a
leading "Ảnh:"/"Video:" credit) and rosters of officials attending. Direct speech (a
sentence that opens a quotation, or ends one it never opened) counts half per syllable: a
lead reports, it rarely quotes.

**Story** (the weekly post) keeps whole paragraphs in their order, opening with the lead
paragraph, and prefers the paragraphs about people: named persons, their own words, concrete
deeds with numbers; a paragraph dense with official titles is left out.

The constants are few and round. They were set on the even-numbered articles of the shared
evaluation set (``benchmarks/drafting_eval.py --split even``) and checked on the odd ones;
ROUGE moves by less than the difference between the two halves across a wide range of each.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

#: Weight of a sentence's centrality per syllable, relative to title coverage (which counts 1
#: for the whole title).
CENTRALITY = 0.55
#: Cost per syllable of a sentence far from the lead (the first sentence costs nothing, the
#: second half of this, later ones up to all of it).
LEAD_COST = 0.025
#: Syllables in a typical lead (a news sapo is about 150 characters, ~30 syllables):
#: per-syllable terms are divided by it, so a lead-long sentence weighs about as much as the
#: title does.
LEAD_SYLLABLES = 30
#: What each sentence after the first costs: a jump the reader must follow. Fewer, fuller
#: sentences read better than a collage of fragments.
SENTENCE_COST = 0.09
#: What a sentence opening with a dateline ("Chiều 19/1, ...", "Sáng nay, ...") earns: it
#: reports the event itself, when and who, as a recap's own lead does.
DATELINE_BONUS = 0.05
#: What a dateline earns besides when it opens the recap's prose: that is the report's own
#: lead ("Chiều 19/1, Thành đoàn Hà Nội tổ chức ..."), not a caption or an aside.
LEAD_BONUS = 0.3
#: How much the words of a sentence opening with a quotation count: a lead reports, it
#: rarely quotes (the title words it contains still count in full).
QUOTE_FACTOR = 0.5
#: What a sentence cut with "…" loses against whole sentences: the cut is used only when the
#: long sentence is clearly better than anything that fits.
CUT_PENALTY = 0.02
#: The body length (characters) the costs above were set for: the evaluation's budget, a
#: little over a news lead. Longer budgets lower the costs in proportion.
COSTS_SET_FOR = 200

_ELLIPSIS = "…"
_SENTENCE_END = (".", "!", "?", _ELLIPSIS)
_CLOSERS = "”\"’'»)] "
_QUOTE_OPENERS = ("“", '"', "‘", "'", "«")
_QUOTE_MARK = re.compile(r"[“”\"«»]")
_SYLLABLE = re.compile(r"\w+")
#: Sentences that open with these list who attended: true, but not news.
_ROSTER = re.compile(
    r"^(?:dự và chủ trì|tham dự|đến dự|tới dự|cùng dự|chủ trì hội nghị"
    r"|dự (?:hội nghị|buổi|lễ|chương trình|sự kiện|ngày hội))",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^(?:(?:rạng |sáng |trưa |chiều |tối |đêm |ngày |hôm )+(?:qua|nay|mai|\d{1,2}[/-]\d{1,2})"
    r"|(?:sáng|trưa|chiều|tối|đêm|ngày|hôm) (?:thứ \w+|chủ nhật)"
    r"|(?:cuối|đầu|giữa)? ?(?:tháng|năm) \d)",
    re.IGNORECASE,
)
#: A photo or video credit glued in front of a sentence by a scraper ("Video: Trần Quang Dưới
#: cái nắng..."): the sentence's start is not prose.
_CREDIT = re.compile(
    r"^\(?\s*(?:ảnh|video|clip|nguồn|đồ họa|đồ hoạ|infographic)\s*:", re.IGNORECASE
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a cleaned recap and the paragraph it belongs to (0-based)."""

    text: str
    paragraph: int


@dataclass(frozen=True)
class Selection:
    """Indices of the chosen sentences, in document order.

    ``cut`` is true when the selection is one sentence longer than the budget, to be
    shortened at a word with "…" (see :func:`cut_at_word`).
    """

    indices: tuple[int, ...]
    cut: bool = False


def syllables(text: str) -> list[str]:
    """NFC, lower-cased ``\\w+`` runs: Vietnamese syllables with their diacritics."""
    return _SYLLABLE.findall(unicodedata.normalize("NFC", text).lower())


def _grams(tokens: Sequence[str]) -> frozenset[str]:
    """Syllables and adjacent pairs ("a b": a pair has a space, a syllable never does)."""
    pairs = (f"{a} {b}" for a, b in pairwise(tokens))
    return frozenset((*tokens, *pairs))


def is_prose(text: str) -> bool:
    """A sentence of the article, not a caption, label, credit or roster of attendees."""
    return (
        text.rstrip(_CLOSERS).endswith(_SENTENCE_END)
        and not _ROSTER.match(text)
        and not _CREDIT.match(text)
    )


def is_dateline(text: str) -> bool:
    """The sentence opens with when it happened ("Chiều 19/1, ...", "Cuối tháng 2/2019, ...")."""
    return _DATELINE.match(text) is not None


def is_quotation(text: str) -> bool:
    """Direct speech: the sentence opens with a quotation mark, or closes a quotation that it
    never opened (the end of a quotation that a scraper's paragraph break cut in two)."""
    if text.startswith(_QUOTE_OPENERS):
        return True
    first = _QUOTE_MARK.search(text)
    if first is None:
        return False
    mark, at = first.group(), first.start()
    if mark == '"':
        after = text[at + 1 : at + 2]
        return at > 0 and not text[at - 1].isspace() and (not after or not after.isalnum())
    return mark in "”»"


def cut_at_word(text: str, limit: int) -> str:
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


def joined_length(
    sentences: Sequence[Sentence], indices: Sequence[int], *, paragraph_gap: int
) -> int:
    """Characters of the chosen sentences (in document order) once joined.

    One space between sentences of a paragraph, ``paragraph_gap`` characters between
    paragraphs: how :mod:`bot.domain.drafting` lays a body out.
    """
    total = 0
    previous: Sentence | None = None
    for index in sorted(indices):
        sentence = sentences[index]
        if previous is not None:
            total += 1 if sentence.paragraph == previous.paragraph else paragraph_gap
        total += len(sentence.text)
        previous = sentence
    return total


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scored:
    """What the summary objective needs of one candidate sentence."""

    index: int
    syllables: int
    title_grams: frozenset[str]  # the title's grams that this sentence contains
    relevance: float  # its value besides title coverage, per LEAD_SYLLABLES syllables


def select_summary(
    sentences: Sequence[Sentence],
    *,
    title: str,
    budget: int,
    paragraph_gap: int = 1,
    max_sentences: int | None = None,
) -> Selection:
    """The sentences that best summarise the recap within ``budget`` characters.

    See the module documentation for the features. Only prose is chosen while the recap has
    any; the selection is never empty when ``sentences`` is not.
    """
    if not sentences:
        return Selection(())
    title_grams = _grams(syllables(title))
    # The costs are set for a post of COSTS_SET_FOR characters; a budget k times larger asks
    # for about k times more text, so each cost is divided by k (never multiplied).
    scale = min(1.0, COSTS_SET_FOR / budget)
    scored = _score_summary(sentences, title_grams, scale)
    chosen, value = _greedy(
        sentences,
        scored,
        title_size=len(title_grams),
        budget=budget,
        paragraph_gap=paragraph_gap,
        scale=scale,
        max_sentences=max_sentences,
    )
    cut = _best_cut(sentences, scored, title_grams, budget)
    if cut is not None and (not chosen or cut[1] > value):
        return Selection((cut[0],), cut=True)
    return Selection(tuple(sorted(chosen)))


def _score_summary(
    sentences: Sequence[Sentence], title: frozenset[str], scale: float
) -> list[_Scored]:
    """Features of the candidates: the prose, or every sentence if there is none."""
    tokens = [syllables(s.text) for s in sentences]
    grams = [_grams(t) for t in tokens]
    centrality = _centrality(grams)
    prose = [i for i, s in enumerate(sentences) if tokens[i] and is_prose(s.text)]
    candidates = prose or [i for i, t in enumerate(tokens) if t] or [0]
    scored: list[_Scored] = []
    for rank, index in enumerate(candidates):
        text = sentences[index].text
        per_syllable = CENTRALITY * centrality[index] - scale * LEAD_COST * rank / (rank + 1)
        if is_quotation(text):
            per_syllable *= QUOTE_FACTOR
        relevance = per_syllable * len(tokens[index]) / LEAD_SYLLABLES
        if _DATELINE.match(text):
            relevance += DATELINE_BONUS + (LEAD_BONUS if rank == 0 else 0.0)
        scored.append(_Scored(index, len(tokens[index]), grams[index] & title, relevance))
    return scored


def _centrality(grams: Sequence[frozenset[str]]) -> list[float]:
    """For each sentence, the mean share of the other sentences containing each of its grams."""
    frequency: Counter[str] = Counter()
    for sentence in grams:
        frequency.update(sentence)
    others = max(1, len(grams) - 1)
    return [
        sum(frequency[g] - 1 for g in sentence) / (len(sentence) * others) if sentence else 0.0
        for sentence in grams
    ]


def _greedy(
    sentences: Sequence[Sentence],
    scored: Sequence[_Scored],
    *,
    title_size: int,
    budget: int,
    paragraph_gap: int,
    scale: float,
    max_sentences: int | None = None,
) -> tuple[list[int], float]:
    """Add the fitting sentence of highest marginal value while one adds value.

    The first is taken even at a loss, so a recap with a fitting sentence is never left
    empty. Returns the chosen indices and their total value.
    """
    chosen: list[int] = []
    covered: set[str] = set()
    total = 0.0
    remaining = list(scored)
    while remaining and (max_sentences is None or len(chosen) < max_sentences):
        best: tuple[float, _Scored] | None = None
        for item in remaining:
            length = joined_length(sentences, [*chosen, item.index], paragraph_gap=paragraph_gap)
            if length > budget:
                continue
            new_title = len(item.title_grams - covered) / title_size if title_size else 0.0
            gain = new_title + item.relevance - (scale * SENTENCE_COST if chosen else 0.0)
            if best is None or gain > best[0]:  # strict: a tie keeps the earlier sentence
                best = (gain, item)
        if best is None or (best[0] <= 0 and chosen):
            break
        gain, item = best
        chosen.append(item.index)
        covered |= item.title_grams
        total += gain
        remaining.remove(item)
    return chosen, total


def _best_cut(
    sentences: Sequence[Sentence],
    scored: Sequence[_Scored],
    title: frozenset[str],
    budget: int,
) -> tuple[int, float] | None:
    """The over-long candidate whose start, cut at a word to ``budget``, is worth the most.

    Its value counts the title grams of the part kept and its relevance in proportion.
    """
    best: tuple[int, float] | None = None
    for item in scored:
        text = sentences[item.index].text
        if len(text) <= budget:
            continue
        kept = syllables(cut_at_word(text, budget))
        share = len(kept) / max(1, item.syllables)
        title_part = len(_grams(kept) & title) / len(title) if title else 0.0
        value = title_part + item.relevance * share - CUT_PENALTY
        if best is None or value > best[1]:
            best = (item.index, value)
    return best


# --------------------------------------------------------------------------------------------
# Story
# --------------------------------------------------------------------------------------------

#: Words that put a person's name after them ("anh Khôi", "chị Hà", "em Páo", "cô Lan").
_PERSON_MARKERS = frozenset(
    {"anh", "chị", "em", "bà", "ông", "cô", "chú", "bác", "cháu", "cụ", "bé", "thầy", "bạn"}
)
_AGE = re.compile(r"\b\d{1,3} tuổi\b")
#: Words in a Vietnamese full name (family, middle, given): "Vàng Thị Mai".
_FULL_NAME_WORDS = 3
#: Direct speech: a quotation of a few words at least (not a quoted title of one word).
_SPEECH = re.compile(r"[“\"«][^”\"»]{12,}[”\"»]")
_NUMBER = re.compile(r"\d")
#: Titles of officials: a passage that names several is about protocol, not people's deeds.
_OFFICIAL = re.compile(
    r"\b(?:bí thư|chủ tịch|ủy viên|uỷ viên|giám đốc|trưởng ban|thường vụ|thường trực"
    r"|đồng chí|ban chấp hành|đại biểu)\b",
    re.IGNORECASE,
)
#: One official title is a person's job; from this many on, the sentence is protocol.
_OFFICIALS_IN_PROTOCOL = 2


def select_story(
    sentences: Sequence[Sentence], *, budget: int, paragraph_gap: int = 2
) -> Selection:
    """Whole paragraphs for a story, in their order, within ``budget`` characters.

    The lead paragraph opens the story (it says who, what and where); the other paragraphs
    are added best first while they fit, best being the most human (see :func:`human_score`)
    and, among equals, the earliest. Paragraphs that are mostly protocol are left out; only
    prose sentences are kept of each paragraph. If the lead paragraph does not fit whole, its
    first sentences do; if not even its first sentence fits, that sentence is cut.
    """
    prose = [i for i, s in enumerate(sentences) if is_prose(s.text)]
    candidates = prose or list(range(len(sentences)))
    if not candidates:
        return Selection(())
    paragraphs = _paragraph_units(sentences, candidates)
    lead, rest = paragraphs[0], paragraphs[1:]
    chosen = _fitting_prefix(sentences, lead, budget, paragraph_gap)
    if not chosen:
        return Selection((lead[0],), cut=True)
    scores = [_paragraph_score(sentences, p) for p in rest]
    ranked = sorted(
        (at for at, score in enumerate(scores) if score >= 0), key=lambda at: (-scores[at], at)
    )
    for paragraph in (rest[at] for at in ranked):
        if joined_length(sentences, [*chosen, *paragraph], paragraph_gap=paragraph_gap) <= budget:
            chosen.extend(paragraph)
    return Selection(tuple(sorted(chosen)))


def story_potential(paragraphs: Sequence[str]) -> float:
    """How good a weekly story a recap could make: the human-centred paragraphs it has.

    Rosters of officials count nothing (they are not negative here: a recap is not worse for
    listing who attended, only no better).
    """
    return sum(max(0.0, human_score(paragraph)) for paragraph in paragraphs)


def human_score(text: str) -> float:
    """How much a sentence is about people: a named person, their words, a concrete deed.

    +1 for a person (a kinship word or title before a capitalised name, or an age), +1 for
    direct speech, +0.5 for a number (120 books, 2 km of road), -1 when it names two or more
    officials' titles (protocol: who chaired, who attended).
    """
    score = 0.0
    if _names_a_person(text):
        score += 1
    if _SPEECH.search(text):
        score += 1
    if _NUMBER.search(text):
        score += 0.5
    if len(_OFFICIAL.findall(text)) >= _OFFICIALS_IN_PROTOCOL:
        score -= 1
    return score


def _names_a_person(text: str) -> bool:
    """An age, a kinship word or title before a capitalised name ("chị Hà"), or a full
    Vietnamese name of three capitalised words inside the sentence ("do Vàng Thị Mai phụ
    trách")."""
    if _AGE.search(text):
        return True
    words = text.split()
    if any(
        before.lower() in _PERSON_MARKERS and word[:1].isupper() for before, word in pairwise(words)
    ):
        return True
    run = 0
    for word in words[1:]:
        run = run + 1 if word[:1].isupper() else 0
        if run >= _FULL_NAME_WORDS:
            return True
        if word[-1:] in ",;:.()":
            run = 0  # a name ends at punctuation: "Lê An, Bí thư" is two runs
    return False


def _paragraph_units(sentences: Sequence[Sentence], candidates: Sequence[int]) -> list[list[int]]:
    """The candidates grouped by paragraph, in document order."""
    units: list[list[int]] = []
    for index in candidates:
        if units and sentences[units[-1][-1]].paragraph == sentences[index].paragraph:
            units[-1].append(index)
        else:
            units.append([index])
    return units


def _paragraph_score(sentences: Sequence[Sentence], paragraph: Sequence[int]) -> float:
    """Mean :func:`human_score` of the paragraph's sentences."""
    return sum(human_score(sentences[i].text) for i in paragraph) / len(paragraph)


def _fitting_prefix(
    sentences: Sequence[Sentence], paragraph: Sequence[int], budget: int, paragraph_gap: int
) -> list[int]:
    """The paragraph's first sentences while they fit (all of them if they do)."""
    chosen: list[int] = []
    for index in paragraph:
        if joined_length(sentences, [*chosen, index], paragraph_gap=paragraph_gap) > budget:
            break
        chosen.append(index)
    return chosen
