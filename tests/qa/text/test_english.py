"""Everyday English words from the bundled tokenizer's vocabulary (the real file, no stand-in)."""

from __future__ import annotations

from qa.text.english import english_words, is_english


def test_the_bundled_vocabulary_holds_everyday_words_and_not_misspellings() -> None:
    words = english_words()
    assert len(words) > 15_000
    assert {"thinking", "brother", "school", "holiday"} <= words
    assert not {"predisone", "platlets", "##ing", "[unk]"} & words


def test_regular_inflections_count_but_misspellings_do_not() -> None:
    assert is_english("wetting") and is_english("brothers") and is_english("hoping")
    assert not is_english("bleding") and not is_english("stoped") and not is_english("bruses")
    assert not is_english("eltrombopag")  # a drug name is the sources' word, not an everyday one


def test_without_a_vocabulary_nothing_counts_as_english() -> None:
    assert not is_english("thinking", frozenset())
