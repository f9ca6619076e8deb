"""Measure citation support with the bundled embedder (the impure half of `qa.text.support`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from qa.text.claims import Claim, sentences
from qa.text.sentences import split_sentences
from qa.text.support import (
    Evidence,
    lexical_support,
    numbers_consistent,
    polarity_agrees,
    quoted,
)


class TextEmbedder(Protocol):
    """What the scorer needs of an embedder (`qa.index.embedder.Embedder` is one)."""

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray: ...


class SupportScorer:
    """Turns (claim, cited passages) into `Evidence`: lexical overlap, cosine similarity, numbers.

    >>> scorer = SupportScorer(shared_embedder())                             # doctest: +SKIP
    >>> scorer.evidence([Claim("ITP is not contagious.", (1,))], {1: "ITP is not contagious."})
    [Evidence(claim='ITP is not contagious.', refs=(1,), lexical=1.0, semantic=1.0, ...)]
    """

    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder  # given, so the text layer never loads a model itself
        self._cache: dict[str, np.ndarray] = {}

    @staticmethod
    def _sentences(passage: str) -> list[str]:
        # The sentences, and the claims a reply would make of them (also broken at "include:").
        return list(dict.fromkeys([*split_sentences(passage), *sentences(passage)]))

    def _units(self, passage: str) -> list[str]:
        return [passage, *self._sentences(passage)]

    def embed(self, texts: Sequence[str]) -> None:
        """Embed (and cache) every text not seen yet, in one batch."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            vecs = self.embedder.embed_texts(todo)
            self._cache.update(zip(todo, vecs, strict=True))

    def similarity(self, claim: str, passages: Sequence[str]) -> float:
        """Highest cosine similarity of the claim to any passage or passage sentence."""
        units = [u for p in passages for u in self._units(p)]
        self.embed([claim, *units])
        q = self._cache[claim]
        return float(max((float(self._cache[u] @ q) for u in units), default=0.0))

    def nearest(self, claim: str, passages: Sequence[str], n: int = 1) -> list[str]:
        """The `n` passage sentences most similar to the claim (one: the polarity check compares with it)."""
        units = [s for p in passages for s in self._sentences(p)]
        self.embed([claim, *units])
        q = self._cache[claim]
        return sorted(units, key=lambda s: -float(self._cache[s] @ q))[:n]

    def prepare(self, texts: Sequence[str]) -> None:
        """Embed claims and passages of many replies up front (one batch instead of many)."""
        self.embed([u for t in texts for u in (t, *self._sentences(t))])

    def evidence(self, claims: Sequence[Claim], sources: Mapping[int, str]) -> list[Evidence]:
        """Evidence for each claim against the passages of the sources it cites.

        Args:
            claims: cited claims of one reply.
            sources: citation number -> passage text.
        """
        self.embed([c.text for c in claims] + [u for p in sources.values() for u in self._units(p)])
        out = []
        for c in claims:
            passages = [sources[n] for n in c.refs if n in sources]
            resolved = len(passages) == len(c.refs) and bool(passages)
            if not passages:
                out.append(Evidence(c.text, c.refs, 0.0, 0.0, False, resolved=False))
                continue
            out.append(Evidence(
                claim=c.text, refs=c.refs, lexical=lexical_support(c.text, passages),
                semantic=max(-1.0, min(1.0, self.similarity(c.text, passages))),
                numbers_ok=numbers_consistent(c.text, passages),
                polarity_ok=polarity_agrees(c.text, self.nearest(c.text, passages)),
                quoted=quoted(c.text, passages), resolved=resolved,
            ))
        return out
