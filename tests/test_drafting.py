"""Drafting posts from recaps and rendering them for Telegram and Facebook."""

from __future__ import annotations

import dataclasses
import html
import random
import re
import unicodedata
from importlib.resources import files
from pathlib import Path

import pytest

from bot.domain.drafting import (
    DAILY_MAX_CHARS,
    DAILY_MAX_SENTENCES,
    FACEBOOK_TEXT_LIMIT,
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    WEEKLY_MAX_CHARS,
    Draft,
    draft_post,
    normalise_hashtags,
    render_plain,
    render_telegram_html,
)
from bot.domain.errors import RecapError
from bot.domain.posts import PostKind
from bot.domain.recaps import clean_body, decode_recap, split_title

SHARED_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "samples"
    / "recap-thanh-doan-ha-noi-2021-01-19.txt"
)
SHARED_SAMPLE_NOISE = (
    "20:02 | 19/01/2021",
    "TTTĐ",
    "Thành đoàn TP HCM ra mắt Câu lạc bộ tư vấn",  # the related-links line
    "Toàn cảnh hội nghị",
    "Đại biểu tham góp ý kiến tại hội nghị",
    "phatát",
    "Nguyễn Dũng",
    "Bản quyền thuộc",
)

#: Noise lines written into our shipped samples; none may reach a draft.
OWN_SAMPLE_NOISE = {
    "recap-vi-hien-mau.txt": (
        "08:15 | 28/11/2026",
        "TNTĐ",
        "Tình nguyện viên hướng dẫn người dân đăng ký hiến máu tại nhà văn hóa phường",
        "Minh Thư",
        "Bản quyền thuộc",
        "tinnang.example",
    ),
    "recap-vi-mua-he-xanh.txt": (
        "19:40 | 14/08/2026",
        "TNTĐ",
        "Ra mắt câu lạc bộ bóng đá thiếu niên",
        "dọn rác bờ sông",
        "Chiến sĩ tình nguyện cùng bà con đổ bê tông con đường vào bản",
        "Ảnh:",
        "Hoàng Yến",
        "Bản quyền thuộc",
        "tinnang.example",
    ),
}

LEAD = "Chiều 19/1, Tỉnh đoàn tổ chức Ngày hội thanh niên tình nguyện."
STORY = (
    f"{LEAD} Hơn 500 bạn trẻ đã tham gia.\n\n"
    "Tham dự có các đồng chí: Lê An, Bí thư Tỉnh đoàn; Trần Bình, Phó Bí thư Tỉnh đoàn.\n\n"
    "Các bạn trẻ dọn sạch 3 km bờ sông. Buổi chiều, các đội thi nấu ăn.\n\n"
    "Ngày hội khép lại bằng đêm văn nghệ."
)


def shared_sample() -> tuple[str, str]:
    if not SHARED_SAMPLE.is_file():
        pytest.skip(f"shared sample recap not found at {SHARED_SAMPLE} (it lives outside the repo)")
    return split_title(decode_recap(SHARED_SAMPLE.read_bytes(), source=SHARED_SAMPLE.name))


def own_sample(name: str) -> tuple[str, str]:
    data = (files("bot") / "samples" / name).read_bytes()
    return split_title(decode_recap(data, source=name))


