"""The benchmark's ROUGE, on cases small enough to compute by hand."""

from __future__ import annotations

import unicodedata

import pytest

from benchmarks.rouge import Scores, f1, lcs_length, ngram_f1, score, tokenize


def test_tokenize_keeps_vietnamese_letters_and_folds_case() -> None:
    assert tokenize("Được RỒI, Đoàn-viên 2.500!") == ["được", "rồi", "đoàn", "viên", "2", "500"]


def test_tokenize_treats_composed_and_decomposed_text_alike() -> None:
    text = "Hòa bình, tình nguyện"

    assert tokenize(unicodedata.normalize("NFD", text)) == tokenize(text)


def test_identical_texts_score_one() -> None:
    assert score("Hôm nay trời đẹp.", "hôm nay trời đẹp") == Scores(1.0, 1.0, 1.0)


def test_disjoint_or_empty_texts_score_zero() -> None:
    assert score("một hai", "ba bốn") == Scores(0.0, 0.0, 0.0)
    assert score("", "ba bốn") == Scores(0.0, 0.0, 0.0)


def test_a_small_case_by_hand() -> None:
    # unigrams: 2 shared, P = 2/4, R = 2/3, F = 4/7; bigrams: "a b" shared, P = 1/3,
    # R = 1/2, F = 2/5; LCS "a b" = 2, so ROUGE-L equals ROUGE-1 here.
    scores = score("a b c d", "a b e")

    assert scores.rouge1 == pytest.approx(4 / 7)
    assert scores.rouge2 == pytest.approx(2 / 5)
    assert scores.rouge_l == pytest.approx(4 / 7)


def test_vietnamese_syllables_by_hand() -> None:
    scores = score("Hôm nay trời đẹp", "Hôm nay trời mưa")

    assert scores.rouge1 == pytest.approx(3 / 4)
    assert scores.rouge2 == pytest.approx(2 / 3)
    assert scores.rouge_l == pytest.approx(3 / 4)


def test_repeated_words_are_clipped() -> None:
    # "the" occurs once in the reference: only one of the three counts (P = 1/3, R = 1/2).
    assert ngram_f1(["the", "the", "the"], ["the", "cat"], 1) == pytest.approx(2 / 5)


def test_rouge_l_respects_order() -> None:
    scores = score("c b a", "a b c")

    assert scores.rouge1 == 1.0
    assert scores.rouge_l == pytest.approx(1 / 3)


def test_lcs_length() -> None:
    assert lcs_length(list("abcbdab"), list("bdcaba")) == 4
    assert lcs_length([], ["a"]) == 0


def test_f1_of_nothing_is_zero() -> None:
    assert f1(0, 5, 5) == 0.0
    assert f1(3, 0, 5) == 0.0
    assert f1(2, 4, 4) == 0.5
