"""Sentence splitting (qa/text/sentences.py): blocks, bullets, boundaries, abbreviations."""

from __future__ import annotations

import pytest

from qa.text.sentences import split_sentences


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "- \n* \n", "... !!! ???"])
def test_text_without_words_gives_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def test_blank_lines_separate_paragraphs_and_hard_breaks_join_a_line() -> None:
    text = "This line\ncontinues here. Next one.\n\nA new paragraph"
    assert split_sentences(text) == ["This line continues here.", "Next one.", "A new paragraph"]


def test_windows_line_ends_still_separate_paragraphs() -> None:
    assert split_sentences("First part.\r\n\r\nSecond part.") == ["First part.", "Second part."]


def test_numbered_and_starred_bullets_are_items_without_their_markers() -> None:
    text = "Steps:\n1. Sit down\n2) Lean forward\n* Pinch the soft part\n+ Wait\n• Breathe"
    assert split_sentences(text) == ["Steps:", "Sit down", "Lean forward", "Pinch the soft part", "Wait", "Breathe"]


def test_a_sentence_ends_only_before_a_capital_or_a_digit() -> None:
    assert split_sentences("It is rare. most people recover.") == ["It is rare. most people recover."]
    assert split_sentences("Is it safe? Yes! 3 in 4 recover.") == ["Is it safe?", "Yes!", "3 in 4 recover."]


def test_whitespace_inside_a_sentence_is_folded() -> None:
    assert split_sentences("Many   spaces\there.   Next  one.") == ["Many spaces here.", "Next one."]


@pytest.mark.parametrize(("text", "expected"), [
    ("Dr. Smith will see you. Bring notes.", ["Dr. Smith will see you.", "Bring notes."]),
    ("It was seen on Jan. 5 and again vs. March.", ["It was seen on Jan. 5 and again vs. March."]),
    ("Take it approx. 2 hours later. Then rest.", ["Take it approx. 2 hours later.", "Then rest."]),
])
def test_titles_months_and_short_forms_do_not_end_a_sentence(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_colons_end_a_sentence_only_when_asked() -> None:
    text = "Tips include: Rest. Signs: 2 or more bruises."
    assert split_sentences(text) == ["Tips include: Rest.", "Signs: 2 or more bruises."]
    assert split_sentences(text, at_colons=True) == ["Tips include:", "Rest.", "Signs:", "2 or more bruises."]


def test_non_ascii_text_is_kept_intact() -> None:
    assert split_sentences("Café visits are fine 🙂. Naïve ideas spread.") == [
        "Café visits are fine 🙂.", "Naïve ideas spread."]


def test_a_long_text_splits_into_every_sentence() -> None:
    text = " ".join(f"Sentence {i} is about platelets." for i in range(3000))
    out = split_sentences(text)
    assert len(out) == 3000
    assert out[0] == "Sentence 0 is about platelets." and out[-1] == "Sentence 2999 is about platelets."


def test_a_closing_quote_or_bracket_stays_with_its_sentence() -> None:
    assert split_sentences('He said "stop." Then he left.') == ['He said "stop."', "Then he left."]
    assert split_sentences("Rest (see below.) Then drink.") == ["Rest (see below.)", "Then drink."]


def test_a_long_run_of_abbreviations_stays_one_sentence_and_a_long_last_word_is_no_abbreviation() -> None:
    assert split_sentences("Take e.g. " * 3000) == [("Take e.g. " * 3000).strip()]
    long_word = "a" * 100
    assert split_sentences(f"It is {long_word}. Then it ends.") == [f"It is {long_word}.", "Then it ends."]
