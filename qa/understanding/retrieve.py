"""Hybrid retrieval: dense (Chroma) and lexical (FTS5 bm25) hits fused by reciprocal rank."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace

import numpy as np

from qa.index import adapter
from qa.index.adapter import PhrasingMatcher
from qa.index.embedder import DIM, Embedder
from qa.index.lexical import Row
from qa.index.phrasings import KIND as PHRASINGS
from qa.index.phrasings import chunk_of, fit_and_save_adapter, indexed
from qa.index.reader import IndexReader, adapter_path

log = logging.getLogger(__name__)
_NO_COLLECTION = ("NotFoundError", "InvalidCollectionException", "ValueError")

RRF_K = 60


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with everything composition needs (text, sentences, vectors)."""

    row: Row
    fused: float
    dense: float
    lexical: float
    heading: float = 0.0
    question: float = 0.0  # best match among the question-bank phrasings of its section
    section: float = 0.0  # the section model's probability that the question asks for it

    @property
    def passage(self):
        return replace(self.row.passage, score=self.fused, dense=self.dense, lexical=self.lexical)


def rrf(rankings: list[list[str]], weights: list[float] | None = None, k: int = RRF_K) -> dict[str, float]:
    """Reciprocal rank fusion: Σ weight / (k + rank), rank starting at 1."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, cid in enumerate(ranking, 1):
            scores[cid] = scores.get(cid, 0.0) + w / (k + rank)
    return scores


class HybridSearch:
    """Dense + lexical search over the active index.

    >>> HybridSearch(reader, embedder).search("is itp contagious?", k=6)   # doctest: +SKIP
    """

    def __init__(self, reader: IndexReader, embedder: Embedder, candidates: int = 20) -> None:
        self.reader = reader
        self.embedder = embedder
        self.candidates = candidates
        self._without_phrasings: set[str] = set()  # generations indexed with no question bank
        self._matchers: dict[str, PhrasingMatcher | None] = {}  # the open generation's, by generation
        self._matcher_lock = threading.Lock()
        self._fitting: set[str] = set()  # generations whose missing adapter is being fitted

    def search(self, question: str, k: int = 6, vector: np.ndarray | None = None,
               lexical_query: str | None = None) -> list[Hit]:
        """The `k` best chunks for `question`, best first.

        Args:
            question: the stand-alone question.
            k: how many hits to return.
            vector: the question's embedding, when the caller already has it.
            lexical_query: a wider query for bm25 (lay words expanded), default `question`.
        """
        qvec = self.embedder.embed_query(question) if vector is None else vector
        dense = self.reader.dense(qvec, self.candidates)
        heads = self.reader.dense(qvec, self.candidates, kind="headings")
        asked = self._phrasings(qvec)
        sections = self._sections(qvec)
        _, lexical = self.reader.current()  # after `dense`, which may have switched generation
        lex = lexical.search(lexical_query or question, self.candidates)
        rankings = [[c for c, _ in dense], [c for c, _ in heads], [c for c, _ in lex], list(asked)]
        if sections:
            rankings.append(sorted(sections, key=sections.__getitem__, reverse=True)[: self.candidates])
        fused = rrf(rankings)
        top = sorted(fused, key=fused.__getitem__, reverse=True)[: max(k, 1) * 2]
        rows = lexical.rows(top)
        lex_scores = dict(lex)
        hits = [
            Hit(row=rows[cid], fused=fused[cid], dense=float(rows[cid].chunk_vec @ qvec),
                lexical=lex_scores.get(cid, 0.0), heading=float(rows[cid].head_vec @ qvec),
                question=asked.get(cid, 0.0), section=sections.get(cid, 0.0))
            for cid in top if cid in rows
        ]
        return hits[:k]

    def _phrasing_hits(self, qvec: np.ndarray) -> list[tuple[str, float]]:
        """Nearest question-bank phrasings as (phrasing id, cosine), best first.

        A generation indexed without a question bank has no phrasing collection: that is not a
        dropped generation (which `IndexReader.dense` would chase), just nothing to add.
        """
        info, _ = self.reader.current()
        if info.generation in self._without_phrasings:
            return []
        try:
            matcher = self.current_matcher()
            if matcher is not None:
                return matcher.query(qvec, self.candidates * 3)
            return self.reader.store.query(info.generation, qvec, self.candidates * 3, kind=PHRASINGS)
        except Exception as exc:
            if type(exc).__name__ not in _NO_COLLECTION:
                raise
            self._without_phrasings.add(info.generation)
            return []

    def current_matcher(self) -> PhrasingMatcher | None:
        """The open generation's matcher (None without an adapter yet)."""
        info, _ = self.reader.current()
        return self.matcher(info.generation)

    def _sections(self, qvec: np.ndarray) -> dict[str, float]:
        """The section model's probabilities by chunk id ({} without one)."""
        info, _ = self.reader.current()
        if info.generation in self._without_phrasings:
            return {}
        try:
            matcher = self.current_matcher()
        except Exception as exc:
            if type(exc).__name__ not in _NO_COLLECTION:
                raise
            return {}
        return matcher.section_proba(qvec) if matcher is not None else {}

    def matcher(self, generation: str) -> PhrasingMatcher | None:
        """The generation's phrasings in the query adapter's space, or None without an adapter.

        The adapter is fitted at ingest. A generation that has none yet (indexed by an older
        version) gets it fitted in the background; until then phrasings match unadapted.
        """
        if generation in self._matchers:
            return self._matchers[generation]
        with self._matcher_lock:
            if generation in self._matchers:
                return self._matchers[generation]
            path = adapter_path(self.reader.settings, generation)
            saved = adapter.load(path, DIM)
            if saved is None:
                self._fit_in_background(generation)
                return None
            if saved.vectors is not None and saved.ids:  # saved with it at ingest: no Chroma read
                ids, vectors = list(saved.ids), saved.vectors
            else:
                ids, vectors, _ = indexed(self.reader.store, generation)
            found = PhrasingMatcher.build(ids, vectors, saved.matrix, saved.sections) if ids else None
            self._matchers = {generation: found}  # only the open generation is kept
            return found

    def _fit_in_background(self, generation: str) -> None:
        if generation in self._fitting:
            return
        self._fitting.add(generation)
        store, path = self.reader.store, adapter_path(self.reader.settings, generation)

        def fit() -> None:
            try:
                fit_and_save_adapter(store, generation, path)
            except Exception:
                log.exception("the query adapter could not be fitted; phrasings match without it")

        threading.Thread(target=fit, name="itpqa-adapter", daemon=True).start()

    def _phrasings(self, qvec: np.ndarray) -> dict[str, float]:
        """Chunks whose question-bank phrasings match, best first, with the best similarity."""
        best: dict[str, float] = {}
        for pid, sim in self._phrasing_hits(qvec):
            cid = chunk_of(pid)
            if sim > best.get(cid, -1.0):
                best[cid] = sim
        return dict(sorted(best.items(), key=lambda kv: -kv[1]))

