"""Retrieval metrics against expected documents or sections: hit@k, recall@k, MRR, nDCG@k."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SECTION_SEP = " › "  # how the engine joins a heading path


@dataclass(frozen=True)
class RetrievalCase:
    """Scores of one ranked list (binary relevance, each expected item counted once)."""

    hit: float  # 1.0 when any of the top k is relevant
    recall: float  # expected items found in the top k / expected items
    reciprocal_rank: float  # 1 / rank of the first relevant item in the top k (0 if none)
    ndcg: float
    first_rank: int | None  # 1-based rank of the first relevant item, None if none in the top k


@dataclass(frozen=True)
class RetrievalResult:
    """Mean scores over the cases that have both expected items and a ranking."""

    k: int
    hit_at_k: float | None
    recall_at_k: float | None
    mrr: float | None
    ndcg_at_k: float | None
    evaluated: int
    per_case: list[RetrievalCase | None]


def matches(retrieved: str, expected: str) -> bool:
    """Does a retrieved item ("doc-id" or "doc-id#heading › path") satisfy an expected one?

    An expected "doc-id" matches any passage of that document; "doc-id#Heading" matches a
    passage whose heading path has that heading as one of its parts (case-insensitive).

    >>> matches("ivig#Side effects › Headache", "ivig#headache")
    True
    """
    r_doc, _, r_section = retrieved.partition("#")
    e_doc, _, e_section = expected.partition("#")
    if r_doc != e_doc:
        return False
    if not e_section:
        return True
    want = e_section.strip().casefold()
    parts = [p.strip().casefold() for p in r_section.split(SECTION_SEP)]
    return want in parts or r_section.strip().casefold() == want


def gains(ranking: Sequence[str], expected: Sequence[str], k: int) -> list[int]:
    """1 where a top-k position finds an expected item not already found higher up, else 0."""
    found: set[int] = set()
    out = []
    for item in ranking[:k]:
        new = next((j for j, e in enumerate(expected) if j not in found and matches(item, e)), None)
        if new is None:
            out.append(0)
        else:
            found.add(new)
            out.append(1)
    return out


def score_ranking(ranking: Sequence[str], expected: Sequence[str], k: int) -> RetrievalCase:
    """Hit, recall, reciprocal rank and nDCG of one ranking at cut-off `k`.

    Args:
        ranking: retrieved items best first ("doc-id#section path").
        expected: relevant items ("doc-id" or "doc-id#Heading"), at least one.
        k: the cut-off (>= 1).
    Returns:
        A `RetrievalCase`. nDCG uses gain 1 for a newly found expected item and
        IDCG = sum of 1/log2(i+1) for i = 1..min(len(expected), k).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not expected:
        raise ValueError("expected must hold at least one relevant item")
    g = gains(ranking, expected, k)
    first = next((i + 1 for i, x in enumerate(g) if x), None)
    dcg = sum(x / math.log2(i + 2) for i, x in enumerate(g))
    idcg = sum(1 / math.log2(i + 2) for i in range(min(len(expected), k)))
    return RetrievalCase(
        hit=1.0 if first else 0.0,
        recall=sum(g) / len(expected),
        reciprocal_rank=1.0 / first if first else 0.0,
        ndcg=dcg / idcg,
        first_rank=first,
    )


def retrieval_scores(
    rankings: Sequence[Sequence[str] | None], expected: Sequence[Sequence[str]], k: int
) -> RetrievalResult:
    """Retrieval metrics for many cases.

    Args:
        rankings: per case, the retrieved items best first, or None when not measured.
        expected: per case, the relevant items; cases with none are skipped.
        k: the cut-off.
    Returns:
        Means over the evaluated cases (None when no case could be evaluated) and per-case scores
        (None for skipped cases).
    """
    if len(rankings) != len(expected):
        raise ValueError(f"rankings ({len(rankings)}) and expected ({len(expected)}) differ in length")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    per_case: list[RetrievalCase | None] = []
    for ranking, exp in zip(rankings, expected, strict=True):
        if isinstance(ranking, str) or isinstance(exp, str):
            raise ValueError("each ranking and each expected list must be a list of ids, not a string")
        per_case.append(score_ranking(ranking, exp, k) if ranking is not None and exp else None)
    done = [c for c in per_case if c is not None]

    def mean(attr: str) -> float | None:
        return sum(getattr(c, attr) for c in done) / len(done) if done else None

    return RetrievalResult(
        k=k, hit_at_k=mean("hit"), recall_at_k=mean("recall"), mrr=mean("reciprocal_rank"),
        ndcg_at_k=mean("ndcg"), evaluated=len(done), per_case=per_case,
    )
