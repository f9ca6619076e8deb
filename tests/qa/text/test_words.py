"""One tokenizer, one stemmer, one dose pattern for every measure."""

from __future__ import annotations

import pytest

from qa.text.dose import DOSE_AMOUNT
from qa.text.support import content_words
from qa.text.words import STOPWORDS, query_terms, stem


def test_query_terms_drop_stop_words_keep_order_and_no_repeats() -> None:
    assert query_terms("What is ITP and is ITP serious?") == ["itp", "serious"]
    assert query_terms("Can't I fly?") == ["fly"]  # "cant" is a stop word once the ' goes
    assert "what" in STOPWORDS


@pytest.mark.parametrize(("word", "stemmed"), [
    ("platelets", "platelet"), ("bleeding", "bleed"), ("bruised", "bruis"), ("uses", "uses"),
    ("itp", "itp"), ("gently", "gent"),
])
def test_the_stemmer_strips_one_suffix_from_longer_words(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_the_support_measure_uses_the_same_stemmer_as_the_composer() -> None:
    assert content_words("Bleeding platelets") == {stem("bleeding"), stem("platelets")}


@pytest.mark.parametrize("text", ["take 20 mg", "1 mcg/kg a week", "5 ml of syrup", "2.5mg", "50 micrograms"])
def test_a_dose_amount_is_found(text: str) -> None:
    assert DOSE_AMOUNT.search(text)


@pytest.mark.parametrize("text", ["a count of 20", "in 5 minutes", "20 mgs of nothing", "30 kg"])
def test_numbers_without_a_dose_unit_are_not_doses(text: str) -> None:
    assert DOSE_AMOUNT.search(text) is None
