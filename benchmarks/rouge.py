"""ROUGE-1/2/L F1 on Vietnamese syllables, as the shared evaluation set prescribes.

Text is NFC-normalised and lower-cased, then split into ``\\w+`` runs: Vietnamese is written
one syllable per space-separated token, so these are syllables, accents kept. (rouge-score's
default tokenizer keeps only ``[a-z0-9]`` and would turn "được" into "c": never use it here.)

ROUGE-N: clipped n-gram overlap; ROUGE-L: longest common subsequence of the whole token
sequences (not the per-sentence "Lsum" variant). Each is reported as F1 in [0, 1]; the
benchmark averages them per article and prints percentages.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Scores:
    """F1 of ROUGE-1, ROUGE-2 and ROUGE-L, each in [0, 1]."""

    rouge1: float
    rouge2: float
    rouge_l: float


def tokenize(text: str) -> list[str]:
    """NFC, lower-cased ``\\w+`` runs: Vietnamese syllables with their diacritics."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def f1(overlap: int, candidate: int, reference: int) -> float:
    """Harmonic mean of precision ``overlap/candidate`` and recall ``overlap/reference``."""
    if not overlap or not candidate or not reference:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def ngram_f1(candidate: list[str], reference: list[str], n: int) -> float:
    """ROUGE-N F1: n-grams in common, each counted at most as often as in the other text."""
    cand = Counter(zip(*(candidate[i:] for i in range(n)), strict=False))
    ref = Counter(zip(*(reference[i:] for i in range(n)), strict=False))
    overlap = sum((cand & ref).values())
    return f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence, in O(len(a) * len(b)) time, O(len(b)) space."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def score(candidate: str, reference: str) -> Scores:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of ``candidate`` against ``reference``."""
    cand, ref = tokenize(candidate), tokenize(reference)
    return Scores(
        rouge1=ngram_f1(cand, ref, 1),
        rouge2=ngram_f1(cand, ref, 2),
        rouge_l=f1(lcs_length(cand, ref), len(cand), len(ref)),
    )
