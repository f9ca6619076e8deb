"""Reading grades of answers."""

from __future__ import annotations

import pytest

from eval.metrics.readability import reading_grades


def test_real_flesch_kincaid_by_hand() -> None:
    # 6 words, 2 sentences, 6 syllables: 0.39 * 3 + 11.8 * 1 - 15.59 = -2.62
    result = reading_grades(["The cat sat. [1] The dog ran. [1]"])
    assert result.per_case[0] == pytest.approx(-2.62)


def test_summary_with_an_injected_grade() -> None:
    result = reading_grades(["aaaa [1]", None, "  ", "aaaaaaaaaa", "aa"], target=5, grade=lambda t: float(len(t)))
    assert result.per_case == [4.0, None, None, 10.0, 2.0]  # markers are removed before grading
    assert result.evaluated == 3
    assert result.mean == pytest.approx(16 / 3)
    assert result.median == 4.0
    assert result.max == 10.0
    assert result.over_target_rate == pytest.approx(1 / 3)


def test_nothing_to_grade() -> None:
    result = reading_grades([None])
    assert result.mean is None and result.over_target_rate is None


def test_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a string"):
        reading_grades("an answer")
    with pytest.raises(ValueError, match="string or None"):
        reading_grades([3])
