"""The sentence ranker: which sentences summarise a recap, which passages tell its story."""

from __future__ import annotations

import pytest

from bot.domain.ranking import (
    Selection,
    Sentence,
    cut_at_word,
    human_score,
    is_prose,
    is_quotation,
    joined_length,
    select_story,
    select_summary,
    syllables,
)

TITLE = "Hơn 500 bạn trẻ dọn sạch 3 km bờ sông"
LEAD = "Chiều 19/1, Tỉnh đoàn tổ chức ngày hội thanh niên tình nguyện ven sông."
RESTATES = "Hơn 500 bạn trẻ đã dọn sạch 3 km bờ sông trong buổi sáng."
ASIDE = "Thời tiết hôm ấy khá lạnh nhưng không có mưa."


def sentences(*texts: str, paragraphs: tuple[int, ...] | None = None) -> list[Sentence]:
    places = paragraphs or tuple(range(len(texts)))
    return [Sentence(text, at) for text, at in zip(texts, places, strict=True)]


def chosen(selection: Selection, pool: list[Sentence]) -> list[str]:
    return [pool[i].text for i in selection.indices]


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def test_syllables_are_nfc_lower_case_and_keep_diacritics() -> None:
    decomposed = "Đoàn Thanh Niên TÌNH NGUYỆN, 2.500 suất".replace("Ệ", "E\u0323\u0302")

    assert syllables(decomposed) == ["đoàn", "thanh", "niên", "tình", "nguyện", "2", "500", "suất"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Các bạn trẻ dọn sạch bờ sông.", True),
        ("“Vui lắm”, em nói.", True),
        ("Toàn cảnh hội nghị", False),  # a caption: no final punctuation
        ("Tham dự có các đồng chí: Lê An, Bí thư Tỉnh đoàn.", False),  # a roster
        ("Video: Trần Quang Dưới cái nắng chói chang, đội vẫn làm.", False),  # a credit
        ("Ảnh: Minh Thư.", False),
    ],
)
def test_is_prose(text: str, expected: bool) -> None:
    assert is_prose(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("“Tôi rất vui”, anh Khôi nói.", True),
        ('"Tôi rất vui", anh Khôi nói.', True),
        ('Tôi sẽ quay lại", anh nói.', True),  # the end of a quotation cut in two
        ("Các em rất vui.", False),
        ('Anh nói: "Tôi rất vui".', False),
        ("Em kể về “Mùa hè xanh” của mình.", False),
    ],
)
def test_is_quotation(text: str, expected: bool) -> None:
    assert is_quotation(text) is expected


def test_cut_at_word() -> None:
    text = "Các bạn trẻ cùng nhau dọn dẹp bờ sông."

    assert cut_at_word(text, 100) == text
    assert cut_at_word(text, 20) == "Các bạn trẻ cùng…"
    assert cut_at_word("Mộtchữrấtdàikhôngcódấucách", 10) == "Mộtchữrất…"
    assert cut_at_word(text, 1) == "…"
    assert cut_at_word(text, 0) == ""


def test_joined_length_counts_the_separators() -> None:
    pool = sentences("Một.", "Hai.", "Ba.", paragraphs=(0, 0, 1))

    assert joined_length(pool, [2, 0, 1], paragraph_gap=2) == len("Một. Hai.\n\nBa.")
    assert joined_length(pool, [0, 2], paragraph_gap=1) == len("Một. Ba.")
    assert joined_length(pool, [], paragraph_gap=2) == 0


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("Anh Trần Đức Long cho biết đội đã trao 120 bộ sách.", 1.5),
        ("“Em cũng lớn lên ở một bản như thế này”, Mai kể.", 1.0),
        ("Giàng A Páo, 9 tuổi, là học trò chăm nhất lớp.", 1.5),
        ("Buổi chiều, các đội thi nấu ăn.", 0.0),
        ("Phát biểu có đồng chí Lê An, Bí thư Tỉnh đoàn, Ủy viên Ban Thường vụ.", -1.0),
    ],
)
def test_human_score(text: str, score: float) -> None:
    assert human_score(text) == score


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


def test_summary_prefers_the_sentence_that_restates_the_title() -> None:
    pool = sentences(ASIDE, LEAD, RESTATES)

    selection = select_summary(pool, title=TITLE, budget=70)

    assert chosen(selection, pool) == [RESTATES]
    assert not selection.cut


def test_summary_keeps_document_order_and_stays_within_budget() -> None:
    pool = sentences(LEAD, ASIDE, RESTATES)

    selection = select_summary(pool, title=TITLE, budget=200)

    assert chosen(selection, pool) == [LEAD, RESTATES]
    assert joined_length(pool, selection.indices, paragraph_gap=1) <= 200


def test_summary_counts_the_titles_words_once() -> None:
    title = "Hơn 500 bạn trẻ dọn bờ sông, trồng 200 cây xanh"
    first = "Hơn 500 bạn trẻ đã dọn bờ sông."
    again = "Hơn 500 bạn trẻ cùng dọn bờ sông."
    new = "Họ còn trồng 200 cây xanh ven đê."
    pool = sentences(first, again, new, ASIDE)

    selection = select_summary(pool, title=title, budget=len(first) + len(new) + 1)

    assert chosen(selection, pool) == [first, new]


def test_summary_skips_captions_rosters_and_credits_while_prose_exists() -> None:
    caption = "Hơn 500 bạn trẻ dọn sạch 3 km bờ sông"
    roster = "Tham dự có các đồng chí: Hơn 500 bạn trẻ dọn sạch 3 km bờ sông."
    pool = sentences(caption, roster, ASIDE)

    selection = select_summary(pool, title=TITLE, budget=500)

    assert chosen(selection, pool) == [ASIDE]


