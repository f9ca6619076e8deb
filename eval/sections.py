"""`itpqa eval sections`: does the engine lead with the right section for held-out phrasings?

The question bank's held-out 20% (`qa.index.phrasings.split_of`) is never indexed, fitted or tuned
on. Each phrasing is asked alone; the section the answer would lead with is compared with the
section the phrasing was written for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SectionCase:
    text: str
    expected: str  # "doc-id#Heading"


@dataclass(frozen=True)
class SectionResult:
    """Top-1 and top-3 section accuracy, and the misses."""

    n: int
    top1: float | None
    top3: float | None
    misses: list[dict[str, Any]] = field(default_factory=list)


def held_out_cases(directory) -> list[SectionCase]:
    from qa.corpus.questions import load_question_bank
    from qa.index.phrasings import split_of

    return [SectionCase(p, e.key) for e in load_question_bank(directory) for p in e.phrasings
            if split_of(p) == "held_out"]


def score(cases: Sequence[SectionCase], ranked: Sequence[Sequence[str]]) -> SectionResult:
    """Pure scoring: `ranked[i]` lists case i's sections, best first (duplicates allowed)."""
    if len(cases) != len(ranked):
        raise ValueError("cases and rankings differ in length")
    top1 = top3 = 0
    misses = []
    for case, sections in zip(cases, ranked, strict=True):
        distinct = list(dict.fromkeys(sections))
        top1 += bool(distinct) and distinct[0] == case.expected
        top3 += case.expected in distinct[:3]
        if not distinct or distinct[0] != case.expected:
            misses.append({"question": case.text, "expected": case.expected,
                           "got": distinct[:3]})
    n = len(cases)
    return SectionResult(n, top1 / n if n else None, top3 / n if n else None, misses)


def rank_sections(bot: Any, text: str, k: int = 10) -> list[str]:
    from qa.index.phrasings import section_key

    return [section_key(p.doc_id, p.section) for p in bot.retrieve(text, k=k)]
