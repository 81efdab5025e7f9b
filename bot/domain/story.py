"""A weekly story from a recap printed as one block: an opening, moments in order, an end.

Most scraped articles come as one paragraph, where choosing whole paragraphs
(:func:`bot.domain.ranking.select_story`) degenerates into "the first sentences while they
fit": a pile of extracts that stops mid-scene. An editor instead cuts out one passage: it
opens on a sentence that says who, where and what (the recap's lead, or the sentence that
introduces the story's person by full name), keeps the moments that follow in the recap's
order, and ends on a sentence that resolves: someone's own words or the outcome.

So a story here is the recap's lead (optional) and one run of consecutive sentences, the
run worth the most of those that:

- open on a sentence that stands alone (:func:`bot.domain.craft.can_open`; linking words
  that make it lean back are dropped when that is all that is wrong);
- call nobody by a short name ("Hạnh", "thầy Đức Anh") before the full name ("Nguyễn Bá
  Hạnh") appears, in the title or earlier in the story;
- end on a quotation, an outcome, or the recap's own last sentence, and not on a question.

A run is worth its coverage of the title's words, its people and quotations
(:func:`bot.domain.ranking.human_score`) and how much of the budget it fills. Long runs are
laid out in short paragraphs: a quotation stands as its own paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.domain import craft
from bot.domain.ranking import (
    Sentence,
    human_score,
    is_dateline,
    is_prose,
    is_quotation,
    joined_length,
    syllables,
)

#: Vietnamese family names: a capitalised run opening with one is a person's full name.
SURNAMES = frozenset({
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đoàn", "Đào", "Trương", "Lương",
    "Mai", "Đinh", "Lâm", "Tạ", "Hà", "Trịnh", "Cao", "Lưu", "Tô", "Châu",
    "Kiều", "Quách", "Triệu", "Đàm", "Tống", "Thân", "Chu", "Lại", "Khúc", "Mạc",
    "Vi", "Văn", "Phùng", "Nông", "Hứa", "Lò",
})  # fmt: skip
#: Words that stand for a person before a name, and as "he"/"she" alone.
_PERSON_MARKERS = frozenset({"ông", "bà", "anh", "chị", "cô", "chú", "em", "cụ", "thầy"})
#: Words after a surname in a full name, at most ("Nguyễn Thị Thuý Hằng").
_NAME_WORDS = 4
#: A sentence with speech in it: a quotation of a few words.
_SPEECH = re.compile(r"[“\"«][^”\"»]{12,}[”\"»]")
#: A quotation mark left alone before a sentence by a scraper ("' Đại sứ Nam lần đầu ...").
_STRAY_QUOTE = re.compile(r"^[\"'“”‘’]\s+")
#: A straight quotation mark that closes a quotation: the sentence began inside one.
_CLOSING_QUOTE = re.compile(r'^[^"“”]*\S\s?"\s*[.,;!?]')
#: What a run is worth besides title coverage: per point of human score, and for filling
#: the whole budget (a story that stops at a third of its room says too little).
_HUMAN_WEIGHT = 0.08
_FILL_WEIGHT = 0.6
#: What jumping from the recap's lead to a
#: passage further on costs (the reader must bridge the gap).
_JUMP_COST = 0.15
#: A paragraph of the story holds at most this many sentences.
_PARAGRAPH_SENTENCES = 3


def full_names(text: str) -> list[tuple[str, ...]]:
    """Full names (surname first, then capitalised words) in ``text``, in order."""
    return [run for run in _capitalised_runs(text) if _is_full_name(run)]


def _is_full_name(run: Sequence[str]) -> bool:
    return 3 <= len(run) <= _NAME_WORDS + 1 and run[0] in SURNAMES


def _capitalised_runs(text: str) -> list[tuple[str, ...]]:
    """Runs of capitalised words; a run ends at punctuation or a lower-case word."""
    runs: list[tuple[str, ...]] = []
    run: list[str] = []
    for raw in [*text.split(), ""]:
        word = raw.strip(",.;:!?“”\"'()…-–")
        if word[:1].isupper():
            run.append(word)
            if not raw.endswith((",", ".", ";", ":", "!", "?", ")", "”", '"')):
                continue
        if run and run[0].lower() in _PERSON_MARKERS:
            run = run[1:]  # "Thầy Đức Anh": the title before the name is no part of it
        if run:
            runs.append(tuple(run))
        run = []
    return runs


def introduce(text: str, names: Sequence[tuple[str, ...]], known: set[tuple[str, ...]]) -> str:
    """``text`` with the first short name ("Hạnh", "thầy Đức Anh": the end of a full name)
    of each person whose full name is not ``known`` yet given in full ("Nguyễn Bá Hạnh"),
    as an editor introduces a person on first mention. ``known`` gains them."""
    first = text.split()[:1]
    for run in _capitalised_runs(text):
        for name in names:
            short = 0 < len(run) < len(name) and name[-len(run) :] == run
            if not short or name in known:
                continue
            if len(run) == 1 and run[0].lower() in _PERSON_MARKERS and first == [run[0]]:
                continue  # "Anh cho biết": a pronoun opening the sentence, not a name
            text, done = _spell_out(text, run, name)
            if done:
                known.add(name)
    return text


def _spell_out(text: str, run: tuple[str, ...], name: tuple[str, ...]) -> tuple[str, bool]:
    """``text`` with the first ``run`` not already preceded by the rest of ``name`` replaced
    by ``name`` ("Thầy Đức Anh" → "Thầy Đỗ Đức Anh"); and whether one was."""
    rest = name[-len(run) - 1]
    for match in re.finditer(rf"(?<!\w){re.escape(' '.join(run))}(?!\w)", text):
        if not text[: match.start()].rstrip().endswith(rest):
            return f"{text[: match.start()]}{' '.join(name)}{text[match.end() :]}", True
    return text, False


def tell(sentences: Sequence[Sentence], *, title: str, budget: int, gap: int) -> list[Sentence]:
    """The story's sentences laid out in paragraphs; empty when no passage qualifies."""
    pool = [
        _STRAY_QUOTE.sub("", s.text)
        for s in sentences
        if is_prose(s.text) and not craft.is_caption(s.text)
    ]
    if len(pool) < 2:
        return []
    full = " ".join(pool)
    names = list(dict.fromkeys(full_names(full)))
    recap = _Recap(pool, names, title, frozenset(_grams(title)), budget, gap)
    # The best story whose opening says who or when, else the best of any.
    best: dict[bool, tuple[float, list[Sentence]]] = {}
    for start in range(len(pool)):
        for lead in (False, True) if start > 1 else (False,):
            opening = _opening(pool, start, lead=lead, title=title, full=full)
            if opening is None:
                continue
            scene = _sets_the_scene(introduce(opening[0], names, set()), names)
            for value, story in _runs(recap, start, opening):
                if scene not in best or value > best[scene][0]:
                    best[scene] = (value, story)
    chosen = best.get(True) or best.get(False)
    return chosen[1] if chosen else []


