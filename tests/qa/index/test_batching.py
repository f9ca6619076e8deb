"""Concurrent questions share one embedding call, and get the vectors they would get alone."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from qa.index.batching import QueryBatcher


def test_a_single_question_gets_the_encoders_own_vector(embedder) -> None:
    text = "how long does ivig take to work (batching test)"
    alone = embedder.query_encoder.encode([text])[0]
    assert np.allclose(embedder.batcher.embed(text), alone, atol=1e-6)


def test_concurrent_questions_are_batched_with_the_same_vectors(embedder) -> None:
    texts = [f"question {i} about platelets and bruising, batch check" for i in range(16)]
    alone = embedder.query_encoder.encode(texts)  # reference: one call, no padding surprises
    singles = np.stack([embedder.query_encoder.encode([t])[0] for t in texts])
    batcher = embedder.batcher
    before_batches, before_texts = batcher.batches, batcher.texts
    gate = threading.Barrier(len(texts))
    got: dict[int, np.ndarray] = {}

    def ask(i: int) -> None:
        gate.wait()
        got[i] = embedder.embed_query(texts[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    vectors = np.stack([got[i] for i in range(len(texts))])
    assert np.allclose(vectors, singles, atol=1e-4)  # padding in a batch does not move a vector
    assert np.allclose(vectors, alone, atol=1e-4)
    assert batcher.texts - before_texts == len(texts)
    assert batcher.batches - before_batches < len(texts)  # some questions shared a call
    assert batcher.largest >= 2


def test_a_model_error_reaches_the_caller_and_the_worker_keeps_serving() -> None:
    calls = []

    def encode(texts):
        calls.append(list(texts))
        if any("boom" in t for t in texts):
            raise RuntimeError("model failed")
        return np.ones((len(texts), 3), dtype=np.float32)

    batcher = QueryBatcher(encode)
    with pytest.raises(RuntimeError, match="model failed"):
        batcher.embed("boom")
    assert batcher.embed("fine").tolist() == [1.0, 1.0, 1.0]
    assert calls == [["boom"], ["fine"]]
