"""Reading grade (qa/text/readability.py): syllables, counts, the grade, Markdown body text."""

from __future__ import annotations

import pytest

from qa.text.readability import (
    Readability,
    count_syllables,
    markdown_body_text,
    reading_grade,
    reading_stats,
)


@pytest.mark.parametrize(("word", "syllables"), [
    ("cat", 1),
    ("THE", 1),
    ("rate", 1),  # silent final e
    ("table", 2),  # consonant + "le"
    ("free", 1),
    ("coffee", 2),
    ("jumped", 1),  # "-ed" adds none
    ("wanted", 2),  # except after t or d
    ("makes", 1),
    ("boxes", 2),  # "-es" after x adds one
    ("doctor's", 2),  # possessive ignored
    ("rhythm", 1),  # y is a vowel
    ("hematology", 5),
    ("bleeding", 2),
])
def test_syllable_heuristic(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables


@pytest.mark.parametrize("word", ["", "'", "''"])
def test_no_letters_no_syllables(word: str) -> None:
    assert count_syllables(word) == 0


@pytest.mark.parametrize("word", ["while", "smile", "whole", "scale"])
def test_silent_e_after_vowel_plus_l_adds_no_syllable(word: str) -> None:
    assert count_syllables(word) == 1


def test_stats_of_the_documented_example_and_its_grade() -> None:
    stats = reading_stats("The cat sat. The dog ran.")
    assert stats == Readability(words=6, sentences=2, syllables=6)
    assert stats.grade == pytest.approx(0.39 * 3 + 11.8 * 1 - 15.59)


def test_a_trailing_fragment_counts_as_a_sentence() -> None:
    stats = reading_stats("Rest often. Drink water")
    assert stats == Readability(words=4, sentences=2, syllables=6)
    assert reading_grade("Rest often. Drink water") == pytest.approx(0.39 * 2 + 11.8 * 1.5 - 15.59)


def test_runs_of_punctuation_and_decimal_points_are_not_extra_sentences() -> None:
    assert reading_stats("Really?! Yes.").sentences == 2
    assert reading_stats("It lasts 1.5 days.") == Readability(words=3, sentences=1, syllables=3)


@pytest.mark.parametrize("text", ["", "   ", "123 456.", "!!! ???"])
def test_text_without_words_has_grade_zero(text: str) -> None:
    assert reading_stats(text) == Readability(0, 0, 0)
    assert reading_grade(text) == 0.0


def test_a_grade_without_sentences_is_zero() -> None:
    assert Readability(words=10, sentences=0, syllables=15).grade == 0.0


def test_a_long_text_has_the_grade_of_its_repeated_sentence() -> None:
    one = "Platelets help the blood to clot."
    assert reading_grade(" ".join([one] * 2000)) == pytest.approx(reading_grade(one))


def test_a_curly_apostrophe_keeps_a_contraction_one_word() -> None:
    assert reading_stats("Don’t worry.").words == reading_stats("Don't worry.").words == 2


def test_markdown_body_text_keeps_only_prose_with_sentence_ends() -> None:
    doc = ("---\nid: x\ntitle: T\n---\n# Title\n\n## A heading\nSome text\n- item one\n"
           "2. step two\nDone!\nSigns include:\n")
    assert markdown_body_text(doc) == "Some text.\nitem one.\nstep two.\nDone!\nSigns include:"


def test_markdown_body_text_only_strips_leading_front_matter() -> None:
    doc = "Intro line.\n---\nnot: front matter\n---\n"
    assert markdown_body_text(doc) == "Intro line.\n---.\nnot: front matter.\n---."
