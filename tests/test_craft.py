"""An editor's rules for the sentences of a post."""

from __future__ import annotations

from bot.domain import craft
from bot.domain.drafting import draft_post
from bot.domain.posts import PostKind
from bot.domain.ranking import Sentence

LEAD = "Sáng 12/3, Đoàn phường Hồ Tây tổ chức ngày hội hiến máu với hơn 300 người tham gia."


def _sentences(*texts: str) -> list[Sentence]:
    return [Sentence(text, at) for at, text in enumerate(texts)]


def test_a_caption_printed_twice_credits_and_positions_go() -> None:
    kept = craft.tidy(
        _sentences(
            "Toàn cảnh ngày hội hiến máu.",
            LEAD,
            "Bí thư Đoàn phường (trái) trao quà cho người hiến máu.",
            "Người dân xếp hàng chờ hiến máu - Ảnh: Minh Anh.",
            "Nhiều bạn trẻ lần đầu hiến máu và hẹn sẽ quay lại vào năm sau.",
            "Toàn cảnh ngày hội hiến máu.",
        )
    )
    assert [s.text for s in kept] == [
        LEAD,
        "Nhiều bạn trẻ lần đầu hiến máu và hẹn sẽ quay lại vào năm sau.",
    ]


def test_a_long_sentence_printed_twice_keeps_its_first_place() -> None:
    long = LEAD + " Ngày hội kéo dài từ 7 giờ đến 11 giờ trưa tại nhà văn hoá phường."
    kept = craft.tidy(_sentences(long, "Người dân rất vui.", long))
    assert [s.text for s in kept] == [long, "Người dân rất vui."]


def test_a_glued_subheading_is_split_off() -> None:
    assert craft.unglue("Bánh chưng xanh Bánh chưng xanh được gói từ lá dong.") == (
        "Bánh chưng xanh được gói từ lá dong."
    )
    assert craft.unglue("Thị trường sôi động Theo báo cáo, giá nhà tăng 5%.") == (
        "Theo báo cáo, giá nhà tăng 5%."
    )
    said = "Ông Nguyễn Văn An cho biết Theo kế hoạch, ngày hội sẽ diễn ra hằng năm."
    assert craft.unglue(said) == said  # a quotation, not a heading


def test_openings_that_refer_back_or_name_a_stranger() -> None:
    assert not craft.can_open("Theo đó, ngày hội sẽ được tổ chức hằng năm.")
    assert not craft.can_open("Chuyên gia này cho biết nhiều điều.")
    assert not craft.can_open("Ông Trai cho biết anh rất vui.")
    assert craft.can_open("Ông Trần Văn Trai cho biết anh rất vui.")
    assert craft.can_open("Ông Trai cho biết anh rất vui.", named="Ông Trần Văn Trai hiến máu")
    assert craft.can_open("Chị Hà, 19 tuổi, dạy các em nhỏ gấp thuyền giấy.")
    assert craft.repair_opening("Trước đó, khoảng 7 giờ sáng, người dân đã xếp hàng.") == (
        "Khoảng 7 giờ sáng, người dân đã xếp hàng."
    )


def test_a_daily_post_never_opens_on_a_reference_back_nor_ends_on_a_question() -> None:
    text = (
        "Theo đó, Đoàn phường Hồ Tây tổ chức ngày hội hiến máu với hơn 300 người hiến máu. "
        "Ai sẽ là người hiến máu nhiều nhất năm nay? Người dân rất vui."
    )
    draft = draft_post(kind=PostKind.DAILY, title="Ngày hội hiến máu ở Hồ Tây", text=text)
    assert draft.body.startswith("Đoàn phường Hồ Tây tổ chức ngày hội hiến máu")
    assert "?" not in draft.body
    assert len(draft.sentences) <= 2


def test_a_mixed_recap_leads_with_its_positive_element() -> None:
    text = (
        "Chiều 5/6, lũ quét cuốn trôi nhiều nhà ở xã Nậm Cuổi, hai người mất tích. "
        "Sáng nay, hàng trăm tình nguyện viên đã đến dọn bùn và nấu cơm cho bà con."
    )
    draft = draft_post(
        kind=PostKind.DAILY, title="Lũ quét ở Nậm Cuổi", text=text, lead_with=["tình nguyện viên"]
    )
    # "Sáng nay" would be wrong in a repost: the linking time words go, the deed stays.
    assert draft.body.startswith("Hàng trăm tình nguyện viên")