def make_draft(**changes: object) -> Draft:
    fields: dict[str, object] = {
        "kind": PostKind.DAILY,
        "title": "Ngày hội",
        "body": "Một câu.",
        "link": None,
        "hashtags": (),
    }
    fields.update(changes)
    return Draft(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# draft_post
# --------------------------------------------------------------------------------------------


def test_daily_draft_of_the_shared_sample_is_its_clean_lead() -> None:
    title, body = shared_sample()

    draft = draft_post(kind=PostKind.DAILY, title=title, text=body)

    assert draft.title == "Đổi mới, sáng tạo, gắn công tác Đoàn với nhiệm vụ chuyên môn"
    assert draft.body.startswith(
        "Chiều 19/1, Thành đoàn Hà Nội tổ chức Hội nghị tổng kết công tác Đoàn"
    )
    assert len(draft.body) <= DAILY_MAX_CHARS
    assert "Dự và chủ trì" not in draft.body  # the roster of officials is skipped
    rendered = render_plain(draft) + render_telegram_html(draft)
    for noise in SHARED_SAMPLE_NOISE:
        assert noise not in draft.body, noise
        assert noise not in rendered, noise


def test_weekly_draft_of_the_shared_sample_keeps_paragraphs() -> None:
    title, body = shared_sample()

    draft = draft_post(kind=PostKind.WEEKLY, title=title, text=body)

    assert len(draft.body) <= WEEKLY_MAX_CHARS
    assert draft.body.count("\n\n") >= 2
    assert all(p in clean_body(body, title=title) for p in draft.body.split("\n\n"))
    for noise in SHARED_SAMPLE_NOISE:
        assert noise not in draft.body, noise


@pytest.mark.parametrize("name", sorted(OWN_SAMPLE_NOISE))
@pytest.mark.parametrize("kind", list(PostKind))
def test_our_samples_draft_cleanly(name: str, kind: PostKind) -> None:
    title, body = own_sample(name)

    draft = draft_post(kind=kind, title=title, text=body)

    text = "\n".join(clean_body(body, title=title)) + render_plain(draft)
    for noise in OWN_SAMPLE_NOISE[name]:
        assert noise not in text, noise
    assert draft.title not in draft.body
    assert 1200 <= len(body) + len(title) <= 1800


def test_daily_draft_of_the_blood_donation_sample() -> None:
    title, body = own_sample("recap-vi-hien-mau.txt")

    draft = draft_post(kind=PostKind.DAILY, title=title, text=body)

    assert title == "Ngày hội hiến máu “Giọt hồng Hồ Tây” thu về hơn 300 đơn vị máu"
    assert draft.body.startswith("Sáng 27/11, Đoàn Thanh niên phường Hồ Tây")
    assert len(draft.body) <= DAILY_MAX_CHARS
    assert "\n" not in draft.body


def test_weekly_story_of_the_summer_sample_reaches_its_people() -> None:
    title, body = own_sample("recap-vi-mua-he-xanh.txt")

    draft = draft_post(kind=PostKind.WEEKLY, title=title, text=body)

    assert draft.body.startswith("Sau 35 ngày tình nguyện ở bản Nà Lừa")
    assert "Vàng Thị Mai" in draft.body
    assert "giờ đến lượt em”, Mai kể." in draft.body
    assert len(draft.body) <= WEEKLY_MAX_CHARS
    assert draft.body.count("\n\n") >= 2


def test_daily_draft_takes_the_sentences_that_restate_the_title_in_order() -> None:
    draft = draft_post(
        kind=PostKind.DAILY,
        title="Hơn 500 bạn trẻ dọn sạch 3 km bờ sông",
        text=STORY,
        max_chars=150,
    )

    # At most two sentences: the lead, and the one that restates the rest of the title.
    assert draft.body == f"{LEAD} Các bạn trẻ dọn sạch 3 km bờ sông."
    assert draft.sentences == (LEAD, "Các bạn trẻ dọn sạch 3 km bờ sông.")


def test_daily_draft_prefers_the_lead_when_the_title_does_not_decide() -> None:
    draft = draft_post(kind=PostKind.DAILY, title="Ngày hội", text=STORY, max_chars=150)

    assert draft.body == LEAD
    assert "\n" not in draft.body


def test_weekly_draft_separates_paragraphs_with_a_blank_line() -> None:
    draft = draft_post(kind=PostKind.WEEKLY, title="Ngày hội", text=STORY)

    assert draft.body == (
        f"{LEAD} Hơn 500 bạn trẻ đã tham gia.\n\n"
        "Các bạn trẻ dọn sạch 3 km bờ sông. Buổi chiều, các đội thi nấu ăn.\n\n"
        "Ngày hội khép lại bằng đêm văn nghệ."
    )


def test_draft_skips_a_sentence_that_does_not_fit_rather_than_cutting_it() -> None:
    text = f"{LEAD} Sau đó {'rất ' * 60}vui. Ngắn thôi."

    draft = draft_post(kind=PostKind.DAILY, title="Tin", text=text, max_chars=200)

    assert draft.body == LEAD


def test_a_long_sentence_that_restates_the_title_is_cut_rather_than_lost() -> None:
    long_lead = (
        "Chiều 19/1, hơn 500 bạn trẻ của Tỉnh đoàn đã cùng người dân dọn sạch 3 km bờ sông, "
        "trồng 200 cây xanh dọc kè và dựng bốn điểm thu gom rác mới cho cả khu phố ven sông."
    )
    text = f"{long_lead} Ai cũng vui. Hẹn năm sau gặp lại."

    draft = draft_post(
        kind=PostKind.DAILY, title="Hơn 500 bạn trẻ dọn sạch 3 km bờ sông", text=text, max_chars=100
    )

    assert len(draft.body) <= 100
    assert draft.body.endswith("…")
    assert long_lead.startswith(draft.body.removesuffix("…"))
    assert draft.sentences == (draft.body,)


def test_weekly_story_prefers_people_to_protocol_and_keeps_their_order() -> None:
    text = (
        f"{LEAD}\n\n"
        "Phát biểu tại ngày hội có đồng chí Lê An, Bí thư Tỉnh đoàn, và đồng chí Trần Bình, "
        "Phó Chủ tịch UBND tỉnh, Ủy viên Ban Thường vụ Tỉnh ủy.\n\n"
        "Chị Hà, 19 tuổi, dạy các em nhỏ gấp thuyền giấy. “Các em vui là em vui”, chị kể.\n\n"
        "Buổi chiều, các đội thi nấu ăn."
    )

    draft = draft_post(kind=PostKind.WEEKLY, title="Ngày hội", text=text, max_chars=170)

    assert draft.body == (
        f"{LEAD}\n\n"
        "Chị Hà, 19 tuổi, dạy các em nhỏ gấp thuyền giấy. “Các em vui là em vui”, chị kể."
    )


def test_weekly_story_without_a_photo_may_run_to_4000_characters() -> None:
    words = [
        "bạn", "trẻ", "dọn", "rác", "trồng", "cây", "sửa", "nhà",
        "dạy", "học", "nấu", "ăn", "hát", "múa", "vẽ", "tranh",
    ]  # fmt: skip
    paragraphs = [
        f"Anh Khôi, {n + 20} tuổi, kể: " + " ".join(random.Random(n).sample(words, 12)) + "."
        for n in range(60)
    ]
    text = "\n\n".join([LEAD, *paragraphs])

    draft = draft_post(kind=PostKind.WEEKLY, title="Hiến máu", text=text, max_chars=4000)

    assert 3800 < len(draft.body) <= 4000
    assert draft.body.startswith(LEAD)
    assert draft.body.split("\n\n")[1:] == paragraphs[: draft.body.count("\n\n")]


def test_composed_and_decomposed_input_give_the_same_draft() -> None:
    title = "Ngày hội hiến máu ở phường Hồ Tây"
    text = f"{STORY}\n\nHơn 300 người đã hiến máu ở phường Hồ Tây."
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text

    composed = draft_post(kind=PostKind.DAILY, title=title, text=text, hashtags=["hiến máu"])
    decomposed = draft_post(
        kind=PostKind.DAILY,
        title=unicodedata.normalize("NFD", title),
        text=nfd,
        hashtags=[unicodedata.normalize("NFD", "hiến máu")],
    )

    assert decomposed == composed


def test_draft_sentences_are_the_body_in_order() -> None:
    draft = draft_post(kind=PostKind.WEEKLY, title="Ngày hội", text=STORY)

    assert draft.sentences[0] == LEAD
    position = 0
    for sentence in draft.sentences:
        position = draft.body.index(sentence, position) + len(sentence)
    assert position == len(draft.body)


def test_a_draft_built_by_hand_has_no_sentences() -> None:
    draft = Draft(kind=PostKind.DAILY, title="Tin", body="Một câu.", link=None, hashtags=())

    assert draft.sentences == ()


def test_default_budgets_depend_on_the_kind() -> None:
    text = " ".join(f"Câu số {n} kể về một việc tốt của các bạn trẻ." for n in range(100))

    daily = draft_post(kind=PostKind.DAILY, title="Tin", text=text)
    weekly = draft_post(kind=PostKind.WEEKLY, title="Tin", text=text)

    # A daily post is a sentence or two, like a news lead, within its 350 characters.
    assert len(daily.sentences) == DAILY_MAX_SENTENCES == 2
    assert len(daily.body) <= DAILY_MAX_CHARS == 350
    assert WEEKLY_MAX_CHARS - 50 < len(weekly.body) <= WEEKLY_MAX_CHARS == 1000


def test_a_first_sentence_over_budget_is_cut_at_a_word() -> None:
    text = "Các bạn trẻ " + "cùng nhau dọn dẹp " * 20 + "bờ sông."

    draft = draft_post(kind=PostKind.DAILY, title="Tin", text=text, max_chars=50)

    assert len(draft.body) <= 50
    assert draft.body.endswith("…")
    assert text.startswith(draft.body.removesuffix("…"))
    assert text[len(draft.body) - 1] == " "  # cut before a space, not inside a word


def test_a_recap_typed_as_bare_lines_keeps_one_line_per_paragraph() -> None:
    text = "Sáng nay 200 bạn trẻ đã hiến máu\nChúng tôi thu được 180 đơn vị máu\nCảm ơn mọi người"

    draft = draft_post(
        kind=PostKind.DAILY, title="200 bạn trẻ hiến máu, thu được 180 đơn vị máu", text=text
    )

    # "Sáng nay" goes: the post may run another day.
    assert draft.body == "200 bạn trẻ đã hiến máu\nChúng tôi thu được 180 đơn vị máu"


def test_captions_and_list_labels_are_not_drafted_when_prose_exists() -> None:
    text = f"{LEAD}\n\nCác hoạt động chính:\n\n1. Làm đường\n\nCả bản vui mừng."

    draft = draft_post(kind=PostKind.DAILY, title="Ngày hội hoạt động chính", text=text)

    assert draft.body.startswith(LEAD)
    assert "Các hoạt động chính" not in draft.body
    assert "Làm đường" not in draft.body


def test_a_credit_glued_before_a_sentence_is_not_drafted() -> None:
    text = f"Video: Trần Quang Dưới cái nắng chói chang, các bạn trẻ làm đường. {LEAD}"

    draft = draft_post(kind=PostKind.DAILY, title="Ngày hội thanh niên tình nguyện", text=text)

    assert draft.body == LEAD


def test_roster_is_kept_when_it_is_the_only_sentence() -> None:
    text = "Tham dự có các đồng chí: Lê An, Bí thư Tỉnh đoàn."

    assert draft_post(kind=PostKind.DAILY, title="Tin", text=text).body == text


def test_draft_is_deterministic() -> None:
    first = draft_post(kind=PostKind.WEEKLY, title="Ngày hội", text=STORY, hashtags=["a", "b"])
    second = draft_post(kind=PostKind.WEEKLY, title="Ngày hội", text=STORY, hashtags=["a", "b"])

    assert first == second
    assert render_telegram_html(first) == render_telegram_html(second)
    assert render_plain(first) == render_plain(second)


def test_draft_is_immutable() -> None:
    draft = make_draft()

    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.title = "Khác"  # type: ignore[misc]


def test_draft_cleans_title_link_and_hashtags() -> None:
    draft = draft_post(
        kind=PostKind.DAILY,
        title="## **Ngày hội**  hiến máu",
        text=LEAD,
        link="  https://tinnang.example/a  ",
        hashtags=["tình nguyện", "#HiếnMáu", "hiến máu"],
    )

    assert draft.title == "Ngày hội hiến máu"
    assert draft.link == "https://tinnang.example/a"
    assert draft.hashtags == ("#tìnhnguyện", "#HiếnMáu")


def test_an_empty_link_is_no_link() -> None:
    assert draft_post(kind=PostKind.DAILY, title="Tin", text=LEAD, link="  ").link is None


def test_draft_rejects_a_recap_with_nothing_left() -> None:
    with pytest.raises(RecapError, match="no text left"):
        draft_post(kind=PostKind.DAILY, title="Tin", text="20:02 | 19/01/2021\n\nNguyễn Dũng")


def test_draft_rejects_an_empty_title() -> None:
    with pytest.raises(RecapError, match="no title"):
        draft_post(kind=PostKind.DAILY, title=" ** ", text=LEAD)


def test_draft_rejects_a_non_positive_budget() -> None:
    with pytest.raises(ValueError, match="max_chars must be positive"):
        draft_post(kind=PostKind.DAILY, title="Tin", text=LEAD, max_chars=0)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["tình nguyện"], ("#tìnhnguyện",)),
        (["##MùaHèXanh", "mùahèxanh"], ("#MùaHèXanh",)),
        (["#a #b", "c, d"], ("#a", "#b", "#cd")),
        (["", "#", "  "], ()),
        ("#tốt #đẹp", ("#tốt", "#đẹp")),
    ],
)
def test_normalise_hashtags(tags: list[str] | str, expected: tuple[str, ...]) -> None:
    assert normalise_hashtags(tags) == expected


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def test_telegram_layout_with_link_and_hashtags() -> None:
    draft = make_draft(
        title="Ngày hội",
        body="Câu một. Câu hai.",
        link="https://tinnang.example/a?x=1&y=2",
        hashtags=("#tìnhnguyện", "#hiếnmáu"),
    )

    assert render_telegram_html(draft) == (
        "<b>Ngày hội</b>\n\n"
        "Câu một. Câu hai.\n\n"
        "https://tinnang.example/a?x=1&amp;y=2\n\n"
        "#tìnhnguyện #hiếnmáu"
    )


