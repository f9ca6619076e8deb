"""Fixtures for the LLM tests: real requests (real index, real embedder) and scripted chat models."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from qa.chain import Turn
from qa.generate import Request


class Script:
    """Answers a fake chat model gives, in order; counts how often the model was called."""

    def __init__(self, answers: Sequence[str | BaseException]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __iter__(self) -> Iterator[AIMessage]:
        return self

    def __next__(self) -> AIMessage:
        self.calls += 1
        if not self.answers:
            raise AssertionError("the chat model was called more often than scripted")
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return AIMessage(content=answer)


@pytest.fixture
def scripted() -> Callable[..., tuple[GenericFakeChatModel, Script]]:
    """`scripted("answer 1", ...)` -> (a GenericFakeChatModel, its script)."""

    def make(*answers: str | BaseException) -> tuple[GenericFakeChatModel, Script]:
        script = Script(answers)
        return GenericFakeChatModel(messages=script), script

    return make


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
