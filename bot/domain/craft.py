"""An editor's rules for the sentences a post may use, on top of the cleaning.

A scraped article keeps traces of its page even after :func:`bot.domain.recaps.clean_body`:
a photo caption ending in a full stop printed twice (above the article and in the caption
block), a caption with its credit ("... - Ảnh: Minh Phượng."), a caption naming who stands
where ("(trái)"), a subheading glued to the sentence after it ("Bánh láo khoải Bánh láo
khoải còn có tên ..."). And some sentences cannot open a post: one that refers back
("Theo đó, ...", "Ông này ...") or asks a question the post never answers.

:func:`tidy` removes the first kind; :func:`can_open` and :func:`can_close` tell the second.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from bot.domain.ranking import Sentence, human_score

#: A photo or video credit inside or at the end of a sentence: the sentence is a caption.
PHOTO_CREDIT = re.compile(
    r"(?:[-–—|]\s*|\(\s*|^\s*)(?:ảnh|video|clip|đồ hoạ|đồ họa|nguồn ảnh)\s*:\s*\S",
    re.IGNORECASE,
)
#: Where people stand in a photo: only a caption says that.
_POSITION = re.compile(
    r"\((?:ngoài cùng\s+)?(?:bên\s+)?(?:trái|phải|giữa)(?:\s+sang(?:\s+phải|\s+trái)?)?\)"
    r"|\((?:thứ|người thứ)\s+\w+\s+từ\s+(?:trái|phải)[^)]*\)|\(từ trái sang[^)]*\)",
    re.IGNORECASE,
)
#: Openings that refer to something said before: "Theo đó", "Đó là", "Ông này", "Tuy nhiên".
ANAPHOR = re.compile(
    r"^[“\"'‘(]?(?:theo đó|đó là|đây là|điều này|việc này|vụ việc|sự việc|trước đó|sau đó"
    r"|khi đó|lúc đó|lúc này|tuy nhiên|ngoài ra|bên cạnh đó|do đó|vì vậy|vì thế|cũng theo"
    r"|cũng trong|thế nhưng|nhưng|trong khi đó|trong đó|trong số đó|tại đây|ở đây|đồng thời"
    r"|mặt khác|như vậy|cùng ngày|cùng thời điểm|cùng lúc"
    r"|cùng với đó|không chỉ vậy|hơn nữa|ngay sau đó|từ đó|nhờ đó|qua đó|trước tình hình"
    r"|họ |hắn |nó |bởi |chính vì|vì lẽ đó|mặc dù vậy|dù vậy|còn |cũng |thậm chí|cụ thể"
    r"|(?:ông|bà|anh|chị|em|cô|chú|người|nhân vật|chuyên gia|đối tượng|cơ quan|đơn vị"
    r"|nữ sinh|nam sinh|cậu bé|cô bé|cháu|vị|giáo sư|bác sĩ|cụ|nghi phạm|nạn nhân|tổ chức"
    r"|công ty|doanh nghiệp|trường|nhóm|gia đình|cặp đôi|hai người|những người)"
    r" (?:này|đó|ấy|nói trên|trên|ta|kia)\b)",
    re.IGNORECASE,
)
#: Words put before a person's name ("ông Trai", "chị Hà").
_PERSON_MARKERS = frozenset({"ông", "bà", "anh", "chị", "cô", "chú", "em", "cụ", "thầy"})
#: A sentence shorter than this (words), printed twice, is a caption: it goes entirely.
_CAPTION_MAX_WORDS = 12
#: Share of a lone last line's words found in the headline from which it is a caption.
_CAPTION_TITLE_SHARE = 0.5
_WORD = re.compile(r"[^\W_]+")


def _key(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", text).lower()))


def is_caption(text: str) -> bool:
    """A sentence that only a photo's caption would be: a credit, or who stands where."""
    return bool(PHOTO_CREDIT.search(text) or _POSITION.search(text))