def test_plain_layout_with_link_and_hashtags() -> None:
    draft = make_draft(
        title="Ngày hội <vui>",
        body="Câu một & câu hai.",
        link="https://tinnang.example/a?x=1&y=2",
        hashtags=("tình nguyện", "#hiến máu"),
    )

    assert render_plain(draft) == (
        "Ngày hội <vui>\n\n"
        "Câu một & câu hai.\n\n"
        "https://tinnang.example/a?x=1&y=2\n\n"
        "#tìnhnguyện #hiếnmáu"
    )


def test_layout_without_link_or_hashtags_has_no_trailing_blank_lines() -> None:
    draft = make_draft(title="Tin", body="Câu một.")

    assert render_telegram_html(draft) == "<b>Tin</b>\n\nCâu một."
    assert render_plain(draft) == "Tin\n\nCâu một."


def test_telegram_escapes_title_and_body() -> None:
    draft = make_draft(title="Q&A <b>đặc biệt</b>", body='Giá < 5 & > 2, "miễn phí".')

    html = render_telegram_html(draft)

    assert html == (
        '<b>Q&amp;A &lt;b&gt;đặc biệt&lt;/b&gt;</b>\n\nGiá &lt; 5 &amp; &gt; 2, "miễn phí".'
    )


def visible(html_text: str) -> str:
    """What Telegram shows of our HTML: tags removed, entities unescaped."""
    return html.unescape(re.sub(r"</?b>", "", html_text))


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_telegram_drops_whole_sentences_to_fit_4096() -> None:
    sentence = "Các bạn trẻ đã cùng nhau làm thêm một việc tốt cho cộng đồng."
    draft = make_draft(
        body=" ".join([sentence] * 120), link="https://tinnang.example/a", hashtags=("#tốt",)
    )

    shown = visible(render_telegram_html(draft))

    assert len(shown) <= TELEGRAM_TEXT_LIMIT
    assert len(shown) > TELEGRAM_TEXT_LIMIT - len(sentence) - 2
    body = shown.split("\n\n")[1]
    assert body.endswith(sentence)  # whole sentences, no cut
    assert shown.endswith("https://tinnang.example/a\n\n#tốt")


