"""The section ranker (qa/understanding/ranker.py): relative features, scoring, its weights file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qa.understanding.ranker import (
    FEATURES,
    GAPPED,
    WEIGHTS,
    Ranker,
    add_relative,
    feature_vector,
    load,
)


def _hit(**values: float) -> dict[str, float]:
    return {name: 0.0 for name in GAPPED} | values


def test_every_relative_feature_is_a_model_feature() -> None:
    assert set(GAPPED) <= set(FEATURES)
    assert {f"{name}_gap" for name in GAPPED} <= set(FEATURES)
    assert "question_top" in FEATURES and len(FEATURES) == len(set(FEATURES))


def test_add_relative_measures_each_hit_against_the_best() -> None:
    hits = [_hit(heading=0.5, dense=0.4, question=0.7, lexical=1.0, section=0.2),
            _hit(heading=0.8, dense=0.1, question=0.6, lexical=0.5, section=0.9)]
    add_relative(hits)
    assert hits[0]["heading_gap"] == pytest.approx(-0.3) and hits[1]["heading_gap"] == 0.0
    assert hits[0]["dense_gap"] == 0.0 and hits[1]["dense_gap"] == pytest.approx(-0.3)
    assert hits[1]["question_gap"] == pytest.approx(-0.1)
    assert hits[1]["lexical_gap"] == pytest.approx(-0.5)
    assert hits[0]["section_gap"] == pytest.approx(-0.7)
    assert hits[0]["best_sentence_gap"] == hits[1]["best_sentence_gap"] == 0.0
    assert [h["question_top"] for h in hits] == [1.0, 0.0]


def test_question_top_goes_to_the_first_best_and_needs_a_positive_match() -> None:
    tied = [_hit(question=0.5), _hit(question=0.5)]
    add_relative(tied)
    assert [h["question_top"] for h in tied] == [1.0, 0.0]
    none = [_hit(), _hit()]
    add_relative(none)
    assert [h["question_top"] for h in none] == [0.0, 0.0]


def test_add_relative_of_nothing_is_nothing() -> None:
    hits: list[dict[str, float]] = []
    add_relative(hits)
    assert hits == []


def test_score_and_probability_by_hand() -> None:
    ranker = Ranker({"dense": 2.0, "lexical": -1.0}, bias=0.5, meta={})
    features = {"dense": 0.5, "lexical": 0.25, "coverage": 9.0}  # coverage has no weight
    assert ranker.score(features) == pytest.approx(0.5 + 1.0 - 0.25)
    assert ranker.probability(features) == pytest.approx(1 / (1 + math.exp(-1.25)))
    assert ranker.score({}) == 0.5


def test_probability_does_not_overflow_on_extreme_scores() -> None:
    ranker = Ranker({"dense": 1000.0}, bias=0.0, meta={})
    assert ranker.probability({"dense": 1.0}) == pytest.approx(1 / (1 + math.exp(-30)))
    assert 0.0 < ranker.probability({"dense": -1.0}) == pytest.approx(1 / (1 + math.exp(30)))


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "ranker.yaml"
    Ranker({"dense": 1.23456789, "section": -2.0}, bias=0.1, meta={"phrasings": 12}).save(path)
    assert path.read_text(encoding="utf-8").startswith("# Section ranker weights")
    assert load(path) == Ranker({"dense": 1.234568, "section": -2.0}, 0.1, {"phrasings": 12})


def test_a_refit_saved_in_the_same_process_is_what_load_returns(tmp_path: Path) -> None:
    path = tmp_path / "ranker.yaml"
    Ranker({"dense": 1.0}, bias=0.0, meta={}).save(path)
    assert load(path) == Ranker({"dense": 1.0}, 0.0, {})
    Ranker({"dense": 3.0}, bias=-1.0, meta={}).save(path)
    assert load(path) == Ranker({"dense": 3.0}, -1.0, {})


@pytest.mark.parametrize("body", ["", "weights: {}\n", "weights:\n  dense: 1.0\n  made_up: 2.0\n", "bias: 1.0\n"])
def test_an_empty_or_unknown_weights_file_gives_no_ranker(tmp_path: Path, body: str) -> None:
    path = tmp_path / "ranker.yaml"
    path.write_text(body, encoding="utf-8")
    assert load(path) is None


def test_no_file_gives_no_ranker(tmp_path: Path) -> None:
    assert load(tmp_path / "missing.yaml") is None


def test_the_shipped_weights_load_and_cover_every_feature() -> None:
    ranker = load(WEIGHTS)
    assert ranker is not None
    assert set(ranker.weights) == set(FEATURES)


def test_feature_vector_follows_the_feature_order() -> None:
    vector = feature_vector({"dense": 0.5, "coverage": 1, "unknown": 7.0})
    assert len(vector) == len(FEATURES)
    assert vector[FEATURES.index("dense")] == 0.5 and vector[FEATURES.index("coverage")] == 1.0
    assert sum(vector) == 1.5
    assert feature_vector({"b": 2.0}, names=("a", "b")) == [0.0, 2.0]
