"""Fixtures for the LLM tests: real requests (real index, real embedder); `scripted` is in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from qa.answer.generate import Request
from qa.chain import Turn


@pytest.fixture(scope="module")
def request_for(assistant) -> Callable[..., Request]:
    """`request_for("question")`: the Request the real pipeline would give a generator."""

    def build(question: str, history: Sequence[dict] = (), mode: str = "answer") -> Request:
        p = assistant.pipeline
        turn = p.retrieve(p.understand(Turn(message=question, history=list(history))))
        assert turn.hits and turn.vector is not None
        return Request(question=turn.question, original=question, hits=turn.hits,
                       vector=turn.vector, history=turn.history,
                       max_sentences=assistant.settings.max_sentences, mode=mode)

    return build