def test_templates_open_the_title_and_close_the_body_within_the_budget() -> None:
    closing = "Bạn có tin vui nào? Hãy gửi cho chúng mình nhé!"
    draft = draft_post(
        kind=PostKind.DAILY,
        title="Ngày hội hiến máu",
        text=LEAD,
        opening="🌟",
        closing=closing,
        max_chars=200,
    )
    assert draft.title == "🌟 Ngày hội hiến máu"
    assert draft.body == f"{LEAD}\n\n{closing}"
    assert len(draft.body) <= 200


def test_a_weekly_story_ends_on_its_outcome_not_on_a_description_after_it() -> None:
    text = (
        "Sáng 14/10, anh Nguyễn Văn Bảo (23 tuổi) đang ngồi gần cống đập thì nghe tiếng kêu"
        " cứu.\n\nAnh Bảo lao xuống nước, cùng mấy người câu cá kéo hai mẹ con bà Huỳnh Thị"
        " Lý lên bờ an toàn.\n\nBà Lý được đưa đi cấp cứu, may mắn không nguy hiểm đến tính"
        " mạng.\n\n"
        "Cống dài khoảng 6 m, rộng gần 2,5 m, phía dưới sâu khoảng 3 m, nước chảy xiết."
    )
    story = draft_post(kind=PostKind.WEEKLY, title="Cứu hai mẹ con", text=text)
    assert story.sentences[-1] == (
        "Bà Lý được đưa đi cấp cứu, may mắn không nguy hiểm đến tính mạng."
    )
    told = (
        "Anh Bảo lao xuống nước, cùng mấy người câu cá kéo hai mẹ con bà Huỳnh Thị Lý lên bờ"
        " an toàn."
    )
    assert told in story.sentences  # the deed stays; only the description after it goes


def test_a_bare_pronoun_or_a_list_reference_cannot_open_a_post() -> None:
    # "Trên cổ anh ...", "... thì anh lại ...": a person the post never named.
    assert not craft.can_open("Trên cổ anh có vài nốt đỏ sau buổi tập khí công.")
    assert not craft.can_open("Vừa cứu được một em thì anh lại thấy thêm một em nữa.")
    assert not craft.can_open("Trong đó có nội dung chăm lo cho thiếu nhi khó khăn.")
    assert craft.repair_opening("Cùng ngày, tại Quận 4 đã diễn ra lễ ra quân tình nguyện.") == (
        "Tại Quận 4 đã diễn ra lễ ra quân tình nguyện."
    )
    # Named before the pronoun, a compound ("bà con"), a classifier ("một anh") or a name
    # after it: nothing refers back.
    assert craft.can_open("Ông Trần Văn Trai cho biết anh rất vui.")
    assert craft.can_open("Bà con trong xã góp 200 ngày công làm đường.")
    assert craft.can_open("Sáng 3/4, một anh thanh niên đã cứu hai em nhỏ đuối nước.")
    assert craft.can_open("Chiều 19/4, huyện khen thưởng anh Võ Thái Sơn.")


def test_a_later_sentence_leans_on_nothing_left_out() -> None:
    assert not craft.can_follow("Do đó, việc sản xuất vắc xin có ý nghĩa quan trọng.")
    assert craft.can_follow("Do đó, việc sản xuất vắc xin rất quan trọng.", adjacent=True)
    whole = "Anh Nguyễn Vũ Quốc Bảo đang ngồi chơi gần cống. Anh Vũ lao xuống cứu hai người."
    # The recap names him in full; a post that has not would leave "anh Vũ" a stranger.
    assert not craft.can_follow("Nghe tiếng kêu, anh Vũ lao xuống cứu hai người.", full=whole)
    assert craft.can_follow(
        "Nghe tiếng kêu, anh Vũ lao xuống cứu hai người.",
        named="Anh Nguyễn Vũ Quốc Bảo đang ngồi chơi gần cống.",
        full=whole,
    )
    # Never named in full anywhere: the short name is all there is.
    assert craft.can_follow("Đầu tháng 10, chị Xuân được mời đến nhận xe.", full="chị Xuân.")


def test_a_full_name_ends_at_punctuation() -> None:
    text = "Người đứng tên là chị Xuân. Đầu tháng 10, chị Xuân đến nhận xe."
    assert craft.can_follow("Đầu tháng 10, chị Xuân đến nhận xe.", full=text)


