"""Answer content: key-fact coverage and forbidden phrases (case-insensitive substring matching)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                       "\u2014": "-", "\u00a0": " ", "\u2011": "-"})


def normalize(text: str) -> str:
    """Casefold, straighten quotes and dashes, fold whitespace: what matching compares.

    >>> normalize("Can’t  Catch\\nIT")
    "can't catch it"
    """
    return _SPACE.sub(" ", text.translate(_FOLD)).casefold().strip()


def contains(text: str, phrase: str) -> bool:
    """Is `phrase` in `text` after `normalize`? (Leading/trailing spaces in `phrase` count.)"""
    folded = _SPACE.sub(" ", phrase.translate(_FOLD)).casefold()
    return folded in f" {normalize(text)} "


@dataclass(frozen=True)
class FactCase:
    """Which facts one reply states."""

    found: tuple[bool, ...]
    missing: tuple[tuple[str, ...], ...]  # the facts not stated, as their phrasings
    coverage: float  # found / facts
    all_found: bool


@dataclass(frozen=True)
class FactResult:
    """Key-fact coverage over the cases that expect facts."""

    mean_coverage: float | None
    all_facts_rate: float | None  # share of cases stating every expected fact
    evaluated: int
    per_case: list[FactCase | None]


@dataclass(frozen=True)
class ForbiddenResult:
    """Forbidden phrases found in replies."""

    violation_rate: float | None  # share of cases with at least one forbidden phrase
    violations: int
    evaluated: int
    per_case: list[tuple[str, ...] | None]  # phrases found per case (None when nothing forbidden)


def _check_lengths(texts: Sequence, other: Sequence, name: str) -> None:
    if len(texts) != len(other):
        raise ValueError(f"texts ({len(texts)}) and {name} ({len(other)}) differ in length")


def fact_coverage(texts: Sequence[str | None], facts: Sequence[Sequence[Sequence[str]]]) -> FactResult:
    """How many expected facts each reply states.

    Args:
        texts: per case, the reply body (None when there is no reply: every fact is missing).
        facts: per case, a list of facts; a fact is a list of acceptable phrasings, and is found
            when any phrasing occurs in the text (see `contains`). Cases without facts are skipped.
    Returns:
        Mean coverage, the all-facts rate, and per-case results.
    """
    _check_lengths(texts, facts, "facts")
    per_case: list[FactCase | None] = []
    for text, case_facts in zip(texts, facts, strict=True):
        if not case_facts:
            per_case.append(None)
            continue
        found = []
        for fact in case_facts:
            if isinstance(fact, str) or not fact or any(not isinstance(p, str) or not p for p in fact):
                raise ValueError(f"a fact must be a non-empty list of non-empty phrasings, got {fact!r}")
            found.append(text is not None and any(contains(text, p) for p in fact))
        missing = tuple(tuple(f) for f, ok in zip(case_facts, found, strict=True) if not ok)
        per_case.append(FactCase(tuple(found), missing, sum(found) / len(found), all(found)))
    done = [c for c in per_case if c is not None]
    return FactResult(
        mean_coverage=sum(c.coverage for c in done) / len(done) if done else None,
        all_facts_rate=sum(c.all_found for c in done) / len(done) if done else None,
        evaluated=len(done), per_case=per_case,
    )


def forbidden_violations(texts: Sequence[str | None], forbid: Sequence[Sequence[str]]) -> ForbiddenResult:
    """Which forbidden phrases each reply contains.

    Args:
        texts: per case, the reply body (None: no reply, so nothing forbidden was said).
        forbid: per case, phrases that must not appear; cases without any are skipped.
    Returns:
        The share of evaluated cases with a violation, the total count, and per-case hits.
    """
    _check_lengths(texts, forbid, "forbid")
    per_case: list[tuple[str, ...] | None] = []
    for text, phrases in zip(texts, forbid, strict=True):
        if isinstance(phrases, str):
            raise ValueError("forbid must be a list of phrases per case, not a string")
        if not phrases:
            per_case.append(None)
            continue
        if any(not isinstance(p, str) or not p for p in phrases):
            raise ValueError(f"forbidden phrases must be non-empty strings, got {phrases!r}")
        per_case.append(tuple(p for p in phrases if text is not None and contains(text, p)))
    done = [c for c in per_case if c is not None]
    return ForbiddenResult(
        violation_rate=sum(bool(c) for c in done) / len(done) if done else None,
        violations=sum(len(c) for c in done), evaluated=len(done), per_case=per_case,
    )