@dataclass(frozen=True)
class _Recap:
    """What every candidate story is measured against."""

    pool: Sequence[str]  # the recap's prose sentences
    names: Sequence[tuple[str, ...]]  # the full names it gives
    title: str
    title_grams: frozenset[str]
    budget: int
    gap: int


def _opening(
    pool: Sequence[str], start: int, *, lead: bool, title: str, full: str
) -> list[str] | None:
    """The story's first sentences: the recap's lead (when ``lead``) and the run's first
    sentence, without the linking words that made it lean back; None if they cannot open."""
    first = pool[start]
    if _in_quotation(first) or (lead and _in_quotation(pool[0])):
        return None  # words whose speaker the story has not named
    if not lead:
        return [first] if craft.can_open(first, named=title) else _repaired(first)
    if not craft.can_open(pool[0], named=title) or human_score(pool[0]) <= 0:
        return None  # a lead about no one and nothing counted sets no scene
    said = f"{title} {pool[0]}"
    for text in (first, craft.repair_opening(first)):
        if text is not None and craft.can_follow(text, named=said, full=full):
            return [pool[0], text]
    return None


def _repaired(text: str) -> list[str] | None:
    repaired = craft.repair_opening(text)
    return None if repaired is None else [repaired]


def _runs(recap: _Recap, start: int, opening: list[str]) -> list[tuple[float, list[Sentence]]]:
    """Every story that runs from ``start`` and ends on a sentence that resolves, valued."""
    titled = {name for name in recap.names if " ".join(name) in recap.title}
    known = set(titled)
    texts: list[str] = []
    found: list[tuple[float, list[Sentence]]] = []
    for end in range(start, len(recap.pool)):
        for told in opening if end == start else [recap.pool[end]]:
            named = {name for name in recap.names if " ".join(name) in told}
            if named & (known - titled):
                return found  # someone introduced twice
            known |= named
            texts.append(introduce(told, recap.names, known))
        story = _layout(texts, lead=len(opening) > 1)
        length = joined_length(story, range(len(story)), paragraph_gap=recap.gap)
        if length > recap.budget:
            return found
        if _resolves(recap.pool[end]):
            covered = set().union(*(_grams(t) for t in texts)) & recap.title_grams
            value = (
                len(covered) / max(1, len(recap.title_grams))
                + _HUMAN_WEIGHT * sum(human_score(t) for t in texts)
                + _FILL_WEIGHT * length / recap.budget
                - (_JUMP_COST if len(opening) > 1 and start > 1 else 0.0)
            )
            found.append((value, story))
    return found


def _resolves(text: str) -> bool:
    """A sentence a story can end on: someone's words, the outcome, or the recap's end."""
    if not craft.can_close(text):
        return False
    return _is_speech(text) or craft.is_outcome(text)


def _in_quotation(text: str) -> bool:
    """Speech, or the end of a quotation begun in the sentence before ("... nộp bài ". ...")."""
    return is_quotation(text) or _CLOSING_QUOTE.match(text) is not None


def _is_speech(text: str) -> bool:
    return is_quotation(text) or _SPEECH.search(text) is not None


def _sets_the_scene(text: str, names: Sequence[tuple[str, ...]]) -> bool:
    """An opening that says who (a full name) or when (a dateline)."""
    return any(" ".join(name) in text for name in names) or is_dateline(text)


def _layout(texts: Sequence[str], *, lead: bool) -> list[Sentence]:
    """Short paragraphs: the lead alone, a quotation alone, at most three sentences each."""
    story: list[Sentence] = []
    paragraph, count = 0, 0
    for at, text in enumerate(texts):
        speech = _is_speech(text)
        after_speech = bool(story) and _is_speech(story[-1].text)
        if at and (speech or after_speech or count >= _PARAGRAPH_SENTENCES or (lead and at == 1)):
            paragraph, count = paragraph + 1, 0
        story.append(Sentence(text, paragraph))
        count += 1
    return story


def _grams(text: str) -> list[str]:
    tokens = syllables(text)
    return [*tokens, *(f"{a} {b}" for a, b in pairwise(tokens))]