def test_telegram_counts_the_visible_text_not_the_markup() -> None:
    draft = make_draft(title="Tin", body="x" * (TELEGRAM_TEXT_LIMIT - len("Tin\n\n")))

    html_text = render_telegram_html(draft)

    assert html_text == f"<b>Tin</b>\n\n{draft.body}"  # 7 characters of tags are not shown
    assert len(visible(html_text)) == TELEGRAM_TEXT_LIMIT


def test_telegram_cuts_one_huge_sentence_at_a_word() -> None:
    draft = make_draft(body="Các bạn trẻ " + "cùng nhau dọn dẹp " * 400 + "bờ sông.")

    shown = visible(render_telegram_html(draft))

    assert TELEGRAM_TEXT_LIMIT - 20 < len(shown) <= TELEGRAM_TEXT_LIMIT
    kept = shown.split("\n\n")[1].removesuffix("…")
    assert shown.endswith("…")
    assert draft.body.startswith(kept + " ")  # cut before a space, not inside a word


def test_telegram_keeps_the_markup_within_twice_the_limit() -> None:
    draft = make_draft(body="& " * 3000 + "hết.")

    html_text = render_telegram_html(draft)

    assert utf16(html_text) <= 2 * TELEGRAM_TEXT_LIMIT  # "&amp; " is 6 units for 2 shown
    assert utf16(visible(html_text)) <= TELEGRAM_TEXT_LIMIT
    assert html_text.endswith("&amp;…")


