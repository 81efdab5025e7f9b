"""Recap decoding, title splitting, noise removal and sentence splitting."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot.domain.errors import RecapError
from bot.domain.recaps import clean_body, decode_recap, split_sentences, split_title

SHARED_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "samples"
    / "recap-thanh-doan-ha-noi-2021-01-19.txt"
)

#: Every noise line of the shared sample, as the fragment that must not survive cleaning.
SHARED_SAMPLE_NOISE = (
    "20:02 | 19/01/2021",
    "TTTĐ",
    "Thành đoàn TP HCM ra mắt Câu lạc bộ tư vấn",  # the related-links line
    "13 tác phẩm đoạt giải cuộc thi Sáng tác biểu trưng",
    "Toàn cảnh hội nghị",
    "Đại biểu tham góp ý kiến tại hội nghị",
    "phatát",
    "Nguyễn Dũng",
    "Bản quyền thuộc",
    "Đoàn Thanh niên Khối Công nhân viên chức Thủ đô:",
    "Đổi mới, sáng tạo, gắn công tác Đoàn với nhiệm vụ chuyên môn",  # the repeated headline
    "Khen thưởng các tập thể xuất sắc",
    "phát biểu tại hội nghị\n",
)


def shared_sample_text() -> str:
    if not SHARED_SAMPLE.is_file():
        pytest.skip(f"shared sample recap not found at {SHARED_SAMPLE} (it lives outside the repo)")
    return decode_recap(SHARED_SAMPLE.read_bytes(), source=SHARED_SAMPLE.name)


# --------------------------------------------------------------------------------------------
# decode_recap
# --------------------------------------------------------------------------------------------


def test_decode_normalises_composed_and_decomposed_diacritics_to_equal_text() -> None:
    composed = "Hòa bình, Việt Nam, Đoàn Thanh niên tình nguyện"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed

    from_decomposed = decode_recap(decomposed.encode(), source="a.txt")

    assert from_decomposed == decode_recap(composed.encode(), source="b.txt") == composed


def test_decode_strips_bom_unifies_line_ends_and_trailing_whitespace() -> None:
    data = b"\xef\xbb\xbf" + "Tiêu đề  \r\nDòng một\t\rDòng hai   \r\n\r\n  \n".encode()

    assert decode_recap(data, source="r.txt") == "Tiêu đề\nDòng một\nDòng hai"


@pytest.mark.parametrize("data", [b"", b"   \n\t  \r\n", b"\xef\xbb\xbf", "\u00a0\n".encode()])
def test_decode_rejects_an_empty_recap(data: bytes) -> None:
    with pytest.raises(RecapError, match=r"^recap\.txt: the recap is empty$"):
        decode_recap(data, source="recap.txt")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "Tiêu đề\x00 bài".encode(),
        bytes(range(1, 32)) * 4 + b"abc",
    ],
)
def test_decode_rejects_a_binary_file(data: bytes) -> None:
    with pytest.raises(RecapError, match=r"^photo\.png: looks like a binary file, not text$"):
        decode_recap(data, source="photo.png")


def test_decode_names_the_first_bad_byte_of_non_utf8_text() -> None:
    data = "Hội nghị tổng kết".encode() + "đoàn".encode("cp1258")

    with pytest.raises(RecapError) as caught:
        decode_recap(data, source="cu.txt")

    offset = len("Hội nghị tổng kết".encode())
    assert str(caught.value) == (
        f"cu.txt: not UTF-8 text (byte 0xf0 at offset {offset}); save it as UTF-8"
    )


def test_decode_counts_the_offset_in_the_file_including_the_bom() -> None:
    with pytest.raises(RecapError, match=r"byte 0xe9 at offset 5\)"):
        decode_recap(b"\xef\xbb\xbfab\xe9", source="x.txt")


def test_decode_reports_utf16_as_not_utf8_rather_than_binary() -> None:
    data = "Xin chào".encode("utf-16")

    with pytest.raises(RecapError, match=r"not UTF-8 text \(byte 0x(ff|fe) at offset 0\)"):
        decode_recap(data, source="notepad.txt")


def test_decode_error_stays_on_one_line_whatever_the_source_name() -> None:
    with pytest.raises(RecapError) as caught:
        decode_recap(b"", source="evil\nname.txt")

    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("evil name.txt: ")


# --------------------------------------------------------------------------------------------
# split_title
# --------------------------------------------------------------------------------------------


def test_split_title_takes_the_first_non_empty_line_without_markdown() -> None:
    title, body = split_title("\n\n# **Ngày hội hiến máu** #\n\nĐoạn một.\n\nĐoạn hai.")

    assert title == "Ngày hội hiến máu"
    assert body == "Đoạn một.\n\nĐoạn hai."


def test_split_title_skips_a_unit_line_ending_with_a_colon() -> None:
    text = "Đoàn Thanh niên phường Hồ Tây:\n\nNgày hội hiến máu lần thứ năm\n\nSáng nay, ..."

    title, body = split_title(text)

    assert title == "Ngày hội hiến máu lần thứ năm"
    assert body == "Sáng nay, ..."


def test_split_title_keeps_a_colon_title_above_a_paragraph() -> None:
    title, body = split_title("Tin vui:\nCả lớp đã đỗ đại học. Ai cũng hạnh phúc.")

    assert title == "Tin vui:"
    assert body == "Cả lớp đã đỗ đại học. Ai cũng hạnh phúc."


def test_split_title_of_blank_text_is_an_error() -> None:
    with pytest.raises(RecapError, match="no title"):
        split_title("\n  \n")


# --------------------------------------------------------------------------------------------
# clean_body
# --------------------------------------------------------------------------------------------


def test_clean_body_removes_every_noise_line_of_the_shared_sample() -> None:
    title, body = split_title(shared_sample_text())

    paragraphs = clean_body(body, title=title)

    joined = "\n".join(paragraphs) + "\n"
    for noise in SHARED_SAMPLE_NOISE:
        assert noise not in joined, noise
    assert paragraphs[0].startswith("Chiều 19/1, Thành đoàn Hà Nội tổ chức Hội nghị tổng kết")
    assert paragraphs[-1].startswith("Dịp này, Ban tổ chức đã trao giải")
    assert len(paragraphs) == 20


def test_clean_body_gives_the_same_paragraphs_with_or_without_the_title_lines() -> None:
    text = shared_sample_text()
    title, body = split_title(text)

    assert clean_body(text, title=title) == clean_body(body, title=title)


def test_clean_body_strips_markdown_and_keeps_list_items_as_lines() -> None:
    text = (
        "## Kết quả\n"
        "Đội đã **sửa 3 phòng học** và _trao quà_ cho [60 em nhỏ](https://example.org/a).\n"
        "![Ảnh đội hình](https://example.org/a.jpg)\n"
        "\n"
        "- Trao 120 bộ sách vở\n"
        "* Dựng tủ sách nhỏ\n"
        "> Các em rất vui.\n"
    )

    paragraphs = clean_body(text, title="Mùa hè xanh")

    assert paragraphs == [
        "Kết quả",
        "Đội đã sửa 3 phòng học và trao quà cho 60 em nhỏ.",
        "- Trao 120 bộ sách vở",
        "- Dựng tủ sách nhỏ",
        "Các em rất vui.",
    ]


def test_clean_body_drops_the_repeated_headline_with_its_captions() -> None:
    text = (
        "Sáng 27/11, hơn 300 người đã hiến máu. Ngày hội diễn ra vui vẻ.\n\n"
        "NGÀY HỘI HIẾN MÁU HỒ TÂY\n"
        "Người dân đăng ký hiến máu\n\n"
        "Anh Khôi đã hiến máu 21 lần. Anh rất vui.\n\n"
        "Toàn cảnh ngày hội\n"
        "Ngày hội hiến máu Hồ Tây\n"
        "Tình nguyện viên đo huyết áp cho người cao tuổi.\n\n"
        "Ngày hội khép lại lúc 11 giờ. Mọi người ra về hạnh phúc.\n"
    )

    paragraphs = clean_body(text, title="Ngày hội hiến máu Hồ Tây")

    assert paragraphs == [
        "Sáng 27/11, hơn 300 người đã hiến máu. Ngày hội diễn ra vui vẻ.",
        "Anh Khôi đã hiến máu 21 lần. Anh rất vui.",
        "Ngày hội khép lại lúc 11 giờ. Mọi người ra về hạnh phúc.",
    ]


def test_clean_body_removes_captions_printed_twice_and_truncated_copies() -> None:
    text = (
        "Hội nghị diễn ra sôi nổi.\n\n"
        "Đại biểu góp ý kiến tại hội nghị\n"
        "Đại biểu góp ý kiến tại hội nghị\n\n"
        "Đồng chí Chu Minh, Bí thư Thành đoàn phatát\n"
        "Đồng chí Chu Minh, Bí thư Thành đoàn phát biểu tại hội nghị\n\n"
        "đồng chí: Lý Xuân phát biểu khai mạc\n"
        "Đồng chí Lý Xuân phát biểu khai mạc\n\n"
        "Hội nghị kết thúc lúc 17 giờ.\n"
    )

    paragraphs = clean_body(text, title="Tổng kết công tác Đoàn")

    assert paragraphs == ["Hội nghị diễn ra sôi nổi.", "Hội nghị kết thúc lúc 17 giờ."]


def test_clean_body_keeps_the_later_complete_copy_of_a_sentence() -> None:
    text = (
        "Đội đã trao 120 bộ sách.\n\n"
        "Cả bản cùng ra đón đoàn tình nguyện\n"
        "Cả bản cùng ra đón đoàn tình nguyện từ sáng sớm.\n\n"
        "Đội đã trao 120 bộ sách.\n"
    )

    assert clean_body(text, title="Mùa hè xanh") == [
        "Cả bản cùng ra đón đoàn tình nguyện từ sáng sớm.",
        "Đội đã trao 120 bộ sách.",
    ]


def test_clean_body_never_drops_a_short_complete_sentence() -> None:
    text = "Ai cũng vui.\n\nCác em hát vang.\n\nHẹn gặp lại!\n\nThật tuyệt?"

    assert clean_body(text, title="Ngày hội") == [
        "Ai cũng vui.",
        "Các em hát vang.",
        "Hẹn gặp lại!",
        "Thật tuyệt?",
    ]


def test_clean_body_drops_a_long_paragraph_printed_again_with_a_change() -> None:
    paragraph = " ".join(
        f"Đội hình số {n} đã sửa {n + 2} phòng học và trao quà cho các em nhỏ ở bản xa."
        for n in range(30)
    )
    edited = paragraph.replace("Đội hình số 7", "Đội hình thứ 7")

    assert clean_body(f"{paragraph}\n{edited}", title="Mùa hè xanh") == [edited]


def test_clean_body_is_fast_on_long_lines_that_share_words() -> None:
    # Two long lines of about the same length sharing most of their words: comparing them
    # letter by letter took over a minute.
    first = " ".join(
        f"Câu số {i} nói về việc tốt của đoàn viên thanh niên phường." for i in range(150)
    )
    second = " ".join(
        f"Dòng số {i} kể về việc hay của hội viên thanh niên huyện." for i in range(150)
    )

    # Speed is measured in benchmarks/run.py; here, that both survive as distinct paragraphs.
    paragraphs = clean_body(f"{first}\n{second}", title="Tin")

    assert paragraphs == [first, second]


@pytest.mark.parametrize(
    "stamp",
    [
        "20:02 | 19/01/2021",
        "Thứ Ba, 19/01/2021 20:02 (GMT+7)",
        "19/1/2021 - 08:15",
        "Cập nhật: 08h15 ngày 28/11/2026",
        "2026-11-28 08:15",
    ],
)
def test_clean_body_drops_date_and_time_stamp_lines(stamp: str) -> None:
    assert clean_body(f"{stamp}\nSáng nay đội ra quân.", title="Ra quân") == [
        "Sáng nay đội ra quân."
    ]


@pytest.mark.parametrize(
    "prefix", ["TTTĐ - ", "(Dân trí) - ", "VOV.VN - ", "TTXVN -", "TNTĐ – ", "Dân trí - "]
)
def test_clean_body_drops_the_agency_prefix_of_the_lead(prefix: str) -> None:
    text = f"{prefix}Chiều 19/1, Thành đoàn tổ chức hội nghị."

    assert clean_body(text, title="Hội nghị") == ["Chiều 19/1, Thành đoàn tổ chức hội nghị."]


@pytest.mark.parametrize(
    "lead",
    [
        "Hà Nội - Campuchia là trận đấu được chờ đợi nhất.",
        "COVID-19 không ngăn được các bạn trẻ.",
        "Anh - Pháp ký thỏa thuận mới.",
    ],
)
def test_clean_body_keeps_a_lead_that_merely_contains_a_dash(lead: str) -> None:
    assert clean_body(lead, title="Tin") == [lead]


@pytest.mark.parametrize(
    "tail",
    [
        "Nguyễn Dũng",
        "PV",
        "Minh Anh - Hà Linh",
        "Thanh Hằng (tổng hợp)",
        "Theo TTXVN",
        "Ảnh: Minh Thư",
        "Bản quyền thuộc Tin Nắng Thủ Đô",
        "© 2026 Tin Nắng Thủ Đô",
        "Nguồn: tinnang.example",
        "https://tinnang.example/bai-viet",
    ],
)
def test_clean_body_drops_bylines_credits_and_footers(tail: str) -> None:
    text = f"Ngày hội kết thúc tốt đẹp.\n\n{tail}\n\nBản quyền thuộc https://tinnang.example/"

    assert clean_body(text, title="Ngày hội") == ["Ngày hội kết thúc tốt đẹp."]


def test_clean_body_keeps_a_content_line_that_starts_like_a_byline() -> None:
    text = "Theo đó, năm 2027 đội sẽ mở thêm hai lớp học.\n\nNguyễn Dũng"

    assert clean_body(text, title="Kế hoạch") == ["Theo đó, năm 2027 đội sẽ mở thêm hai lớp học."]


def test_clean_body_drops_a_run_of_related_headlines() -> None:
    related = (
        "Ra mắt câu lạc bộ bóng đá thiếu niên phường Hồ Tây Hơn 200 tình nguyện viên dọn rác "
        "bờ sông sau mưa lớn Sinh viên sửa xe miễn phí cho người lao động nghèo"
    )
    text = f"Sáng nay, đội tình nguyện ra quân.\n{related}\n\nCả bản vui mừng."

    assert clean_body(text, title="Ra quân") == [
        "Sáng nay, đội tình nguyện ra quân.",
        "Cả bản vui mừng.",
    ]


def test_clean_body_removes_a_caption_repeated_inside_a_paragraph() -> None:
    text = (
        "Chiếc xe bị cháy rụi. Lực lượng cứu hỏa có mặt sau năm phút.\n\n"
        "Xe cháy trên phố\n"
        "Chiếc xe bị cháy rụi.\n\n"
        "Không ai bị thương.\n"
    )

    assert clean_body(text, title="Xe cháy trên phố") == [
        "Lực lượng cứu hỏa có mặt sau năm phút.",
        "Không ai bị thương.",
    ]


def test_clean_body_drops_a_name_glued_to_the_last_paragraph() -> None:
    text = "Mọi người ra về hạnh phúc. Hẹn gặp lại năm sau. Phương Vũ"

    assert clean_body(text, title="Ngày hội") == ["Mọi người ra về hạnh phúc. Hẹn gặp lại năm sau."]


def test_clean_body_joins_a_hard_wrapped_paragraph() -> None:
    text = "Sáng nay, hơn 300 đoàn viên\nđã tham gia hiến máu tại\nnhà văn hóa phường."

    assert clean_body(text, title="Hiến máu") == [
        "Sáng nay, hơn 300 đoàn viên đã tham gia hiến máu tại nhà văn hóa phường."
    ]


def test_clean_body_compares_the_headline_without_case_or_diacritics() -> None:
    text = "Đội ra quân.\n\nMUA HE XANH O BAN NA LUA\nCác bạn trẻ làm đường\n\nCả bản vui."

    assert clean_body(text, title="Mùa hè xanh ở bản Nà Lừa") == ["Đội ra quân.", "Cả bản vui."]


# --------------------------------------------------------------------------------------------
# split_sentences
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Hội nghị diễn ra ở TP. Hồ Chí Minh. Đại biểu đến từ Q. 1 và P. Bến Nghé.",
            ["Hội nghị diễn ra ở TP. Hồ Chí Minh.", "Đại biểu đến từ Q. 1 và P. Bến Nghé."],
        ),
        (
            "Phát biểu có PGS.TS. Nguyễn An, ThS. Lê Bình, Th.S. Hà Chi, GS. Vũ Dũng, BS. Mai. "
            "Các em rất vui.",
            [
                "Phát biểu có PGS.TS. Nguyễn An, ThS. Lê Bình, Th.S. Hà Chi, GS. Vũ Dũng, BS. Mai.",
                "Các em rất vui.",
            ],
        ),
        (
            "Đội mang theo sách, vở, bút v.v. Mọi thứ đều được trao tận tay. Tp. Huế cũng vậy.",
            [
                "Đội mang theo sách, vở, bút v.v. Mọi thứ đều được trao tận tay.",
                "Tp. Huế cũng vậy.",
            ],
        ),
    ],
)
def test_split_sentences_keeps_abbreviations_inside_a_sentence(
    paragraph: str, expected: list[str]
) -> None:
    assert split_sentences(paragraph) == expected


def test_split_sentences_does_not_split_numbers() -> None:
    paragraph = (
        "Ngày 19/1, đội trao 2.500 suất quà, tăng 13,5% so với năm trước. "
        "Tổng giá trị là 1.000.000.000 đồng. 5 đơn vị được khen thưởng."
    )

    assert split_sentences(paragraph) == [
        "Ngày 19/1, đội trao 2.500 suất quà, tăng 13,5% so với năm trước.",
        "Tổng giá trị là 1.000.000.000 đồng.",
        "5 đơn vị được khen thưởng.",
    ]


def test_split_sentences_does_not_split_inside_a_quotation_that_goes_on() -> None:
    paragraph = (
        "Anh Khôi nói: “Tôi rất vui. Tôi sẽ quay lại!” Sau đó anh ra về. "
        'Chị Hà kể: "Các em hát hay lắm. Ai cũng khóc." Buổi tối kết thúc.'
    )

    assert split_sentences(paragraph) == [
        "Anh Khôi nói: “Tôi rất vui. Tôi sẽ quay lại!”",
        "Sau đó anh ra về.",
        'Chị Hà kể: "Các em hát hay lắm. Ai cũng khóc."',
        "Buổi tối kết thúc.",
    ]


def test_split_sentences_starts_a_sentence_at_an_opening_quote() -> None:
    paragraph = "Anh Khôi đã hiến máu 21 lần. “Tôi thấy mình có ích”, anh nói."

    assert split_sentences(paragraph) == [
        "Anh Khôi đã hiến máu 21 lần.",
        "“Tôi thấy mình có ích”, anh nói.",
    ]


def test_split_sentences_ignores_an_unclosed_quote() -> None:
    paragraph = "Chị nói: “Mong là sẽ tai qua nạn khỏi. Cả bản đều chờ."

    assert split_sentences(paragraph) == [
        "Chị nói: “Mong là sẽ tai qua nạn khỏi.",
        "Cả bản đều chờ.",
    ]


def test_split_sentences_handles_ellipses() -> None:
    paragraph = (
        "Đổi mới dây chuyền sản xuất… được chú trọng. Rồi mưa tạnh... Trời lại nắng. "
        "Các em chờ mãi... chờ mãi."
    )

    assert split_sentences(paragraph) == [
        "Đổi mới dây chuyền sản xuất… được chú trọng.",
        "Rồi mưa tạnh...",
        "Trời lại nắng.",
        "Các em chờ mãi... chờ mãi.",
    ]


def test_split_sentences_keeps_semicolon_lists_in_one_sentence() -> None:
    paragraph = (
        "Năm 2021 có 5 nhiệm vụ: Học tập nghị quyết; Triển khai quy tắc ứng xử; "
        "Chăm lo thanh niên công nhân. Hội nghị bế mạc."
    )

    assert split_sentences(paragraph) == [
        "Năm 2021 có 5 nhiệm vụ: Học tập nghị quyết; Triển khai quy tắc ứng xử; "
        "Chăm lo thanh niên công nhân.",
        "Hội nghị bế mạc.",
    ]


def test_split_sentences_splits_at_question_and_exclamation_marks() -> None:
    assert split_sentences("Ai sẽ đi? Tất cả! Vậy thì tốt.") == [
        "Ai sẽ đi?",
        "Tất cả!",
        "Vậy thì tốt.",
    ]


def test_split_sentences_keeps_a_paragraph_opening_list_number() -> None:
    assert split_sentences("1. Trao quà cho các em. Sau đó về.") == [
        "1. Trao quà cho các em.",
        "Sau đó về.",
    ]


def test_split_sentences_keeps_inline_list_numbers() -> None:
    paragraph = "Năm nhiệm vụ: 1. Học tập nghị quyết; 2. Triển khai quy tắc. Đội xếp thứ 2. Hết."

    assert split_sentences(paragraph) == [
        "Năm nhiệm vụ: 1. Học tập nghị quyết; 2. Triển khai quy tắc.",
        "Đội xếp thứ 2.",
        "Hết.",
    ]


def test_split_sentences_reads_straight_quotes_from_their_neighbours() -> None:
    # The paragraph starts inside a quotation whose opening mark a page break left behind:
    # its closing mark must not pair with the next opening one and swallow a sentence.
    paragraph = (
        'Đến giờ, chúng tôi vẫn chưa từ bỏ", bà Haley nói. Dù vậy, Mỹ có "nhiều lựa chọn" '
        "khác. Câu cuối."
    )

    assert split_sentences(paragraph) == [
        'Đến giờ, chúng tôi vẫn chưa từ bỏ", bà Haley nói.',
        'Dù vậy, Mỹ có "nhiều lựa chọn" khác.',
        "Câu cuối.",
    ]


def test_split_sentences_is_linear_in_the_paragraph() -> None:
    paragraph = " ".join(
        f"Ngày {n % 28 + 1}/1, đội ở TP. HCM trao {n}.500 suất quà “cho các em. Vui lắm”."
        for n in range(3000)
    )

    sentences = split_sentences(paragraph)  # 17 s before the fix; timed in benchmarks/run.py

    assert len(sentences) == 3000


def test_split_sentences_of_blank_text_is_empty() -> None:
    assert split_sentences("  \n ") == []


def test_a_huge_recap_is_read_up_to_the_cap() -> None:
    import random

    from bot.domain.drafting import draft_post
    from bot.domain.posts import PostKind
    from bot.domain.recaps import MAX_CLEAN_CHARS

    rng = random.Random(7)
    words = [
        "đoàn",
        "viên",
        "thanh",
        "niên",
        "tình",
        "nguyện",
        "giúp",
        "người",
        "dân",
        "trồng",
        "cây",
        "hiến",
        "máu",
        "học",
        "sinh",
    ]
    lines = [
        " ".join(rng.choice(words) for _ in range(25)).capitalize() + "." for _ in range(40000)
    ]
    text = "\n".join(lines)  # ~4 MB of near-identical lines: the worst case for copy detection
    assert len(text) > 30 * MAX_CLEAN_CHARS
    paragraphs = clean_body(text, title="Tiêu đề")  # its time: benchmarks/run.py
    draft = draft_post(kind=PostKind.DAILY, title="Tiêu đề", text=text)
    assert sum(len(p) for p in paragraphs) <= MAX_CLEAN_CHARS
    assert 0 < len(draft.body) <= 600


def test_a_link_whose_url_holds_parentheses_leaves_no_stray_bracket() -> None:
    # Issue #17 (12): the ")" of "Huế_(thành_phố)" was left in the title and the text.
    text = (
        "# Về [Huế](https://vi.wikipedia.org/wiki/Huế_(thành_phố)) mùa sen\n"
        "Đoàn viên đưa 40 em nhỏ thăm [Đại Nội](https://vi.wikipedia.org/wiki/Đại_Nội_(Huế)).\n"
        "![Ảnh](https://example.org/a_(1).jpg) Các em rất vui.\n"
    )
    title, body = split_title(text)
    assert title == "Về Huế mùa sen"
    assert clean_body(body, title=title) == [
        "Đoàn viên đưa 40 em nhỏ thăm Đại Nội.",
        "Các em rất vui.",
    ]


ARTICLE = (
    "Trung uý Lê Ngọc Hưng, Đội cảnh sát giao thông TP Vinh, dùng chổi quét dọn đá rơi trên "
    "đại lộ Lê Nin sáng 9/9. Anh cho biết tổ công tác phát hiện đá rơi vãi tiềm ẩn nguy cơ "
    "tai nạn nên xuống thu dọn. Hình ảnh cảnh sát giao thông quét đá được nhiều người chia "
    "sẻ kèm lời khen ngợi. Lãnh đạo Công an TP Vinh cho biết sẽ biểu dương việc làm này."
)


def test_the_caption_block_after_the_article_goes() -> None:
    body = (
        f"{ARTICLE}\n\nTrung uý Hưng quét đá trên đường.\n"
        "Người dân cùng hỗ trợ cảnh sát gom đá rơi trên đường."
    )
    assert clean_body(body, title="Cảnh sát giao thông dọn đá rơi") == [ARTICLE]


def test_one_caption_line_goes_when_a_credit_beside_it_shows_what_it_is() -> None:
    body = f"{ARTICLE}\n\nNgười dân cùng gom đá rơi trên đường.\n(Ảnh: Hải Bình)"
    assert clean_body(body, title="Cảnh sát giao thông dọn đá rơi") == [ARTICLE]


def test_a_closing_paragraph_of_the_article_is_not_a_caption() -> None:
    # One short last paragraph with nothing to show it is a caption stays.
    closing = "Chương trình kéo dài đến hết tháng 8."
    body = f"{ARTICLE}\n\n{closing}"
    assert clean_body(body, title="Cảnh sát giao thông dọn đá rơi") == [ARTICLE, closing]
    # Paragraphs of similar length are the article itself, not a caption block.
    second = "Anh Hưng kể lại rằng việc này rất bình thường. Ai cũng sẽ làm như vậy."
    third = "Người dân đi đường đều khen ngợi anh. Nhiều người dừng lại cùng giúp."
    short = f"{second}\n\n{third}\n{closing}"
    assert clean_body(short, title="Cảnh sát giao thông dọn đá rơi") == [second, third, closing]
