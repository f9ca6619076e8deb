"""The generator interface: what a generator gets by naming `Generator` as its base."""

from __future__ import annotations

import numpy as np

from qa.answer.compose import ExtractiveGenerator
from qa.answer.generate import Draft, Generator, Request, Sentence


class Echo(Generator):
    name = "echo"

    def generate(self, request: Request) -> Draft:
        return Draft([Sentence(request.question, ())])

    def stream(self, request: Request, info: dict | None = None):
        yield from self.generate(request).sentences


def test_a_generator_ranks_hits_as_retrieved_and_has_nothing_to_warm_up_by_default() -> None:
    request = Request("q", "q", hits=[None, None, None], vector=np.zeros(384))  # type: ignore[list-item]
    assert Echo().rank(request) == [0, 1, 2]
    assert Echo().warm_up() is None


def test_the_extractive_generator_is_a_generator() -> None:
    gen = ExtractiveGenerator(ranker=None)
    assert Generator in type(gen).__mro__
    assert gen.warm_up() is None
    assert ExtractiveGenerator.rank is not Generator.rank  # its own order, not the default
