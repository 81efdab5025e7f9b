"""Tone: good news, neutral or bad news, with the words that decided it."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.tone import TOO_LITTLE_TEXT, Tone, judge

ACCIDENT = (
    "Tai nạn giao thông nghiêm trọng trên quốc lộ 1A",
    "Sáng 12/3, một xe khách va chạm với xe tải khiến hai người tử vong và năm người bị "
    "thương. Cơ quan chức năng đang điều tra nguyên nhân vụ tai nạn.",
)
VOLUNTEERS = (
    "Tình nguyện viên trao 200 suất quà cho trẻ em vùng cao",
    "Đoàn thanh niên phường đã quyên góp sách vở, áo ấm và trao tặng các em học sinh. "
    "Các bạn tình nguyện viên còn giúp đỡ người dân sửa đường vào bản.",
)


def test_an_accident_is_negative_with_its_reasons() -> None:
    judgement = judge(*ACCIDENT)
    assert judgement.tone is Tone.NEGATIVE
    assert "tai nạn" in judgement.reasons
    assert "tử vong" in judgement.reasons
    assert not judgement.mixed


def test_volunteering_is_positive() -> None:
    judgement = judge(*VOLUNTEERS)
    assert judgement.tone is Tone.POSITIVE
    assert "tình nguyện viên" in judgement.reasons


def test_negation_no_casualties_is_not_bad_news() -> None:
    """ "không có thương vong" says nobody was hurt: it does not count as harm."""
    told = judge(
        "Diễn tập phòng cháy tại khu dân cư",
        "Buổi diễn tập diễn ra an toàn, không có thương vong. Người dân được hướng dẫn cách "
        "thoát hiểm và sử dụng bình chữa cháy.",
    )
    assert told.tone is not Tone.NEGATIVE
    hurt = judge(
        "Diễn tập phòng cháy tại khu dân cư",
        "Buổi diễn tập diễn ra sáng nay, có thương vong. Người dân được hướng dẫn cách "
        "thoát hiểm và sử dụng bình chữa cháy.",
    )
    assert hurt.negative_score > told.negative_score


def test_intensity_weighs_more() -> None:
    plain = judge("Mưa lớn ở miền Trung", "Mưa lớn gây ngập ở một số tuyến phố trong ngày.")
    strong = judge("Mưa lớn ở miền Trung", "Mưa lớn gây nhiều ngập ở một số tuyến phố trong ngày.")
    assert strong.negative_score > plain.negative_score


def test_the_headline_weighs_more_than_the_body() -> None:
    body = "Người dân trong xã đến xem rất đông. Lễ hội kéo dài ba ngày với nhiều trò chơi."
    in_title = judge("Lễ hội bị đình chỉ vì vi phạm", body)
    in_body = judge("Lễ hội ở xã", body + " Lễ hội bị đình chỉ vì vi phạm.")
    assert in_title.negative_score > in_body.negative_score


def test_a_rescue_where_everyone_survives_is_good_news() -> None:
    judgement = judge(
        "Nam thanh niên lao xuống sông cứu hai em nhỏ",
        "Chiều 5/6, hai em nhỏ bị nước cuốn khi tắm sông. Anh Nguyễn Văn An (25 tuổi) đã "
        "lao xuống cứu cả hai em lên bờ an toàn.",
    )
    assert judgement.tone is Tone.POSITIVE
    assert "cứu" in judgement.reasons


def test_a_disaster_with_volunteers_is_mixed_and_negative() -> None:
    judgement = judge(
        "Lũ quét làm ba người chết, tình nguyện viên đến giúp dân",
        "Trận lũ quét đêm qua cuốn trôi nhiều nhà, ba người tử vong. Sáng nay hàng trăm tình "
        "nguyện viên đã đến dọn bùn, giúp đỡ người dân.",
    )
    assert judgement.tone is Tone.NEGATIVE
    assert judgement.mixed
    assert "tình nguyện viên" in judgement.reasons or "giúp đỡ" in judgement.reasons


def test_research_is_not_a_rescue_and_a_name_is_not_a_knife() -> None:
    """ "nghiên cứu" contains "cứu"; "Ngọc Dao" is a name, not "dao" (a knife)."""
    judgement = judge(
        "Nhóm sinh viên nghiên cứu giống lúa mới",
        "Theo bà Ngô Thị Ngọc Dao, nhóm nghiên cứu đã thử nghiệm giống lúa trên ba cánh đồng "
        "của tỉnh trong hai năm.",
    )
    assert judgement.tone is Tone.NEUTRAL
    assert "cứu" not in judgement.reasons
    assert "dao" not in judgement.reasons


def test_too_little_text_is_neutral() -> None:
    assert judge("Tin", "Ngắn.").reasons == (TOO_LITTLE_TEXT,)
    english = judge(
        "Two people died in a road accident", "The crash happened on Monday near the bridge."
    )
    assert english.tone is Tone.NEUTRAL
    assert english.reasons == (TOO_LITTLE_TEXT,)


@given(st.text(max_size=400), st.text(max_size=60))
def test_any_text_gets_a_tone_deterministically(text: str, title: str) -> None:
    first = judge(title, text)
    assert first == judge(title, text)
    assert first == judge(unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", text))
