"""The generator interface: turn retrieved hits into cited sentences (extractive or LLM)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from qa.understanding.retrieve import Hit


@dataclass(frozen=True)
class Request:
    """What a generator is given."""

    question: str  # stand-alone question (follow-ups resolved)
    original: str  # what the user typed
    hits: Sequence[Hit]
    vector: np.ndarray
    history: Sequence[dict] = ()
    max_sentences: int = 4
    mode: str = "answer"
    vocabulary: Mapping[str, int] = field(default_factory=dict)  # word → frequency in the sources
    expanded: str = ""  # the question with lay words and count ranges spelled out  # "answer", or "context" for brief context under urgent/abstain templates


@dataclass(frozen=True)
class Sentence:
    """One sentence of a draft and the hits (indexes into `Request.hits`) it cites."""

    text: str
    cites: tuple[int, ...]


@dataclass
class Draft:
    """A generator's output before numbering, sources and disclaimer are added."""

    sentences: list[Sentence]
    info: dict[str, Any] = field(default_factory=dict)  # e.g. removed sentences, fallbacks


class Generator(Protocol):
    """Anything that can draft an answer from hits; selected by `ITPQA_GENERATOR`.

    A class that names `Generator` as its base gets the default `rank` and `warm_up`.

    >>> class Echo(Generator):
    ...     name = "echo"
    ...     def generate(self, request): return Draft([Sentence(request.question, ())])
    ...     def stream(self, request, info=None): yield from self.generate(request).sentences
    >>> Echo().rank(Request("q", "q", hits=[], vector=np.zeros(384)))
    []
    """

    name: str

    def generate(self, request: Request) -> Draft: ...

    def stream(self, request: Request, info: dict[str, Any] | None = None) -> Iterator[Sentence]:
        """Sentences as each is ready (an LLM's, once verified); `info` gets what `Draft.info` would."""
        ...

    def rank(self, request: Request) -> list[int]:
        """Indexes of `request.hits`, best first, as the generator weighs them (default: as retrieved)."""
        return list(range(len(request.hits)))

    def warm_up(self) -> None:
        """Load what the generator needs now rather than on the first question (default: nothing)."""
        return None  # a body, so that type checkers do not take the default for abstract
