"""Tone: is a recap good news, neutral, or bad news, and why.

A good-news channel must not run an accident as "today's good news". Offline, deterministic
and fast (a dictionary lookup per syllable): a Vietnamese lexicon of general news vocabulary
(accidents, crime, trials, disasters, outbreaks, conflict, violations; and volunteering,
awards, kindness, heritage, rescue), with

- *negation*: a term after "không", "chưa", "chống" ... in the same clause does not count
  ("không có thương vong", "phòng chống ma tuý");
- *intensity*: "nhiều", "hàng chục", "nghiêm trọng" ... before a term make it weigh more;
- *the headline weighted*: its terms count :data:`HEADLINE_WEIGHT` times;
- *mixed cases*: a negative event with a clear positive human element (a rescue, courage,
  volunteers) is still ``negative`` but flagged ``mixed``, and a rescue in which nobody died
  is ``positive`` (an editor runs "a young man dives in and saves a mother and child").

Only the title and the first :data:`READ_CHARS` characters of the text are read, the way an
editor judges a story from its headline and lead. The reasons are the words that decided.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from bot.domain.errors import N_


class Tone(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


#: The reason given when there is too little (Vietnamese) text to judge; a catalog message.
TOO_LITTLE_TEXT = N_("too little text")
#: How much of the body is read: about a lead and a paragraph, as an editor skims.
READ_CHARS = 600
#: A headline term counts this many times a body term.
HEADLINE_WEIGHT = 3.0
#: Total weight of negative terms from which a recap is negative, and of positive terms from
#: which one without that much bad news is positive.
NEGATIVE_THRESHOLD = 2.0
POSITIVE_THRESHOLD = 2.0
#: Fewer Vietnamese syllables than this cannot be judged.
MIN_SYLLABLES = 8
#: Share of syllables written with Vietnamese letters (accents, đ) below which a text of some
#: length is not Vietnamese.
MIN_VIETNAMESE_SHARE = 0.15
#: At most this many reasons are kept (the heaviest first).
MAX_REASONS = 4
#: How far back (syllables) a negator or an intensifier reaches.
_NEGATION_REACH = 3
_INTENSITY_REACH = 2
_INTENSITY = 1.5

# Weights: 2 = alone enough for a body to be negative (a death, an arrest); 1 = a sign that
# needs company (a storm, an investigation).
_NEGATIVE: dict[str, float] = {
    # deaths and injuries
    "tử vong": 2, "thiệt mạng": 2, "tử nạn": 2, "chết": 2, "cái chết": 2, "thi thể": 2,
    "thương vong": 2, "bị thương": 2, "trọng thương": 2, "nguy kịch": 2,
    "tự tử": 2, "tự sát": 2, "đuối nước": 2, "chết đuối": 2, "mất tích": 2, "tử thi": 2,
    "xác chết": 2, "phi tang": 2, "qua đời": 1, "nạn nhân": 2, "thương tích": 2,
    "gặp nạn": 2, "tang thương": 2,
    "khóc ngất": 2, "đau thương": 1, "thảm kịch": 2, "thảm hoạ": 2, "thảm họa": 2,
    # accidents
    "tai nạn": 2, "va chạm": 1, "đâm xe": 2, "tông": 1, "lật xe": 2, "lao xuống": 1,
    "cháy": 1, "hoả hoạn": 2, "hỏa hoạn": 2, "cháy nổ": 2, "phát nổ": 2, "vụ nổ": 2,
    "nổ": 1, "sập": 1, "đổ sập": 2, "sập hầm": 2, "chìm": 1, "đắm": 1, "chìm tàu": 2,
    "rơi máy bay": 2, "mắc kẹt": 1, "rò rỉ": 1, "sự cố": 1, "mất lái": 2,
    # crime, justice
    "bắt giữ": 2, "bị bắt": 2, "bắt quả tang": 2, "tạm giữ": 2, "tạm giam": 2,
    "khởi tố": 2, "truy tố": 2, "xét xử": 2, "hầu toà": 2, "hầu tòa": 2, "phiên toà": 2,
    "phiên tòa": 2, "bị cáo": 2, "án tù": 2, "tử hình": 2, "chung thân": 2, "năm tù": 2,
    "tháng tù": 2, "lừa đảo": 2, "chiếm đoạt": 2, "trộm": 2, "cướp": 2, "trộm cắp": 2,
    "giết": 2, "sát hại": 2, "giết người": 2, "đâm chết": 2, "đánh chết": 2,
    "hành hung": 2, "đánh đập": 2, "hiếp dâm": 2, "xâm hại": 2, "ma tuý": 2, "ma túy": 2,
    "buôn lậu": 2, "lậu": 1, "hàng giả": 2, "tham nhũng": 2, "hối lộ": 2, "tham ô": 2,
    "sai phạm": 2, "vi phạm": 1, "xử phạt": 1, "phạt": 1, "truy nã": 2, "nghi phạm": 2,
    "hung thủ": 2, "đối tượng": 1, "điều tra": 1, "kỷ luật": 1, "cách chức": 2,
    "bãi nhiệm": 2, "bê bối": 2, "gian lận": 2, "làm giả": 2, "bạo hành": 2,
    "bạo lực": 2, "nổ súng": 2, "bắn chết": 2, "cố ý": 1, "trục lợi": 2, "thất thoát": 2,
    "tội phạm": 2, "phạm tội": 2, "tội": 1, "vụ án": 2, "án mạng": 2, "côn đồ": 2,
    "đâm": 1, "chém": 2, "tấn công": 2, "đánh nhau": 2, "ẩu đả": 2, "tống tiền": 2,
    "bắt cóc": 2, "xâm phạm": 1, "nồng độ cồn": 2, "say xỉn": 2, "nhậu say": 2,
    "trốn": 1, "bỏ trốn": 2, "đình chỉ": 1, "thu hồi": 1, "tịch thu": 1, "thu giữ": 1,
    "tố cáo": 1, "sai trái": 1, "tiêu cực": 1, "chợ đen": 1, "cò vé": 1, "thôi làm": 1,
    "từ chức": 1, "bị loại": 1,
    # disasters and weather
    "bão": 1, "siêu bão": 2, "lũ": 1, "lũ lụt": 2, "lũ quét": 2, "ngập": 1,
    "ngập lụt": 2, "sạt lở": 2, "lở đất": 2, "động đất": 2, "sóng thần": 2, "núi lửa": 1,
    "hạn hán": 2, "xâm nhập mặn": 2, "mưa đá": 2, "lốc": 1, "lốc xoáy": 2, "thiên tai": 2,
    "cháy rừng": 2, "rét hại": 1, "triều cường": 1, "áp thấp": 1, "sơ tán": 1,
    "tàn phá": 2, "thiệt hại": 1, "tốc mái": 2, "cuốn trôi": 2, "sóng biển cuốn": 2,
    # illness
    "dịch": 1, "dịch bệnh": 2, "ổ dịch": 2, "bùng phát": 1, "lây nhiễm": 1, "nhiễm": 1,
    "sốt xuất huyết": 2, "cúm": 1, "ngộ độc": 2, "ung thư": 1, "virus": 1, "vi rút": 1,
    "bệnh dại": 2, "ebola": 2, "zika": 2, "tay chân miệng": 2, "sởi": 1, "cấp cứu": 1,
    # conflict, politics of force
    "chiến tranh": 2, "xung đột": 2, "không kích": 2, "đánh bom": 2, "khủng bố": 2,
    "phiến quân": 2, "bắn hạ": 2, "bắn rơi": 2, "tên lửa": 1, "phóng thử": 2,
    "thử hạt nhân": 2, "vũ khí": 1, "biểu tình": 2, "bạo loạn": 2, "đụng độ": 2,
    "căng thẳng": 1, "trừng phạt": 1, "đe doạ": 1, "đe dọa": 1, "cấm vận": 1,
    "thương chiến": 1, "ném bom": 2, "giao tranh": 2, "thánh chiến": 2, "quân đội": 1,
    "tử sĩ": 2, "tàu chiến": 1, "máy bay không người lái": 1, "hạt nhân": 1,
    # hardship and scandal
    "thiếu hụt": 1, "khan hiếm": 1, "ô nhiễm": 1, "thất nghiệp": 1, "phá sản": 1,
    "vỡ nợ": 2, "bức xúc": 1, "khiếu nại": 1, "tranh chấp": 1, "ùn tắc": 1,
    "kẹt xe": 1, "tắc đường": 1, "quá tải": 1, "hoảng loạn": 2, "kinh hoàng": 2,
    "thảm khốc": 2, "nghiêm trọng": 1, "nguy hiểm": 1, "lạnh gáy": 2, "rùng mình": 1,
    "bi kịch": 2, "đau lòng": 2, "mất cắp": 2, "mất trộm": 2, "bất hảo": 2, "rớt": 1,
    "trượt": 1, "khủng hoảng": 1, "sụt giảm": 1, "thua lỗ": 1, "phản đối": 1,
    "trốn thuế": 2, "rửa tiền": 2, "kiện": 1, "khởi kiện": 1, "cáo buộc": 2, "nghi vấn": 1,
    "nghi ngờ": 1, "bị nghi": 1, "tù": 1, "ngồi tù": 2, "tù nhân": 1, "cảnh báo": 1,
    "lo ngại": 1, "hư hỏng": 1, "xuống cấp": 1, "đình công": 2, "nợ": 1, "nợ lương": 2,
    "lãng phí": 2, "lấn chiếm": 2, "cưỡng chế": 1, "đánh ghen": 2, "lột đồ": 2, "kẹt": 1,
    "lật": 1, "mảnh vỡ": 1, "bắn": 1, "súng": 1, "dao": 1, "đổ máu": 2, "hoảng sợ": 1,
    "sợ hãi": 1, "chậm tiến độ": 1, "thất bại": 1, "tranh cãi": 1, "chỉ trích": 1,
}  # fmt: skip

#: Words that contain a lexicon term but mean something else ("nghiên cứu" is research,
#: not a rescue; "chiến dịch" a campaign, not an outbreak): matched first, worth nothing.
_UNRELATED = frozenset(
    {"nghiên cứu", "cứu hộ", "cứu nạn", "xác định", "xác nhận", "chính xác", "xác minh",
     "xác thực", "xác suất", "đánh giá", "phạt góc", "phạt đền", "đá phạt", "thẻ phạt",
     "dịch vụ", "dịch chuyển", "phiên dịch", "biên dịch", "bản dịch", "chiến dịch",
     "giao dịch", "cháy hàng", "cháy vé", "trao đổi", "giúp việc", "cứu cánh", "lũ trẻ",
     "lũ học sinh", "lũ học trò", "lũ bạn", "lũ nhóc", "lũ con",  # lũ: a band of kids
     "lũ lượt", "ngập tràn", "ngập ngừng", "trượt giá", "trượt tuyết", "tội nghiệp",
     "an toàn giao thông", "nổi tiếng", "kịp thời gian", "hết sức", "không chỉ"}
)  # fmt: skip

_POSITIVE: dict[str, float] = {
    "tình nguyện": 2, "tình nguyện viên": 2, "thiện nguyện": 2, "từ thiện": 2,
    "quyên góp": 2, "ủng hộ": 1, "trao tặng": 2, "tặng": 1, "trao": 1, "giúp đỡ": 2,
    "hỗ trợ": 1, "giúp": 1, "chăm lo": 2, "cứu sống": 2, "giải cứu": 2, "cứu": 2,
    "anh hùng": 2, "dũng cảm": 2, "quả cảm": 2, "nghĩa cử": 2, "tấm lòng": 2,
    "nhân ái": 2, "yêu thương": 2, "hiến máu": 2, "hiến tặng": 2, "giải thưởng": 2,
    "huy chương": 2, "vô địch": 2, "đoạt giải": 2, "giải nhất": 2, "kỷ lục": 1,
    "vinh danh": 2, "tôn vinh": 2, "khen thưởng": 2, "bằng khen": 2, "xuất sắc": 1,
    "thành công": 1, "sáng tạo": 1, "sáng chế": 2, "phát minh": 2, "khởi nghiệp": 1,
    "học bổng": 2, "thủ khoa": 2, "di sản": 2, "bảo tồn": 1, "bảo vật": 2, "cổ vật": 2,
    "lễ hội": 1, "đặc sản": 1, "độc đáo": 1, "trả lại": 2, "trao trả": 2, "nhặt được": 2,
    "tìm lại": 1, "nhận lại": 2, "đoàn tụ": 2, "hoà giải": 1, "hòa giải": 1,
    "cảm động": 2, "ấm áp": 2, "niềm vui": 1, "hạnh phúc": 1, "chúc mừng": 2,
    "kỷ niệm": 1, "tri ân": 2, "biết ơn": 2, "lan toả": 1, "lan tỏa": 1,
    "truyền cảm hứng": 2, "cảm hứng": 1, "nghị lực": 2, "vượt khó": 2, "vươn lên": 1,
    "hiếu học": 2, "mùa hè xanh": 2, "tiếp sức": 2, "khánh thành": 1, "trồng cây": 2,
    "quán quân": 2, "đăng quang": 1,
    "sống sót": 1, "thoát chết": 1, "bình an": 1, "an toàn": 1, "kịp thời": 1,
    "vắc xin": 1, "vaccine": 1, "tự hào": 2, "tuyệt vời": 1,
    "thầy giáo": 1, "cô giáo": 1, "nghệ thuật": 1, "hoạ sĩ": 1, "họa sĩ": 1,
    "bảo tàng": 1, "văn hoá": 1, "văn hóa": 1,
    "truyền thống": 1, "thiếu nhi": 1, "trẻ em nghèo": 2,
}  # fmt: skip

#: A rescue or a person's courage: with a death it makes a negative recap *mixed*; without
#: one, a rescue is good news.
_HUMAN_GOOD = frozenset(
    {"cứu sống", "giải cứu", "cứu", "anh hùng", "dũng cảm", "quả cảm", "tình nguyện",
     "tình nguyện viên", "thiện nguyện", "nghĩa cử", "sống sót", "thoát chết", "khen thưởng"}
)  # fmt: skip
#: Terms that say someone died or was hurt: a rescue with one of them is not simply good news.
_HARM = frozenset(
    {"tử vong", "thiệt mạng", "tử nạn", "chết", "cái chết", "thi thể", "thương vong",
     "bị thương", "trọng thương", "tự tử", "tự sát", "chết đuối", "mất tích", "tử thi",
     "qua đời", "khóc ngất", "giết", "sát hại", "đánh chết", "đâm chết", "bắn chết",
     "tang thương", "thảm kịch"}
)  # fmt: skip
_RESCUE = frozenset({"cứu sống", "giải cứu", "cứu", "dũng cảm", "quả cảm", "nghĩa cử"})
#: Before a term, these say it did not happen or is only a risk ("nguy cơ tai nạn").
_NEGATORS = frozenset(
    {
        "không",
        "chưa",
        "chẳng",
        "chả",
        "chống",
        "ngừa",
        "tránh",
        "hết",
        "nguy cơ",
        "đề phòng",
        "phòng",
        "ngăn",
        "ngăn chặn",
        "giảm thiểu",
    }
)
_INTENSIFIERS = frozenset(
    {"nhiều", "hàng", "loạt", "rất", "cực", "đặc", "hàng chục", "hàng trăm", "nặng"}
)
_CLAUSE = re.compile(r"[.,;:!?…()\[\]“”\"«»\n–—-]+")
_SYLLABLE = re.compile(r"[^\W\d_]+")
_VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)


#: What the weekly chooser multiplies a recap's story potential by: good news first, bad news
#: last (it is never chosen automatically anyway). None: stored before tone was judged.
STORY_FACTOR = {Tone.POSITIVE.value: 1.5, Tone.NEUTRAL.value: 1.0, Tone.NEGATIVE.value: 0.1}


def positive_element(reasons: str, *, mixed: bool) -> tuple[str, ...]:
    """The words of a mixed recap's positive element, from its stored reasons (one per line;
    a mixed judgement's last reason is its positive element), for its draft to lead with."""
    lines = [line for line in reasons.split("\n") if line]
    return tuple(lines[-1:]) if mixed else ()


