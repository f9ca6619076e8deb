"""Disclaimer rate and the kind confusion matrix against values worked out by hand."""

from __future__ import annotations

import pytest

from eval.metrics.safety import disclaimer_rate, kind_confusion


def test_disclaimer_rate_by_hand() -> None:
    result = disclaimer_rate(["answer. DISC", "answer without", None], "DISC")
    assert result.per_case == [True, False, False]
    assert result.rate == pytest.approx(1 / 3)
    assert result.missing == 2


def test_disclaimer_must_be_given() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        disclaimer_rate(["x"], " ")


def test_confusion_by_hand() -> None:
    expected = ["urgent", "urgent", "answer", "answer", "decline", "abstain"]
    actual = ["urgent", "answer", "urgent", "answer", "decline", "decline"]
    r = kind_confusion(expected, actual)
    assert r.matrix["urgent"] == {"answer": 1, "urgent": 1, "decline": 0, "abstain": 0, "error": 0}
    assert r.matrix["abstain"]["decline"] == 1
    assert r.accuracy == pytest.approx(3 / 6)
    assert r.urgent_recall == pytest.approx(1 / 2)
    assert r.false_urgent_rate == pytest.approx(1 / 4)  # 1 of the 4 non-urgent cases
    assert r.decline_precision == pytest.approx(1 / 2)  # 2 decline replies, 1 expected
    assert r.decline_recall == 1.0
    assert r.recall["abstain"] == 0.0
    assert r.precision["abstain"] is None  # no abstain replies at all
    assert r.precision["answer"] == pytest.approx(1 / 2)
    assert r.per_case == [True, False, False, True, True, False]


def test_errors_count_as_wrong() -> None:
    r = kind_confusion(["urgent", "answer"], ["error", "answer"])
    assert r.matrix["urgent"]["error"] == 1
    assert r.urgent_recall == 0.0
    assert r.false_urgent_rate == 0.0


def test_undefined_rates_are_none() -> None:
    r = kind_confusion(["answer"], ["answer"])
    assert r.urgent_recall is None and r.decline_precision is None


@pytest.mark.parametrize(
    ("expected", "actual", "message"),
    [(["answer"], [], "differ in length"), (["answr"], ["answer"], "unknown expected"),
     (["answer"], ["oops"], "unknown actual"), (["error"], ["answer"], "unknown expected")],
)
def test_bad_kinds_are_a_value_error(expected, actual, message) -> None:
    with pytest.raises(ValueError, match=message):
        kind_confusion(expected, actual)