def test_a_daily_post_drops_a_connective_that_leans_on_a_sentence_left_out() -> None:
    title = "Việt Nam lần đầu sản xuất được vắc xin chống lở mồm long móng"
    text = (
        "Ngày 17/11, Bộ Nông nghiệp công bố vắc xin chống lở mồm long móng do Việt Nam "
        "sản xuất. Bệnh lở mồm long móng lây lan rất nhanh và gây thiệt hại lớn cho nông dân. "
        "Cục Thú y đã thu thập hàng nghìn mẫu vi rút từ các ổ dịch để chọn giống gốc. "
        "Do đó, việc sản xuất được vắc xin lở mồm long móng trong nước có ý nghĩa lớn."
    )
    draft = draft_post(kind=PostKind.DAILY, title=title, text=text)
    assert "Do đó" not in draft.body
    assert draft.body.startswith("Ngày 17/11, Bộ Nông nghiệp công bố vắc xin")


def test_a_daily_post_calls_nobody_by_a_short_name_the_recap_gives_in_full_later() -> None:
    title = "Nam thanh niên cứu hai mẹ con rơi xuống cống"
    text = (
        "Sáng 14/10, hai mẹ con bà Lý rơi xuống cống Bến Bổi ở Tam Kỳ khi đi xe máy qua cống. "
        "Nghe tiếng kêu cứu, anh Vũ lao xuống cống cứu hai mẹ con an toàn. "
        "Người đi đường cho biết nước ở đây chảy rất xiết. "
        "Người cứu hai người là anh Nguyễn Vũ Quốc Bảo, ở xã Tam Phước."
    )
    draft = draft_post(kind=PostKind.DAILY, title=title, text=text)
    assert "anh Vũ" not in draft.body
    assert draft.body.endswith("Người cứu hai người là anh Nguyễn Vũ Quốc Bảo, ở xã Tam Phước.")


def test_a_repost_says_no_chieu_nay() -> None:
    # The article's "this afternoon" is wrong days later: a dated opening keeps its date, an
    # undated one goes, and an announcement of what is still to come is avoided.
    assert craft.timeless("Sáng qua (14/10), anh Bảo lao xuống sông cứu hai mẹ con.") == (
        "Sáng 14/10, anh Bảo lao xuống sông cứu hai mẹ con."
    )
    assert craft.timeless("Chiều nay, hơn 300 đoàn viên đã hiến máu tại phường.") == (
        "Hơn 300 đoàn viên đã hiến máu tại phường."
    )
    assert craft.timeless("Chiều nay, Trung tâm Vũ trụ sẽ tổ chức lễ bàn giao đài.") is None
    assert craft.timeless("Đoàn sẽ lên đường vào sáng mai tới Hà Giang.") is None
    assert craft.timeless("Cuối tháng 9, đài sẽ mở cửa đón khách.") is None
    assert craft.timeless("Cuối tháng 9/2019, đài sẽ mở cửa đón khách.") is not None
    quoted = 'Chị nói: "Hôm nay là ngày vui nhất của tôi".'
    assert craft.timeless(quoted) == quoted
    assert craft.timeless(LEAD) == LEAD


def test_a_daily_post_avoids_stale_relative_time() -> None:
    text = (
        "Chiều nay, Trung tâm Vũ trụ Việt Nam sẽ tổ chức lễ bàn giao Đài thiên văn Nha Trang."
        " Thành phố Nha Trang đã quyết định đưa đài thiên văn vào tour du lịch của du khách."
    )
    draft = draft_post(kind=PostKind.DAILY, title="Nha Trang đưa đài thiên văn vào tour", text=text)
    assert "Chiều nay" not in draft.body and "sẽ" not in draft.body
    assert draft.body.startswith("Thành phố Nha Trang")


def test_an_opening_that_presupposes_what_was_not_told() -> None:
    # A part of a thing in view, the doer of a deed not yet told, a "because" leaning back.
    assert not craft.can_open("Mặt trước văn bia ghi về gia tộc và công trạng của bà.")
    assert not craft.can_open("Người thu dọn đá là trung uý Lê Ngọc Hưng, Đội CSGT TP Vinh.")
    assert not craft.can_open("Bởi thầy biết, có những bài tập phải làm cả đời.")
    assert craft.can_open("Người dân xã Tam Phước đã góp 200 triệu đồng làm cầu.")
    assert craft.can_open(LEAD)


def test_a_pronoun_after_a_gap_is_a_cut_into_the_middle_of_a_scene() -> None:
    mid = "Vừa cứu được một em thì anh lại phát hiện thêm một em nữa đang bị chìm."
    said = "Huyện Bố Trạch khen thưởng anh Võ Thái Sơn."
    assert not craft.can_follow(mid, named=said)
    assert craft.can_follow(mid, named=said, adjacent=True)