def story_factor(tone: str | None) -> float:
    return STORY_FACTOR.get(tone or Tone.NEUTRAL.value, 1.0)


@dataclass(frozen=True)
class Judgement:
    """A recap's tone, the words that decided it (heaviest first), and whether it is mixed."""

    tone: Tone
    reasons: tuple[str, ...]
    mixed: bool = False
    negative_score: float = 0.0
    positive_score: float = 0.0


@dataclass
class _Tally:
    negative: float = 0.0
    positive: float = 0.0
    headline_rescue: bool = False

    def __post_init__(self) -> None:
        self.weights: dict[str, float] = {}
        self.signs: dict[str, int] = {}
        self.found: set[str] = set()

    def add(self, term: str, weight: float, sign: int) -> None:
        if sign < 0:
            self.negative += weight
        else:
            self.positive += weight
        self.weights[term] = self.weights.get(term, 0.0) + weight
        self.signs[term] = sign
        self.found.add(term)

    def judgement(self, tone: Tone, reasons: tuple[str, ...], *, mixed: bool = False) -> Judgement:
        return Judgement(tone, reasons, mixed, self.negative, self.positive)

    def reasons(self, sign: int) -> tuple[str, ...]:
        terms = [t for t in self.weights if self.signs[t] == sign]
        terms.sort(key=lambda t: -self.weights[t])  # stable: equal weights keep text order
        return tuple(terms[:MAX_REASONS])


