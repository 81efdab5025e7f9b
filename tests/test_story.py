"""A weekly story from a recap printed as one block."""

from __future__ import annotations

from bot.domain import story
from bot.domain.drafting import draft_post
from bot.domain.posts import PostKind
from bot.domain.ranking import Sentence

TITLE = "Trung uý đặc công bảo vệ sân bay Nội Bài"
BACKSTORY = [
    "Trên cổ anh có vài nốt đỏ, dấu vết của những mũi giáo vừa đâm vào.",
    "33 tuổi với 14 năm quân ngũ, Hạnh phải mất 7 năm khổ luyện võ thuật.",
    "Đam mê võ thuật từ bé, chàng trai quê Bắc Ninh mơ ước làm lính đặc công.",
]
STORY = [
    "Tổ trưởng chống khủng bố Nguyễn Bá Hạnh hai lần được tham gia nhiệm vụ đặc biệt.",
    "Đơn vị của Hạnh tổ chức ém quân, bảo đảm an toàn tại sân bay quốc tế Nội Bài.",
    '"Là tổ trưởng, tôi có nhiệm vụ huấn luyện chiến đấu viên ở thực địa", Hạnh nói.',
]
AFTER = ["Phái đoàn hai bên cùng luyện võ thuật và bắn súng suốt một tuần."]


def _one_block(texts: list[str]) -> list[Sentence]:
    return [Sentence(text, 0) for text in texts]


def test_full_names_open_on_a_family_name() -> None:
    assert story.full_names("Tổ trưởng Nguyễn Bá Hạnh và thầy Đỗ Đức Anh, ở Hà Nội.") == [
        ("Nguyễn", "Bá", "Hạnh"),
        ("Đỗ", "Đức", "Anh"),
    ]


def test_a_short_name_is_spelled_out_on_first_mention() -> None:
    names = [("Đỗ", "Đức", "Anh"), ("Nguyễn", "Bá", "Hạnh")]
    known: set[tuple[str, ...]] = set()
    first = story.introduce("Học trò của thầy Đức Anh đã khóc.", names, known)
    assert first == "Học trò của thầy Đỗ Đức Anh đã khóc."
    again = story.introduce("Thầy Đức Anh cười.", names, known)
    assert again == "Thầy Đức Anh cười."  # known now: the short name is enough
    # "Anh cho biết" opens on a pronoun, not on a name.
    assert story.introduce("Anh cho biết sẽ quay lại.", names, set()) == "Anh cho biết sẽ quay lại."


def test_a_story_opens_on_who_keeps_order_and_ends_on_words() -> None:
    told = story.tell(_one_block(BACKSTORY + STORY + AFTER), title=TITLE, budget=900, gap=2)
    texts = [s.text for s in told]
    assert texts == STORY  # not the backstory that calls him "anh", "Hạnh"; not the aside
    # The quotation stands as its own paragraph.
    assert [s.paragraph for s in told] == [0, 0, 1]


def test_a_story_with_no_end_that_resolves_is_not_told() -> None:
    assert story.tell(_one_block(BACKSTORY + AFTER), title=TITLE, budget=900, gap=2) == []


def test_a_weekly_draft_of_a_one_block_recap_tells_a_story() -> None:
    draft = draft_post(kind=PostKind.WEEKLY, title=TITLE, text=" ".join(BACKSTORY + STORY + AFTER))
    assert draft.sentences == tuple(STORY)
    assert draft.body == f"{STORY[0]} {STORY[1]}\n\n{STORY[2]}"
