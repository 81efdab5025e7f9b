"""Drafting posts from recaps and rendering them for Telegram and Facebook."""

from __future__ import annotations

import dataclasses
from importlib.resources import files
from pathlib import Path

import pytest

from bot.domain.drafting import (
    DAILY_MAX_CHARS,
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


def test_daily_draft_takes_lead_sentences_within_the_budget_as_one_paragraph() -> None:
    draft = draft_post(kind=PostKind.DAILY, title="Ngày hội", text=STORY, max_chars=150)

    assert draft.body == (f"{LEAD} Hơn 500 bạn trẻ đã tham gia. Các bạn trẻ dọn sạch 3 km bờ sông.")


def test_weekly_draft_separates_paragraphs_with_a_blank_line() -> None:
    draft = draft_post(kind=PostKind.WEEKLY, title="Ngày hội", text=STORY)

    assert draft.body == (
        f"{LEAD} Hơn 500 bạn trẻ đã tham gia.\n\n"
        "Các bạn trẻ dọn sạch 3 km bờ sông. Buổi chiều, các đội thi nấu ăn.\n\n"
        "Ngày hội khép lại bằng đêm văn nghệ."
    )


def test_draft_stops_at_the_first_sentence_that_does_not_fit() -> None:
    text = f"{LEAD} Sau đó {'rất ' * 60}vui. Ngắn thôi."

    draft = draft_post(kind=PostKind.DAILY, title="Tin", text=text, max_chars=200)

    assert draft.body == LEAD


def test_default_budgets_depend_on_the_kind() -> None:
    text = " ".join(f"Câu số {n} kể về một việc tốt của các bạn trẻ." for n in range(100))

    daily = draft_post(kind=PostKind.DAILY, title="Tin", text=text)
    weekly = draft_post(kind=PostKind.WEEKLY, title="Tin", text=text)

    assert DAILY_MAX_CHARS - 50 < len(daily.body) <= DAILY_MAX_CHARS == 600
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

    draft = draft_post(kind=PostKind.DAILY, title="Hiến máu", text=text)

    assert draft.body == text


def test_captions_and_list_labels_are_not_drafted_when_prose_exists() -> None:
    text = f"{LEAD}\n\nCác hoạt động chính:\n\n1. Làm đường\n\nCả bản vui mừng."

    draft = draft_post(kind=PostKind.DAILY, title="Tin", text=text)

    assert draft.body == f"{LEAD} Cả bản vui mừng."


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


def test_telegram_drops_whole_sentences_to_fit_4096() -> None:
    sentence = "Các bạn trẻ đã cùng nhau làm thêm một việc tốt cho cộng đồng."
    draft = make_draft(
        body=" ".join([sentence] * 120), link="https://tinnang.example/a", hashtags=("#tốt",)
    )

    html = render_telegram_html(draft)

    assert len(html) <= TELEGRAM_TEXT_LIMIT
    assert len(html) > TELEGRAM_TEXT_LIMIT - len(sentence) - 2
    body = html.split("\n\n")[1]
    assert body.endswith(sentence)  # whole sentences, no cut
    assert html.endswith("https://tinnang.example/a\n\n#tốt")


def test_telegram_cuts_one_huge_sentence_at_a_word() -> None:
    draft = make_draft(body="Các bạn trẻ " + "cùng nhau dọn dẹp " * 400 + "bờ sông.")

    html = render_telegram_html(draft)

    assert len(html) > TELEGRAM_TEXT_LIMIT - 20
    assert len(html) <= TELEGRAM_TEXT_LIMIT
    kept = html.split("\n\n")[1].removesuffix("…")
    assert html.endswith("…")
    assert draft.body.startswith(kept + " ")  # cut before a space, not inside a word


def test_telegram_limit_counts_escaped_characters() -> None:
    draft = make_draft(body="& " * 3000 + "hết.")

    html = render_telegram_html(draft)

    assert len(html) <= TELEGRAM_TEXT_LIMIT
    assert html.endswith("&amp;…")


def test_telegram_limit_counts_emoji_as_two_units() -> None:
    draft = make_draft(body="🎉 " * 3000)

    html = render_telegram_html(draft)

    assert len(html.encode("utf-16-le")) // 2 <= TELEGRAM_TEXT_LIMIT


def test_telegram_fits_even_a_pathological_title() -> None:
    draft = make_draft(title="Tiêu đề rất dài " * 500, hashtags=("#a",) * 1)

    html = render_telegram_html(draft)

    assert len(html) <= TELEGRAM_TEXT_LIMIT
    assert html.startswith("<b>Tiêu đề rất dài")
    assert html.count("<b>") == html.count("</b>") == 1