def judge(title: str, text: str) -> Judgement:
    """The tone of a recap from its title and (cleaned) text. Deterministic."""
    body = unicodedata.normalize("NFC", text)[:READ_CHARS]
    head = unicodedata.normalize("NFC", title)
    words = _SYLLABLE.findall(f"{head} {body}".lower())
    if len(words) < MIN_SYLLABLES or _vietnamese_share(words) < MIN_VIETNAMESE_SHARE:
        return Judgement(Tone.NEUTRAL, (TOO_LITTLE_TEXT,))
    tally = _Tally()
    _scan(head, HEADLINE_WEIGHT, tally)
    tally.headline_rescue = bool(tally.found & _RESCUE)
    _scan(body, 1.0, tally)
    return _decide(tally)


def _decide(tally: _Tally) -> Judgement:
    human = bool(tally.found & _HUMAN_GOOD)
    rescue = bool(tally.found & _RESCUE)
    harm = bool(tally.found & _HARM)
    if tally.negative >= NEGATIVE_THRESHOLD:
        if rescue and not harm and (tally.headline_rescue or tally.positive >= tally.negative):
            # A rescue in which nobody is said to have died or been hurt: good news.
            return tally.judgement(Tone.POSITIVE, tally.reasons(+1))
        if tally.positive <= tally.negative or not human:
            reasons = tally.reasons(-1)
            if human:
                reasons = (*reasons[: MAX_REASONS - 1], *tally.reasons(+1)[:1])
            return tally.judgement(Tone.NEGATIVE, reasons, mixed=human)
    if tally.positive >= POSITIVE_THRESHOLD and tally.positive > tally.negative:
        return tally.judgement(Tone.POSITIVE, tally.reasons(+1))
    return tally.judgement(Tone.NEUTRAL, tally.reasons(-1) + tally.reasons(+1))


