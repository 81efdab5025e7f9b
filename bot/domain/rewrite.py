"""Optional rewriting by a language model, and the guard that decides whether to trust it.

The model (any OpenAI-compatible server: Ollama, vLLM, llama.cpp's server) gets the chosen
sentences and the rules (:func:`prompt`). Its answer is used only when :func:`check` finds
nothing wrong: every number, date and proper name in it appears in the recap, it is NFC
Vietnamese text within the length limit. Otherwise the extractive draft stays and the admin
is told why. The network call itself lives outside the domain (``bot.rewriting``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.errors import N_

#: Numbers as written in Vietnamese news: 1.000, 13,5, 19/1, 2.000-2.500.
_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")
_WORD = re.compile(r"[^\W_]+")
_VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
#: Share of words with Vietnamese letters below which an answer is not Vietnamese.
_MIN_VIETNAMESE_SHARE = 0.2
#: Shortest acceptable answer, in words.
_MIN_WORDS = 5


@dataclass(frozen=True)
class Verdict:
    """Whether the rewrite may be used; if not, why (a catalog message and its values)."""

    ok: bool
    reason: str = ""
    detail: str = ""


def prompt(sentences: list[str], *, max_chars: int) -> list[dict[str, str]]:
    """Chat messages asking for a short, positive, faithful Vietnamese rewrite."""
    rules = (
        "Bạn là biên tập viên của một kênh tin tốt. Viết lại đoạn tin dưới đây thành một đoạn "
        f"văn tiếng Việt tự nhiên, tối đa {max_chars} ký tự, giọng tích cực. Không thêm bất "
        "kỳ sự kiện, con số, ngày tháng hay tên riêng nào không có trong đoạn tin. Chỉ trả "
        "về đoạn văn, không tiêu đề, không giải thích."
    )
    return [
        {"role": "system", "content": rules},
        {"role": "user", "content": "\n".join(sentences)},
    ]


def proper_names(text: str) -> list[str]:
    """Runs of capitalised words that do not open a sentence: "Nguyễn Văn An", "Hồ Tây"."""
    names: list[str] = []
    for sentence in re.split(r"(?<=[.!?…])\s+|\n+", text):
        words = sentence.split()
        run: list[str] = []
        for at, raw in enumerate([*words, ""]):
            word = raw.strip(",;:()“”\"'«»")
            if at and word[:1].isupper():
                run.append(word.rstrip(".!?…"))
                continue
            if run:
                names.append(" ".join(run))
            run = []
    return names


def check(answer: str, *, source: str, max_chars: int) -> Verdict:
    """Whether ``answer`` may replace the extractive draft of ``source`` (the recap's text)."""
    text = answer.strip()
    if text != unicodedata.normalize("NFC", text):
        return Verdict(False, N_("the rewrite is not NFC text"))
    words = _WORD.findall(text.lower())
    if len(words) < _MIN_WORDS:
        return Verdict(False, N_("the rewrite is empty or too short"))
    if len(text) > max_chars:
        return Verdict(False, N_("the rewrite is too long ({detail} characters)"), str(len(text)))
    marked = sum(1 for w in words if any(c in _VIETNAMESE_LETTERS for c in w))
    if marked < _MIN_VIETNAMESE_SHARE * len(words):
        return Verdict(False, N_("the rewrite is not in Vietnamese"))
    return _faithful(text, source)


def _faithful(text: str, source: str) -> Verdict:
    """Every number and proper name of the rewrite is in the recap."""
    known = unicodedata.normalize("NFC", source)
    numbers = set(_NUMBER.findall(known))
    for number in _NUMBER.findall(text):
        if number not in numbers:
            return Verdict(False, N_("the rewrite has a number not in the recap: {detail}"), number)
    folded = " ".join(_WORD.findall(known.lower()))
    for name in proper_names(text):
        key = " ".join(_WORD.findall(name.lower()))
        if key and f" {key} " not in f" {folded} ":
            return Verdict(False, N_("the rewrite has a name not in the recap: {detail}"), name)
    return Verdict(True)