def tidy(sentences: list[Sentence]) -> list[Sentence]:
    """The sentences without captions, credits, repeats and glued subheadings.

    A sentence printed twice keeps its first place; a short one printed twice is a caption
    and goes entirely. Never returns an empty list for a non-empty one when a sentence
    survives; if nothing would, the input is returned as it is.
    """
    keys = [_key(s.text) for s in sentences]
    counts = Counter(keys)
    kept: list[Sentence] = []
    seen: set[str] = set()
    for sentence, key in zip(sentences, keys, strict=True):
        if not key or key in seen:
            continue
        seen.add(key)
        if is_caption(sentence.text):
            continue
        if counts[key] > 1 and len(key.split()) <= _CAPTION_MAX_WORDS:
            continue
        kept.append(Sentence(unglue(sentence.text), sentence.paragraph))
    return kept or sentences


def unglue(text: str) -> str:
    """A subheading printed again at the start of its paragraph ("Bánh láo khoải Bánh láo
    khoải còn có tên ...") keeps one copy."""
    words = text.split(" ")
    for size in range(2, min(9, len(words) // 2 + 1)):
        if words[:size] == words[size : 2 * size] and words[0][:1].isupper():
            return " ".join(words[size:])
    # "Thị trường ảm đạm Theo CBRE, ...": a heading with no punctuation, then a sentence.
    for at in range(2, min(_SUBHEADING_MAX_WORDS, len(words) - 4)):
        before = words[at - 1]
        if before[-1:] in ',;:.!?()"”“-–—' or not before[:1].isalpha():
            return text
        if words[at] in _OPENERS:
            if _SPEECH_VERBS & {w.lower() for w in words[:at]}:
                return text  # "Ông A cho biết Theo ...": a quotation, not a heading
            return " ".join(words[at:])
    return text


#: Linking words that can simply go when the sentence opens a post: what follows stands alone
#: ("Trước đó, khoảng 7h sáng ..." → "Khoảng 7h sáng ...").
_CONNECTIVE = re.compile(
    r"^(?:theo đó|trước đó|sau đó|tuy nhiên|tuy vậy|ngoài ra|bên cạnh đó|do đó|vì vậy|vì thế"
    r"|như vậy|trong khi đó|đồng thời|mặt khác|hơn nữa|cùng với đó|thế nhưng|từ đó|nhờ đó"
    r"|qua đó|ngay sau đó|không chỉ vậy|mặc dù vậy|dù vậy|chính vì vậy|chính vì thế|cụ thể"
    r"|cùng ngày|cùng thời điểm|cùng lúc),?\s+"
    r"|^(?:nhưng|còn|cũng)\s+(?=\S)",
    re.IGNORECASE,
)


#: A first clause that points back ("Với hành động dũng cảm này, ..."): it can go.
_POINTING_CLAUSE = re.compile(r"^[^,;:.!?]{3,80}\s(?:này|đó|ấy|nói trên),\s+", re.IGNORECASE)
#: Words that open a sentence and, capitalised inside one after a run of words with no
#: punctuation, show where a subheading was glued on ("Thị trường ảm đạm Theo CBRE, ...").
_OPENERS = frozenset(
    {"Theo", "Dù", "Tuy", "Trong", "Tại", "Khi", "Sau", "Với", "Hiện", "Ngày", "Sáng",
     "Chiều", "Tối", "Trưa", "Đêm", "Hôm", "Vừa", "Nhưng", "Nếu", "Ngay"}
)  # fmt: skip
_SUBHEADING_MAX_WORDS = 12
_SPEECH_VERBS = frozenset({"biết", "nói", "hay", "rằng", "là", "kể", "định", "nhấn"})


#: Openings that presuppose what the reader has not been told: a part of a thing already in
#: view ("Mặt trước văn bia ...", "Phía dưới cùng của bát mì ...") or the person who did a
#: deed not yet told ("Người thu dọn đá là trung uý ...").
PART_OF = re.compile(
    r"^(?:mặt|phía|phần|bên|góc|đỉnh|đáy|lưng) (?:trước|sau|trên|dưới|trong|ngoài|giữa)\b",
    re.IGNORECASE,
)
#: After the deed is told, "Người cứu hai người là anh ..." names the doer: it may follow.
_CLEFT = re.compile(r"^người [^,.;:]{2,40}? là ", re.IGNORECASE)


def can_open(text: str, *, named: str = "") -> bool:
    """Whether a post may start with this sentence: it refers back to nothing (nor to a
    person by a bare pronoun), and does not open on a person's short name ("Ông Trai ...")
    unless named in full first, here or in ``named`` (the title)."""
    if ANAPHOR.match(text.strip()) or _POINTING_CLAUSE.match(text.strip()):
        return False
    if _bare_pronoun(text) or PART_OF.match(text.strip()) or _CLEFT.match(text.strip()):
        return False
    # Known: named in full here or in the title, or named in the title at all (a headline
    # names only people its readers know: "Trump đi chơi golf").
    known = _full_names(f"{named} {text}") | set(named.split())
    return all(name in known for name in short_references(text)[:1] if _opens_on(name, text))


#: A pronoun used as "he"/"she" ("Trên cổ anh có ...", "thì anh lại ..."): a person the
#: sentence never names. Not after a classifier ("một anh", "các bà"), nor before a word that
#: makes a compound ("bà con", "anh hùng", "ông bà") or a name ("anh Sơn").
_PRONOUNS = frozenset({"anh", "chị", "ông", "bà"})
_CLASSIFIERS = frozenset({"một", "hai", "ba", "các", "những", "mấy", "mọi", "nhiều", "từng"})
_COMPOUNDS = frozenset(
    {"con", "em", "anh", "chị", "ông", "bà", "cô", "chú", "cháu", "nội", "ngoại", "ấy", "hùng",
     "dũng", "trai", "gái", "chàng", "chủ", "trời", "mẹ", "bầu", "đỡ", "lão"}
)  # fmt: skip
#: How far into a sentence a bare pronoun makes it refer back (its first clause, roughly).
_PRONOUN_WINDOW = 8


def _bare_pronoun(text: str) -> bool:
    """A personal pronoun among the sentence's first words with no name before or after it."""
    words = [w.strip(',.;:!?“”"()') for w in text.split()[: _PRONOUN_WINDOW + 1]]
    for at, word in enumerate(words[:_PRONOUN_WINDOW]):
        if at and word[:1].isupper():
            return False  # a name (or a place) comes first: the pronoun may be theirs
        if word.lower() not in _PRONOUNS or at + 1 >= len(words):
            continue
        before = words[at - 1].lower() if at else ""
        after = words[at + 1]
        if before not in _CLASSIFIERS and after[:1].islower() and after not in _COMPOUNDS:
            return True
    return False


def can_follow(text: str, *, named: str = "", adjacent: bool = False, full: str = "") -> bool:
    """Whether a sentence may come after ``named`` (the title and the post so far).

    Unless it is ``adjacent`` (its neighbour in the recap precedes it in the post), it must
    not lean on what is left out ("Do đó, ...", "Điều này ..."). And it calls nobody by a
    short name ("chị Xuân") whom ``full`` (the whole recap) names in full but the post has
    not: the reader would not know who that is.
    """
    stripped = text.strip()
    if not adjacent and (
        ANAPHOR.match(stripped)
        or _POINTING_CLAUSE.match(stripped)
        or PART_OF.match(stripped)
        or _bare_pronoun(stripped)  # "Vừa cứu được một em thì anh lại ...": mid-scene
    ):
        return False
    known = _full_names(f"{named} {text}") | set(named.split())
    given = _full_names(full)
    return all(name in known or name not in given for name in short_references(text))


def _opens_on(name: str, text: str) -> bool:
    return f" {name}" in " ".join(text.split()[:2])


def repair_opening(text: str) -> str | None:
    """The sentence without the linking words that made it unfit to open a post, when that
    is all that did; else None."""
    match = _CONNECTIVE.match(text) or _POINTING_CLAUSE.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    rest = rest[:1].upper() + rest[1:]
    return rest if len(rest.split()) >= 4 and can_open(rest) else None


def short_references(text: str) -> list[str]:
    """Names used alone after "ông", "chị"...: "Trai" in "ông Trai cho biết"."""
    words = [w.strip(',.;:!?“”"()') for w in text.split()]
    found = []
    for at, word in enumerate(words[:-1]):
        name = words[at + 1]
        after = words[at + 2] if at + 2 < len(words) else ""
        if word.lower() in _PERSON_MARKERS and name[:1].isupper() and not after[:1].isupper():
            found.append(name)
    return found


#: A person introduced by a short name with their age: "chị Hà, 19 tuổi", "anh Khôi (25 tuổi)".
_WITH_AGE = re.compile(r"(?i:ông|bà|anh|chị|em|cô|chú|cụ|thầy)\s+(\w+)\s*[,(]\s*\d{1,3}\s+tuổi")


def _full_names(text: str) -> set[str]:
    """Every word of the capitalised runs of two words or more that no marker opens, and the
    short names given with an age. A run ends at punctuation: "chị Xuân. Đầu tháng 10" does
    not name a "Xuân Đầu"."""
    names: set[str] = set(_WITH_AGE.findall(text))
    run: list[str] = []
    for raw in [*text.split(), ""]:
        word = raw.strip(',.;:!?“”"()')
        if word[:1].isupper() and not (not run and word.lower() in _PERSON_MARKERS):
            run.append(word)
            if not raw.endswith((",", ".", ";", ":", "!", "?", ")")):
                continue
            word = ""  # the run ends with this word
        if len(run) >= 2:
            names.update(run)
        run = []
    return names


def _lone_caption(kept: list[Sentence], title: str) -> bool:
    """The story's last sentence is a short paragraph of its own that restates the headline:
    the caption of the article's main photo ("Đức Minh đăng quang quán quân ...")."""
    last = kept[-1]
    words = _key(last.text).split()
    if kept[-2].paragraph == last.paragraph or len(words) > _CAPTION_MAX_WORDS + 3:
        return False
    headline = set(_key(title).split())
    return sum(1 for w in words if w in headline) >= _CAPTION_TITLE_SHARE * len(words)


#: "Chiều nay, ...", "Sáng qua (14/10), ...": an opening that dates the event from the day
#: the article was written; in a repost days later it is wrong.
_RELATIVE_OPENING = re.compile(
    r"^((?:rạng |sáng |trưa |chiều |tối |đêm |hôm |ngày )?)(?:nay|qua|mai|hôm nay|hôm qua"
    r"|ngày mai)(?:\s*\((\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?)\))?,?\s+",
    re.IGNORECASE,
)
#: The same words anywhere in a sentence ("... vào chiều nay", "tuần tới sẽ ...").
_RELATIVE_TIME = re.compile(
    r"\b(?:(?:sáng|trưa|chiều|tối|đêm|hôm) (?:nay|qua|mai)|ngày mai|tuần (?:tới|này))\b",
    re.IGNORECASE,
)
#: A month or a day given without its year ("tháng 9", "ngày 25/9"; not "tháng 9/2019").
_YEARLESS_DATE = re.compile(r"\b(?:tháng \d{1,2}|\d{1,2}/\d{1,2})(?![/-]\d)(?!\d)", re.IGNORECASE)
_QUOTED = re.compile(r"[“\"«][^”\"»]*[”\"»]")
_FUTURE = re.compile(r"\b(?:sẽ|sắp|dự kiến)\b", re.IGNORECASE)


def timeless(text: str) -> str | None:
    """The sentence as a repost can say it: "Chiều nay, X sẽ tổ chức ..." means nothing days
    later. An opening "Sáng qua (14/10)," keeps its date ("Sáng 14/10,"); one without a date
    goes, unless the sentence announces what is still to come (None: avoid it). A sentence
    with such words further in (None) is avoided too; others are returned as they are."""
    match = _RELATIVE_OPENING.match(text)
    if match is not None:
        part, date = match.group(1).strip(), match.group(2)
        rest = text[match.end() :]
        if date:
            return f"{(part or 'ngày').capitalize()} {date}, {rest}"
        if _FUTURE.search(rest) or len(rest.split()) < 4:
            return None
        text = rest[:1].upper() + rest[1:]
    if _FUTURE.search(text) and _YEARLESS_DATE.search(text):
        return None  # "Cuối tháng 9, đài sẽ mở cửa": which September?
    told = _QUOTED.sub("", text)  # "hôm nay" in someone's words is their day, not ours
    return None if _RELATIVE_TIME.search(told) else text


def can_close(text: str) -> bool:
    """A post does not end on a question it leaves open."""
    return not text.rstrip("”\"’'»)] ").endswith("?")


#: Invitations to read or watch something else: not part of a story.
_TEASER = re.compile(
    r"^[“\"]?(?:mời (?:bạn đọc|quý vị|các bạn)|đón (?:đọc|xem)|xem (?:thêm|video|clip)"
    r"|bấm vào|click|theo dõi)\b",
    re.IGNORECASE,
)


#: What tells a story's outcome or who benefits: the rescued are safe, the gift is handed
#: over, the find is taken into care, the work is done.
_OUTCOME = re.compile(
    r"\b(?:an toàn|may mắn|kịp thời|được cứu|cứu sống|qua khỏi|xuất viện|không nguy hiểm"
    r"|giúp|hỗ trợ|trao|tặng|tiếp nhận|bảo quản|hoàn thành|thành công|nhờ|mang lại|mang đến"
    r"|cảm ơn|biết ơn|khen ngợi|khen thưởng|tuyên dương|được hưởng|hưởng lợi|lan toả|lan tỏa"
    r"|đưa vào sử dụng)\b",
    re.IGNORECASE,
)


def is_outcome(text: str) -> bool:
    """Whether the sentence tells how things turned out, or who benefits."""
    return _OUTCOME.search(text) is not None


def _after_the_outcome(kept: list[Sentence]) -> bool:
    """The story goes on past its outcome with a sentence about no one (a description of the
    place, a measurement): it ends mid-scene, and the outcome is the better last line."""
    last = kept[-1].text
    outcome = any(is_outcome(s.text) for s in kept[1:-1])
    return outcome and not is_outcome(last) and human_score(last) < 1


def shape_story(sentences: list[Sentence], *, title: str = "") -> list[Sentence]:
    """A weekly story an editor would run: it opens on a sentence that stands alone, calls
    nobody by a short name ("ông Trai") before naming them in full, has no teasers, does
    not end on a question, and ends on its outcome rather than on a description after it.
    The first sentence always stays (the story is never emptied)."""
    kept: list[Sentence] = []
    known = set(title.split())
    for sentence in sentences:
        text = sentence.text
        known |= _full_names(text)
        if kept and (_TEASER.match(text) or is_caption(text)):
            continue
        if kept and any(name not in known for name in short_references(text)):
            continue
        if not kept and not can_open(text, named=title):
            repaired = repair_opening(text)
            if repaired is None and len(sentences) > 1 and sentence is not sentences[-1]:
                continue
            kept.append(Sentence(repaired or text, sentence.paragraph))
            continue
        kept.append(sentence)
    while len(kept) > 1 and (
        not can_close(kept[-1].text) or _lone_caption(kept, title) or _after_the_outcome(kept)
    ):
        kept.pop()
    return kept or sentences[:1]