def _vietnamese_share(words: list[str]) -> float:
    marked = sum(1 for w in words if any(c in _VIETNAMESE_LETTERS for c in w))
    return marked / len(words)


def _index() -> dict[str, list[tuple[str, int, float]]]:
    """Every term by its first syllable, longest first: (term, sign, weight); sign 0 for the
    unrelated words. Most syllables start no term, so most positions cost one lookup."""
    index: dict[str, list[tuple[str, int, float]]] = {}
    entries = [
        *((t, 0, 0.0) for t in _UNRELATED),
        *((t, -1, w) for t, w in _NEGATIVE.items()),
        *((t, +1, w) for t, w in _POSITIVE.items()),
    ]
    for term, sign, weight in entries:
        index.setdefault(term.split(" ", 1)[0], []).append((term, sign, weight))
    for terms in index.values():
        terms.sort(key=lambda entry: -entry[0].count(" "))  # stable: unrelated first
    return index


_INDEX = _index()


def _scan(text: str, weight: float, tally: _Tally) -> None:
    """Add the lexicon terms of ``text``, clause by clause, longest match first."""
    for clause in _CLAUSE.split(text):
        written = _SYLLABLE.findall(clause)
        words = [w.lower() for w in written]
        at = 0
        while at < len(words):
            step = 1
            for term, sign, base in _INDEX.get(words[at], ()):
                size = term.count(" ") + 1
                if " ".join(words[at : at + size]) != term:
                    continue
                step = size
                if sign and not (size == 1 and at and written[at][:1].isupper()):
                    # (a capitalised syllable inside a clause is a name: "Ngọc Dao")
                    _count(words, at, (term, base * weight, sign), tally)
                break
            at += step


def _count(words: list[str], at: int, found: tuple[str, float, int], tally: _Tally) -> None:
    """Count the term ``found`` (term, weight, sign) at ``at``, negated or intensified."""
    term, weight, sign = found
    before = words[max(0, at - _NEGATION_REACH) : at]
    pairs = [f"{a} {b}" for a, b in pairwise(before)]
    if any(w in _NEGATORS for w in (*before, *pairs)):
        # "không có thương vong": no harm is a little good; "không được hỗ trợ" is ignored.
        if sign < 0:
            tally.add(f"không {term}", weight / 4, +1)
        return
    near = words[max(0, at - _INTENSITY_REACH) : at]
    if any(w in _INTENSIFIERS for w in near):
        weight *= _INTENSITY
    tally.add(term, weight, sign)
