"""The pure half of citation support: words, numbers, polarity, quotes, the decision rule."""

from __future__ import annotations

import pytest

from eval.metrics.support import (
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


def test_content_words_drop_stop_words_and_stem() -> None:
    assert content_words("The platelets are helping the blood to clot.") == {"platelet", "help", "blood", "clot"}


def test_lexical_support_by_hand() -> None:
    passage = ["Platelets are cells that help the blood to clot."]
    assert lexical_support("Platelets help blood clot.", passage) == 1.0
    assert lexical_support("Platelets help kidneys.", passage) == pytest.approx(2 / 3)
    assert lexical_support("It is.", passage) == 1.0  # no content words: nothing to contradict


def test_numbers_and_consistency() -> None:
    assert numbers("below 100 x10^9/L (100,000 per microliter), two in three") == {"100", "10", "9", "100000", "2", "3"}
    assert numbers_consistent("about 2 to 4 weeks", ["often about 2 to 4 weeks"])
    assert not numbers_consistent("within 7 days", ["within 1 to 3 days"])


def test_polarity() -> None:
    assert negated("Do not tip your head back.") and negated("You can't catch it.")
    assert not negated("Lean forward.")
    assert not polarity_agrees("Tip your head back.", ["Do not tip your head back."])
    assert polarity_agrees("ITP isn't contagious.", ["ITP is not contagious."])
    assert polarity_agrees("anything", [])


def test_quoted_needs_a_real_quote() -> None:
    assert quoted("ITP is not contagious.", ["Hello. ITP is  not contagious. Bye."])
    assert not quoted("ITP is contagious.", ["ITP is not contagious."])
    assert not quoted("Yes.", ["Yes. Indeed."])  # too short to count as a quote


def test_support_score_is_the_weighted_sum() -> None:
    assert support_score(1.0, 0.5, 0.4) == pytest.approx(0.4 + 0.3)
    with pytest.raises(ValueError, match="lexical"):
        support_score(1.5, 0.5)
    with pytest.raises(ValueError, match="semantic"):
        support_score(0.5, 1.5)


def test_decision_rule_by_hand() -> None:
    rule = {"threshold": 0.721, "weight": 0.4}
    assert is_supported(Evidence("c", (1,), 1.0, 0.9, True), **rule)  # 0.94
    assert not is_supported(Evidence("c", (1,), 0.5, 0.8, True), **rule)  # 0.68
    assert not is_supported(Evidence("c", (1,), 1.0, 1.0, False), **rule)  # a number is missing
    assert not is_supported(Evidence("c", (1,), 1.0, 1.0, True, polarity_ok=False), **rule)
    assert is_supported(Evidence("c", (1,), 0.0, 0.0, False, quoted=True), **rule)
    assert not is_supported(Evidence("c", (9,), 1.0, 1.0, True, quoted=True, resolved=False), **rule)


def test_citation_support_aggregates_by_hand() -> None:
    a = [Evidence("a1", (1,), 1.0, 0.9, True), Evidence("a2", (1,), 0.5, 0.8, True)]
    b = [Evidence("b1", (1,), 1.0, 1.0, False), Evidence("b2", (2,), 0.0, 0.0, True, quoted=True)]
    c = [Evidence("c1", (1,), 1.0, 1.0, True)]
    result = citation_support([a, None, b, [], c], threshold=0.721, weight=0.4)
    assert result.claims == 5 and result.evaluated == 3
    assert result.support_rate == pytest.approx(3 / 5)
    assert result.all_supported_rate == pytest.approx(1 / 3)
    first = result.per_case[0]
    assert first is not None
    assert first.supported == (True, False)
    assert first.scores == pytest.approx((0.94, 0.68))
    assert result.per_case[1] is None and result.per_case[3] is None


def test_citation_support_rejects_bad_weight() -> None:
    with pytest.raises(ValueError, match="weight"):
        citation_support([], weight=2.0)


def test_passages_must_be_a_list() -> None:
    with pytest.raises(ValueError, match="not a string"):
        lexical_support("claim", "a passage")
