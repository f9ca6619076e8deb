"""Key-fact coverage and forbidden phrases against values worked out by hand."""

from __future__ import annotations

import pytest

from eval.metrics.facts import contains, fact_coverage, forbidden_violations, normalize


def test_normalize_folds_case_quotes_dashes_and_space() -> None:
    assert normalize("  Can’t\n\tCATCH – it ") == "can't catch - it"


def test_contains_respects_leading_space() -> None:
    assert contains("Take 10 mg daily", " mg")
    assert not contains("an img tag", " mg")
    assert contains("mg at the start", " mg")  # the text is padded with spaces


def test_fact_coverage_by_hand() -> None:
    texts = ["ITP is not contagious. You can’t catch it.", None, "hello"]
    facts = [
        [["not contagious"], ["can't catch", "cannot catch"], ["virus"]],  # 2 of 3
        [["anything"]],  # no reply: 0 of 1
        [],  # nothing expected: skipped
    ]
    result = fact_coverage(texts, facts)
    first = result.per_case[0]
    assert first is not None
    assert first.found == (True, True, False)
    assert first.coverage == pytest.approx(2 / 3)
    assert first.missing == (("virus",),)
    assert result.per_case[1].coverage == 0.0
    assert result.per_case[2] is None
    assert result.evaluated == 2
    assert result.mean_coverage == pytest.approx((2 / 3 + 0) / 2)
    assert result.all_facts_rate == 0.0


def test_all_facts_rate() -> None:
    result = fact_coverage(["a b", "a"], [[["a"], ["b"]], [["a"], ["b"]]])
    assert result.all_facts_rate == 0.5
    assert result.mean_coverage == pytest.approx(0.75)


def test_forbidden_by_hand() -> None:
    result = forbidden_violations(
        ["Take 10 mg now. Tilt your head back.", "an img tag", None, "x"],
        [[" mg", "tilt your head back", "wait and see"], [" mg"], [" mg"], []],
    )
    assert result.per_case == [(" mg", "tilt your head back"), (), (), None]
    assert result.violations == 2
    assert result.evaluated == 3
    assert result.violation_rate == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fact_coverage(["a"], []), "differ in length"),
        (lambda: fact_coverage(["a"], [["a"]]), "non-empty list"),  # a fact given as a string
        (lambda: fact_coverage(["a"], [[[""]]]), "non-empty list"),
        (lambda: forbidden_violations(["a"], ["mg"]), "not a string"),
        (lambda: forbidden_violations(["a"], [[""]]), "non-empty"),
    ],
)
def test_bad_input_is_a_value_error(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
