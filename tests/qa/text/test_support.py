"""Citation support (qa/text/support.py), the cases tests/eval/test_metrics_support.py leaves out."""

from __future__ import annotations

import pytest

from qa.text.support import (
    THRESHOLD,
    WEIGHT,
    Evidence,
    citation_support,
    content_words,
    is_supported,
    lexical_support,
    negated,
    numbers,
    numbers_consistent,
    polarity_agrees,
    quoted,
    support_score,
)


def test_content_words_fold_curly_apostrophes_and_keep_numbers_whole() -> None:
    assert content_words("It’s RARE in 100,000 people, 1.5 days") == {"rare", "100000", "people", "1.5", "days"}
    assert content_words("") == set()
    assert content_words("it is what it is") == set()


@pytest.mark.parametrize(("text", "found"), [
    ("", set()),
    ("half of one dose", {"1"}),
    ("someone else, often", set()),  # number words only as whole words
    ("Ten or ELEVEN", {"10", "11"}),
    ("version 2.0.1", {"2.0.1"}),
    ("1,000 or 2,500,000", {"1000", "2500000"}),
])
def test_numbers(text: str, found: set[str]) -> None:
    assert numbers(text) == found


@pytest.mark.parametrize(("text", "cue"), [
    ("You can’t catch it.", True),
    ("Nothing helps.", True),
    ("None of them.", True),
    ("It cannot spread.", True),
    ("Notice the knot.", False),  # no cue inside other words
    ("Nothingness and nonesuch.", False),
    ("", False),
])
def test_negation_cues(text: str, cue: bool) -> None:
    assert negated(text) is cue


def test_polarity_agrees_with_any_of_several_nearest_sentences() -> None:
    assert polarity_agrees("It is safe.", ["It is not safe.", "It is safe for most."])
    assert not polarity_agrees("It is safe.", ["It is not safe.", "Never do that."])


@pytest.mark.parametrize("call", [
    lambda: polarity_agrees("claim", "a sentence"),
    lambda: quoted("claim", "a passage"),
    lambda: numbers_consistent("claim", "a passage"),
])
def test_a_string_instead_of_a_list_is_refused(call) -> None:
    with pytest.raises(ValueError, match="not a string"):
        call()


def test_quoted_ignores_case_spacing_curly_quotes_and_end_punctuation() -> None:
    assert quoted("It’s NOT contagious at all.", ["Hi. it's not   contagious at all, ever."])
    assert not quoted("It’s NOT contagious at all.", [])


def test_quoted_needs_min_chars_after_stripping_the_end() -> None:
    twenty = "a" * 20
    assert quoted(twenty + ".", [twenty])
    assert not quoted(twenty[:-1] + ".", [twenty])
    assert quoted("ITP is rare", ["ITP is rare in kids"], min_chars=5)


def test_lexical_and_number_checks_without_passages() -> None:
    assert lexical_support("Platelets help clotting.", []) == 0.0
    assert numbers_consistent("No numbers here.", [])
    assert not numbers_consistent("About 3 weeks.", [])


def test_support_score_edges() -> None:
    assert support_score(0.0, -1.0, 0.5) == pytest.approx(-0.5)
    assert support_score(0.2, 0.9, 0.0) == pytest.approx(0.9)
    assert support_score(0.2, 0.9, 1.0) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="weight"):
        support_score(0.5, 0.5, -0.1)


def test_a_score_exactly_at_the_threshold_is_supported() -> None:
    at = Evidence("c", (1,), lexical=0.0, semantic=THRESHOLD, numbers_ok=True)
    assert is_supported(at, weight=0.0)
    below = Evidence("c", (1,), lexical=0.0, semantic=THRESHOLD - 1e-6, numbers_ok=True)
    assert not is_supported(below, weight=0.0)


def test_no_cited_claims_gives_no_rates_but_echoes_the_rule() -> None:
    result = citation_support([None, [], None])
    assert result.support_rate is None and result.all_supported_rate is None
    assert result.claims == 0 and result.evaluated == 0
    assert result.per_case == [None, None, None]
    assert (result.threshold, result.weight) == (THRESHOLD, WEIGHT)
    assert citation_support([]).per_case == []
