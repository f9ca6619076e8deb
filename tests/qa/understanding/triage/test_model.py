"""The learned triage heads: thresholds, word features, which heads read the unknown-word count,
and the cached file, fitted with the real bundled embedder on a slice of the train banks."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from qa.corpus.questions import answerable_questions
from qa.understanding.triage.banks import load_banks
from qa.understanding.triage.model import (
    UNKNOWN_WORDS_KINDS,
    Tfidf,
    TriageModel,
    choose_threshold,
    fit,
)
from qa.understanding.triage.unknown_words import BANDS, Library

ROOT = Path(__file__).resolve().parents[4]


def test_recall_priority_takes_the_highest_threshold_that_keeps_the_recall() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    assert choose_threshold(p, y, recall=1.0, max_fpr=0.0, priority="recall") == 0.5
    # max_fpr priority: no false positive allowed, so just above the best negative (0.6).
    assert choose_threshold(p, y, recall=1.0, max_fpr=0.0, priority="max_fpr") == pytest.approx(0.6 + 1e-6)


def test_the_unknown_word_band_sits_beside_the_unit_length_word_weights() -> None:
    library = Library(frozenset({"platelet", "count", "low", "what", "is"}))
    tfidf = Tfidf.fit(["what is a low platelet count", "explain pythagoras", "write a poem", "is itp rare"],
                      min_df=1, library=library)
    vec = tfidf.vector("explain pythagoras")
    band = {tfidf.vocabulary[t] for t in BANDS if t in tfidf.vocabulary}
    words = [w for j, w in vec.items() if j not in band]
    assert np.isclose(sum(w * w for w in words), 1.0)
    assert [vec[j] for j in band if j in vec] == [1.0]
    assert tfidf.vocabulary["unknown_words_2"] in vec  # "explain", "pythagoras"


def test_a_stated_count_is_a_term_by_its_size() -> None:
    tfidf = Tfidf.fit(["count is 8", "count is 80", "count is 8 today"], min_df=1)
    assert tfidf.vocabulary["count_below_10"] in tfidf.vector("my count was 7")
    assert tfidf.vocabulary["count_50_to_100"] in tfidf.vector("my count was 70")


@pytest.fixture(scope="module")
def small_model(embedder) -> TriageModel:
    rng = random.Random(3)
    train = [ex for ex in load_banks() if ex.split == "train"]
    rows = [ex for kind in ("urgent", "abstain", "decline") for ex in
            rng.sample([e for e in train if e.kind == kind], 120)]
    questions = rng.sample(answerable_questions(ROOT / "corpus" / "questions"), 150)
    return fit(rows, embedder.embed_queries, questions, Library.from_corpus(ROOT / "corpus"))


def test_only_the_decline_head_reads_the_unknown_word_count(small_model: TriageModel) -> None:
    columns = [small_model.tfidf.vocabulary[t] for t in BANDS if t in small_model.tfidf.vocabulary]
    assert len(columns) == len(BANDS)
    for kind, head in small_model.heads.items():
        weight = np.abs(head.w_terms[columns]).sum()
        assert (weight > 0) == (kind in UNKNOWN_WORDS_KINDS), kind
    for kind, head in small_model.fallback.items():
        assert (np.abs(head.w_terms[columns]).sum() > 0) == (kind in UNKNOWN_WORDS_KINDS), kind


def test_the_fitted_model_survives_its_cache_file(small_model: TriageModel, embedder, tmp_path) -> None:
    path = tmp_path / "triage.npz"
    small_model.save(path)
    loaded = TriageModel.load(path)
    texts = ["can you explain pythagoras to my son simply", "i fell and hit my head, count 12"]
    vectors = embedder.embed_queries(texts)
    for text, vector in zip(texts, vectors, strict=True):
        assert loaded.detect([text], vector[None, :], ["whole"]) == small_model.detect([text], vector[None, :],
                                                                                        ["whole"])
    assert loaded.tfidf.library == small_model.tfidf.library and loaded.key == small_model.key


def test_a_file_of_an_older_layout_is_refused(small_model: TriageModel, tmp_path, monkeypatch) -> None:
    from qa.understanding.triage import model

    path = tmp_path / "old.npz"
    monkeypatch.setattr(model, "FORMAT", model.FORMAT - 1)
    small_model.save(path)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="old triage model format"):
        TriageModel.load(path)
