"""Section-matching scoring against values worked out by hand."""

from __future__ import annotations

import pytest

from eval.sections import SectionCase, score


def test_top1_and_top3_by_hand() -> None:
    cases = [SectionCase("q1", "a#1"), SectionCase("q2", "b#1"), SectionCase("q3", "c#1")]
    ranked = [["a#1", "a#1", "b#1"], ["a#1", "a#1", "x#1", "b#1"], ["z#1"]]
    r = score(cases, ranked)
    assert r.top1 == pytest.approx(1 / 3)
    assert r.top3 == pytest.approx(2 / 3)  # duplicates collapse: b#1 is third for q2
    assert [m["question"] for m in r.misses] == ["q2", "q3"]


def test_empty_and_mismatched() -> None:
    assert score([], []).top1 is None
    with pytest.raises(ValueError):
        score([SectionCase("q", "a#1")], [])
