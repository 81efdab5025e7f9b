"""No story twice: identical and near-identical recaps, and posts that repeat a published one.

A recap is compared by its cleaned text, normalised: NFC, lower case, diacritics and
punctuation ignored (:func:`normalise`), so a copy pasted from another page, re-typed with
other spacing or other tone-mark placement ("hoà"/"hòa"), is the same text.

- *identical*: the normalised texts are equal (:func:`content_hash`);
- *near*: the sets of :data:`SHINGLE` consecutive syllables overlap with a Jaccard
  similarity of at least :data:`NEAR_JACCARD` (the same article with a caption more, a
  byline less, a sentence reworded), or the normalised headlines are equal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

#: Syllables per shingle: long enough that two different reports of the same kind of event
#: ("Sáng 12/3, Đoàn thanh niên ...") share few, short enough that a changed word touches few.
SHINGLE = 4
#: From this Jaccard similarity of shingles on, two recaps tell the same story.
NEAR_JACCARD = 0.8
#: Headlines shorter than this many syllables ("Tin tức") are too generic to compare.
MIN_HEADLINE_SYLLABLES = 4
#: How many days back a post's text is compared with what the channel published.
REPOST_WINDOW_DAYS = 30

_WORDS = re.compile(r"[^\W_]+")


class Kind(StrEnum):
    IDENTICAL = "identical"
    NEAR = "near"
    HEADLINE = "headline"


@dataclass(frozen=True)
class Fingerprint:
    """What is compared of one text: its hash, its shingles and its headline."""

    digest: str
    shingles: frozenset[str]
    headline: str


@dataclass(frozen=True)
class Match:
    """The stored item (``ref``: a recap or post id) the candidate repeats, and how."""

    ref: int
    kind: Kind
    similarity: float


def normalise(text: str) -> str:
    """Lower-case words without diacritics, one space apart: "Hòa  Bình!" → "hoa binh"."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_WORDS.findall(bare.casefold()))


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal for texts that differ only in form."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def shingles(normalised: str) -> frozenset[str]:
    """Runs of :data:`SHINGLE` syllables; a shorter text is one shingle of all it has."""
    words = normalised.split()
    if len(words) <= SHINGLE:
        return frozenset({" ".join(words)}) if words else frozenset()
    return frozenset(" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def fingerprint(title: str, text: str) -> Fingerprint:
    body = normalise(text)
    head = normalise(title)
    if len(head.split()) < MIN_HEADLINE_SYLLABLES:
        head = ""
    return Fingerprint(hashlib.sha256(body.encode()).hexdigest(), shingles(body), head)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def find(candidate: Fingerprint, stored: Iterable[tuple[int, Fingerprint]]) -> Match | None:
    """The first stored item the candidate repeats: an identical one before any near one,
    the most similar near one. None: a new story."""
    best: Match | None = None
    for ref, other in stored:
        if other.digest == candidate.digest:
            return Match(ref, Kind.IDENTICAL, 1.0)
        similarity = jaccard(candidate.shingles, other.shingles)
        if similarity >= NEAR_JACCARD:
            match = Match(ref, Kind.NEAR, similarity)
        elif candidate.headline and candidate.headline == other.headline:
            match = Match(ref, Kind.HEADLINE, similarity)
        else:
            continue
        if best is None or match.similarity > best.similarity:
            best = match
    return best
