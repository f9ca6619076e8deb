"""Embedder plumbing: lazy loading, de-duplicated passage batches, the query cache."""

from __future__ import annotations

import hashlib

import numpy as np

from qa.index.embedder import DIM, Embedder


class HashEncoder:
    """A deterministic stand-in that records every text it is given."""

    backend = "hash"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, batch_size=32):
        self.seen += list(texts)
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:4], "big")
            v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.vstack(rows)


def test_nothing_loads_until_used() -> None:
    made: list[HashEncoder] = []
    emb = Embedder(lambda: made.append(HashEncoder()) or made[-1])
    assert made == []
    emb.embed_query("hello")
    assert len(made) == 1


def test_repeated_texts_are_embedded_once_and_keep_their_places() -> None:
    enc = HashEncoder()
    emb = Embedder(lambda: enc)
    texts = ["Talk to your care team.", "a", "Talk to your care team.", "b", "a"]
    done: list[int] = []
    vecs = emb.embed_texts(texts, batch_size=2, progress=done.append)
    assert sorted(enc.seen) == ["Talk to your care team.", "a", "b"]
    assert vecs.shape == (5, DIM)
    assert np.array_equal(vecs[0], vecs[2]) and np.array_equal(vecs[1], vecs[4])
    assert np.array_equal(vecs, HashEncoder().encode(texts))
    assert sum(done) == len(texts)


def test_empty_input_gives_an_empty_matrix() -> None:
    assert Embedder(HashEncoder).embed_texts([]).shape == (0, DIM)


def test_query_cache_and_disabling_it() -> None:
    enc = HashEncoder()
    cached = Embedder(lambda: enc)
    cached.embed_query("Is ITP contagious?")
    cached.embed_query("  is itp contagious?")
    assert len(enc.seen) == 1
    enc2 = HashEncoder()
    uncached = Embedder(lambda: enc2, cache_size=0)
    uncached.embed_query("Is ITP contagious?")
    uncached.embed_query("Is ITP contagious?")
    assert len(enc2.seen) == 2


def test_a_separate_query_encoder_is_used_for_queries_only() -> None:
    passages, queries = HashEncoder(), HashEncoder()
    emb = Embedder(lambda: passages, query_encoder_factory=lambda: queries)
    emb.embed_texts(["a passage"])
    emb.embed_query("a question")
    emb.embed_queries(["q1", "q2"])
    assert passages.seen == ["a passage"]
    assert queries.seen == ["a question", "q1", "q2"]
    assert emb.query_backend == "hash"