def test_summary_falls_back_to_any_sentence_when_none_is_prose() -> None:
    pool = sentences("Toàn cảnh hội nghị", "Khen thưởng các tập thể xuất sắc")

    selection = select_summary(pool, title="Hội nghị tổng kết", budget=100)

    assert chosen(selection, pool) == ["Toàn cảnh hội nghị"]


def test_summary_counts_a_quotation_for_less() -> None:
    quote = "“Hơn 500 bạn trẻ đã dọn sạch 3 km bờ sông, thật tuyệt vời”, anh nói."
    report = "Hơn 500 bạn trẻ đã dọn sạch 3 km bờ sông trong buổi sáng hôm ấy."
    pool = sentences(quote, report)

    selection = select_summary(pool, title=TITLE, budget=80)

    assert chosen(selection, pool) == [report]


def test_summary_cuts_a_long_relevant_sentence_when_nothing_fits() -> None:
    long = RESTATES.replace("trong buổi sáng", "trong buổi sáng " + "rất " * 40)
    pool = sentences(long)

    selection = select_summary(pool, title=TITLE, budget=60)

    assert selection == Selection((0,), cut=True)


def test_summary_prefers_whole_sentences_to_a_cut_one() -> None:
    long = "Ngoài ra, " + "các bạn còn làm nhiều việc khác nữa, " * 10 + "rất vui."
    pool = sentences(long, RESTATES)

    selection = select_summary(pool, title=TITLE, budget=100)

    assert selection == Selection((1,))


def test_a_longer_budget_lets_more_sentences_in() -> None:
    lead = "Sáng 28/11, Đoàn Thanh niên phường trao 50 suất quà cho học sinh nghèo."
    detail = "Chị Hà, Bí thư Đoàn phường, cho biết chương trình sẽ được duy trì hằng năm."
    pool = sentences(lead, detail, paragraphs=(0, 0))
    title = "Tuổi trẻ phường trao 50 suất quà"

    assert chosen(select_summary(pool, title=title, budget=200), pool) == [lead]
    assert chosen(select_summary(pool, title=title, budget=2000), pool) == [lead, detail]


def test_summary_prefers_a_dateline_lead_when_the_title_does_not_decide() -> None:
    theme = "Hội nghị có nhiều đổi mới trong công tác năm nay."
    lead = "Chiều 19/1, hội nghị tổng kết công tác năm nay diễn ra."
    pool = sentences(theme, lead)

    assert chosen(select_summary(pool, title="Tin vui", budget=60), pool) == [lead]
    assert chosen(select_summary(pool, title="Đổi mới", budget=60), pool) == [theme]


def test_summary_of_nothing_is_empty() -> None:
    assert select_summary([], title=TITLE, budget=100) == Selection(())


def test_summary_is_deterministic_and_order_independent_of_ties() -> None:
    pool = sentences("Câu một kể chuyện.", "Câu hai kể chuyện.", "Câu ba kể chuyện.")

    first = select_summary(pool, title="Không liên quan", budget=100)

    assert first == select_summary(pool, title="Không liên quan", budget=100)
    assert first.indices[0] == 0  # a tie keeps the earlier sentence


# --------------------------------------------------------------------------------------------
# Story
# --------------------------------------------------------------------------------------------

STORY_LEAD = "Sau 35 ngày tình nguyện ở bản Nà Lừa, 28 sinh viên đã làm xong con đường."
PROTOCOL = (
    "Phát biểu tại buổi lễ có đồng chí Lê An, Bí thư Tỉnh đoàn, và đồng chí Trần Bình, "
    "Phó Chủ tịch UBND huyện."
)
NEUTRAL = "Con đường dài gần 2 km, nối bản với trung tâm xã."
PEOPLE = "“Em cũng lớn lên ở một bản như thế này”, chị Vàng Thị Mai kể."


def test_story_opens_with_the_lead_and_prefers_people_over_protocol() -> None:
    pool = sentences(STORY_LEAD, PROTOCOL, NEUTRAL, PEOPLE)
    budget = len(STORY_LEAD) + 2 + len(PEOPLE)

    selection = select_story(pool, budget=budget)

    assert chosen(selection, pool) == [STORY_LEAD, PEOPLE]


def test_story_keeps_the_narrative_order_and_leaves_protocol_out() -> None:
    pool = sentences(STORY_LEAD, PROTOCOL, PEOPLE, NEUTRAL)

    selection = select_story(pool, budget=4000)

    assert chosen(selection, pool) == [STORY_LEAD, PEOPLE, NEUTRAL]


def test_story_keeps_whole_paragraphs() -> None:
    pool = sentences(STORY_LEAD, NEUTRAL, PEOPLE, "Cả bản ra tiễn.", paragraphs=(0, 1, 2, 2))
    budget = len(STORY_LEAD) + 2 + len(PEOPLE) + 5  # too short for PEOPLE's whole paragraph

    selection = select_story(pool, budget=budget)

    assert chosen(selection, pool) == [STORY_LEAD, NEUTRAL]


def test_story_takes_the_leads_first_sentences_or_cuts_the_first() -> None:
    pool = sentences(STORY_LEAD, NEUTRAL, paragraphs=(0, 0))

    assert select_story(pool, budget=len(STORY_LEAD) + 5) == Selection((0,))
    assert select_story(pool, budget=20) == Selection((0,), cut=True)


def test_story_of_nothing_is_empty() -> None:
    assert select_story([], budget=100) == Selection(())