def test_telegram_limit_counts_emoji_as_two_units() -> None:
    draft = make_draft(body="🎉 " * 3000)

    html_text = render_telegram_html(draft)

    assert TELEGRAM_TEXT_LIMIT - 4 <= utf16(visible(html_text)) <= TELEGRAM_TEXT_LIMIT


def test_telegram_fits_even_a_pathological_title() -> None:
    draft = make_draft(title="Tiêu đề rất dài " * 500, hashtags=("#a",) * 1)

    html_text = render_telegram_html(draft)

    assert len(visible(html_text)) <= TELEGRAM_TEXT_LIMIT
    assert html_text.startswith("<b>Tiêu đề rất dài")
    assert html_text.count("<b>") == html_text.count("</b>") == 1


def test_telegram_caption_limit_keeps_title_link_and_hashtags() -> None:
    sentence = "Các bạn trẻ đã cùng nhau làm thêm một việc tốt cho cộng đồng."
    draft = make_draft(
        title="Ngày hội",
        body=" ".join([sentence] * 40),
        link="https://tinnang.example/a",
        hashtags=("#tốt",),
    )

    shown = visible(render_telegram_html(draft, limit=TELEGRAM_CAPTION_LIMIT))

    assert TELEGRAM_CAPTION_LIMIT - len(sentence) - 2 < len(shown) <= TELEGRAM_CAPTION_LIMIT
    assert shown.startswith("Ngày hội\n\nCác bạn trẻ")
    assert shown.endswith(f"{sentence}\n\nhttps://tinnang.example/a\n\n#tốt")


