"""Encoders for benchmark ingest: the real model, timed; and a reuse mode for grown corpora."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from qa.index.embedder import Encoder, TorchEncoder
from qa.text.sentences import split_sentences


class TimedEncoder:
    """The real sentence-transformers encoder, counting texts and seconds spent in the model."""

    backend = "torch"

    def __init__(self, inner: Encoder | None = None) -> None:
        self.inner = inner or TorchEncoder()
        self.texts = 0
        self.seconds = 0.0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        start = time.perf_counter()
        vecs = self.inner.encode(texts, batch_size=batch_size)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return vecs


class ReuseEncoder(TimedEncoder):
    """Embeds every distinct sentence and heading with the real model, once; passages are reused.

    A grown corpus recombines real sentences, so its passages are new texts made of known parts.
    Embedding 100k passages costs about an hour on 2 cores; this encoder represents a passage
    (a text with a head line, as `Chunk.embed_text` builds it) by the normalised mean of its
    parts' real vectors instead. Sentences and headings, which composition and the heading index
    score, stay exact. `agreement()` reports how close the stand-ins are to the real vectors.
    """

    backend = "torch+reuse"

    def __init__(self, inner: Encoder | None = None) -> None:
        super().__init__(inner)
        self.cache: dict[str, np.ndarray] = {}
        self.passages = 0
        self.passage_rate = 0.0  # passages/s through the real model, measured by agreement()

    def _exact(self, texts: Sequence[str]) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, super().encode(missing, batch_size=64), strict=True))

    @staticmethod
    def parts(text: str) -> list[str]:
        """A passage's title, heading path and sentences (see `Chunk.embed_text`)."""
        head, _, body = text.partition("\n")
        return [*[p for p in head.split(". ") if p], *split_sentences(body)]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        split = [self.parts(t) if "\n" in t else [t] for t in texts]
        self._exact([p for parts in split for p in parts])
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, parts in enumerate(split):
            if len(parts) == 1:
                out[i] = self.cache[parts[0]]
                continue
            self.passages += 1
            mean = np.mean([self.cache[p] for p in parts], axis=0)
            out[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        return out

    def agreement(self, texts: Sequence[str]) -> float:
        """Median cosine between stand-in and real passage vectors for a sample of passages."""
        if not texts:
            return 1.0
        start = time.perf_counter()
        real = self.inner.encode(list(texts), batch_size=32)
        self.passage_rate = len(texts) / (time.perf_counter() - start)
        return float(np.median(np.sum(real * self.encode(texts), axis=1)))
