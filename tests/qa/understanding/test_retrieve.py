"""Hybrid retrieval over the session's real index: dense + bm25 + phrasings fused by rank."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.index.reader import IndexReader
from qa.settings import Settings
from qa.understanding.retrieve import HybridSearch, rrf

CORPUS = Path(__file__).resolve().parents[3] / "corpus"


@pytest.fixture(scope="module")
def search(built_settings: Settings, embedder) -> HybridSearch:
    return HybridSearch(IndexReader(built_settings), embedder, built_settings.candidates)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_plain_question_gets_unique_hits_from_the_corpus(search: HybridSearch) -> None:
    """Every hit is a different chunk of a corpus file, each sentence word for word from it."""
    hits = search.search("what is ITP?", k=8)
    assert len(hits) == 8
    assert len({h.row.passage.chunk_id for h in hits}) == len(hits)
    for hit in hits:
        passage = hit.row.passage
        source = CORPUS / passage.source
        assert source.is_file() and f"\nid: {passage.doc_id}\n" in source.read_text(encoding="utf-8")
        assert hit.row.sentences and all(_flat(s) in _flat(source.read_text(encoding="utf-8"))
                                         for s in hit.row.sentences)
    assert any("itp" in h.row.passage.section.lower() for h in hits[:3])


def test_hits_come_best_first_and_carry_their_scores(search: HybridSearch) -> None:
    """Fused scores fall; a hit's passage carries the fused, dense and bm25 scores that ranked it."""
    hits = search.search("can I fly with ITP?", k=5)
    fused = [h.fused for h in hits]
    assert fused == sorted(fused, reverse=True) and fused[-1] > 0
    assert any(h.lexical > 0 for h in hits)
    for h in hits:
        assert (h.passage.score, h.passage.dense, h.passage.lexical) == (h.fused, h.dense, h.lexical)
        assert -1.0 <= h.dense <= 1.0 and -1.0 <= h.heading <= 1.0


@pytest.mark.parametrize(("question", "medicine"), [
    ("what are the side effects of romiplostim?", "romiplostim"),
    ("how do I take eltrombopag?", "eltrombopag"),
    ("how well does rituximab work?", "rituximab"),
    ("is avatrombopag taken with food?", "avatrombopag"),
])
def test_a_medicine_question_ranks_that_medicines_section_near_the_top(
        search: HybridSearch, question: str, medicine: str) -> None:
    """A section whose heading names the medicine asked about is among the first three hits."""
    sections = [h.row.passage.section.lower() for h in search.search(question, k=6)]
    assert any(medicine in s for s in sections[:3]), sections


def test_a_given_vector_is_used_as_the_question_embedding(search: HybridSearch, embedder) -> None:
    """Passing the question's own vector gives exactly the hits `search` computes itself."""
    question = "how is IVIG given?"
    own = [h.row.passage.chunk_id for h in search.search(question, k=5)]
    given = search.search(question, k=5, vector=embedder.embed_query(question))
    assert [h.row.passage.chunk_id for h in given] == own
    assert len(search.search(question, k=2)) == 2


def test_rrf_adds_weighted_reciprocal_ranks() -> None:
    """Σ weight / (k + rank): a chunk high in two rankings beats one first in only one."""
    scores = rrf([["a", "b"], ["b", "c"]], weights=[1.0, 2.0], k=1)
    assert scores == pytest.approx({"a": 1 / 2, "b": 1 / 3 + 2 / 2, "c": 2 / 3})
    assert max(scores, key=scores.__getitem__) == "b"
