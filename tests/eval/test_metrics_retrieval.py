"""Retrieval metrics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from eval.metrics.retrieval import matches, retrieval_scores, score_ranking


def test_matches_document_and_section() -> None:
    assert matches("ivig#Side effects", "ivig")
    assert matches("ivig#What is IVIG? › Side effects", "ivig#side effects")
    assert not matches("ivig#What is IVIG?", "ivig#side effects")
    assert not matches("ivig-extra#x", "ivig")


def test_rank_one_then_duplicate_document_gains_nothing() -> None:
    # a at rank 1 (gain 1), b at 2 (0), a again at 3 (already found: 0), c at 4 (gain 1).
    ranking = ["a#s1", "b#x", "a#s2", "c#y"]
    at3 = score_ranking(ranking, ["a", "c"], k=3)
    assert (at3.hit, at3.recall, at3.reciprocal_rank, at3.first_rank) == (1.0, 0.5, 1.0, 1)
    idcg = 1 + 1 / math.log2(3)  # two expected items, k >= 2
    assert at3.ndcg == pytest.approx(1 / idcg)  # 0.6131
    at4 = score_ranking(ranking, ["a", "c"], k=4)
    assert at4.recall == 1.0
    assert at4.ndcg == pytest.approx((1 + 1 / math.log2(5)) / idcg)  # 0.8772


def test_first_relevant_at_rank_three_by_section() -> None:
    case = score_ranking(["x#a", "y#b", "b#Sec One › Sub"], ["b#sub"], k=3)
    assert case.first_rank == 3
    assert case.reciprocal_rank == pytest.approx(1 / 3)
    assert case.ndcg == pytest.approx(0.5)  # 1/log2(4) over IDCG 1


def test_nothing_relevant_in_top_k() -> None:
    case = score_ranking(["x", "a"], ["a"], k=1)
    assert (case.hit, case.recall, case.reciprocal_rank, case.ndcg, case.first_rank) == (0.0, 0.0, 0.0, 0.0, None)


def test_aggregate_skips_cases_without_expectation_or_ranking() -> None:
    result = retrieval_scores([["a"], None, ["z"], ["x", "b"]], [["a"], ["a"], [], ["b"]], k=2)
    assert result.evaluated == 2
    assert result.per_case[1] is None and result.per_case[2] is None
    assert result.hit_at_k == 1.0
    assert result.mrr == pytest.approx((1 + 0.5) / 2)
    assert result.ndcg_at_k == pytest.approx((1 + 1 / math.log2(3)) / 2)


def test_nothing_to_evaluate_gives_none() -> None:
    result = retrieval_scores([None], [["a"]], k=3)
    assert result.hit_at_k is None and result.evaluated == 0


@pytest.mark.parametrize(
    ("rankings", "expected", "k", "message"),
    [
        ([["a"]], [["a"], ["b"]], 3, "differ in length"),
        ([["a"]], [["a"]], 0, "k must be at least 1"),
        (["a"], [["a"]], 3, "not a string"),
    ],
)
def test_bad_input_is_a_value_error(rankings, expected, k, message) -> None:
    with pytest.raises(ValueError, match=message):
        retrieval_scores(rankings, expected, k)


def test_score_ranking_needs_expected_items() -> None:
    with pytest.raises(ValueError, match="at least one"):
        score_ranking(["a"], [], k=1)