def test_shortening_uses_the_drafts_own_sentences() -> None:
    # Split anew, "2." would end a sentence here; the draft knows it does not.
    first = "Đội xếp thứ 2. Trận sau khó hơn nhiều so với dự kiến ban đầu của cả đội."
    second = "Các cổ động viên vẫn ở lại sân đến phút cuối cùng."
    draft = make_draft(title="Tin", body=f"{first} {second}", sentences=(first, second))

    shown = render_plain(draft, limit=len("Tin\n\n") + len(first) + 5)

    assert shown == f"Tin\n\n{first}"


def test_plain_text_without_a_limit_is_never_shortened() -> None:
    draft = make_draft(body="Câu dài. " * 10_000)

    assert render_plain(draft) == f"Ngày hội\n\n{draft.body}"


def test_plain_text_within_a_limit_keeps_link_and_hashtags() -> None:
    draft = make_draft(
        body="Một câu khá dài về ngày hội. " * 50, link="https://x.example", hashtags=("#a",)
    )

    text = render_plain(draft, limit=200)

    assert len(text) <= 200
    assert text.startswith("Ngày hội\n\nMột câu khá dài về ngày hội.")
    assert text.endswith("ngày hội.\n\nhttps://x.example\n\n#a")


def test_facebook_limit_is_the_graph_apis() -> None:
    draft = make_draft(body="Một câu. " * 10_000)

    assert len(render_plain(draft, limit=FACEBOOK_TEXT_LIMIT)) <= FACEBOOK_TEXT_LIMIT == 63206


@pytest.mark.parametrize("limit", [0, -5])
def test_render_rejects_a_non_positive_limit(limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be positive"):
        render_telegram_html(make_draft(), limit=limit)
    with pytest.raises(ValueError, match="limit must be positive"):
        render_plain(make_draft(), limit=limit)
