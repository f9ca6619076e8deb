"""Citation markers: parse "[n]" markers into cited claims and check each resolves to a source."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.text.claims import Claim, sentences

MARKER_GROUP = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def marker_numbers(text: str) -> list[int]:
    """Every number cited by "[n]" or "[n, m]" markers, in order (repeats kept).

    >>> marker_numbers("Rare. [1] Not inherited. [2][1]")
    [1, 2, 1]
    """
    return [int(n) for m in _MARKER.finditer(text) for n in m.group(1).split(",")]


def split_claims(body: str) -> tuple[list[Claim], list[str]]:
    """Split a reply body into cited claims and uncited sentences.

    A marker group cites the sentence (or clause) directly before it: the text since the previous
    marker group or sentence boundary. Text never followed by a marker is uncited.

    Args:
        body: the reply without its source list and disclaimer.
    Returns:
        (claims, uncited sentences), each in reading order.

    >>> split_claims("Intro line.\\n\\nITP is rare. [1] It is not contagious [2].")
    ([Claim(text='ITP is rare.', refs=(1,)), Claim(text='It is not contagious', refs=(2,))], ['Intro line.'])
    """
    claims: list[Claim] = []
    uncited: list[str] = []
    pos = 0
    for group in MARKER_GROUP.finditer(body):
        before = sentences(body[pos : group.start()])
        if before:
            uncited += before[:-1]
            claims.append(Claim(before[-1], tuple(dict.fromkeys(marker_numbers(group.group())))))
        pos = group.end()
    uncited += sentences(body[pos:])
    return claims, uncited


@dataclass(frozen=True)
class ValidityCase:
    """Markers of one reply against the sources it returned."""

    markers: int
    unresolved: tuple[int, ...]  # marker numbers with no returned source
    unused: tuple[int, ...]  # returned sources that no marker cites
    valid: bool


@dataclass(frozen=True)
class ValidityResult:
    """Share of cited replies whose every marker resolves to a returned source."""

    validity_rate: float | None
    unresolved_markers: int
    evaluated: int
    per_case: list[ValidityCase | None]


def citation_validity(bodies: Sequence[str | None], sources: Sequence[Sequence[int]]) -> ValidityResult:
    """Check that every "[n]" marker resolves to a returned citation numbered n.

    Args:
        bodies: per case, the reply body (None: no reply, skipped).
        sources: per case, the numbers of the citations the reply returned.
    Returns:
        Per case the unresolved and unused numbers; a case is evaluated when it has markers or
        sources, and valid when no marker is unresolved.
    """
    if len(bodies) != len(sources):
        raise ValueError(f"bodies ({len(bodies)}) and sources ({len(sources)}) differ in length")
    per_case: list[ValidityCase | None] = []
    for body, nums in zip(bodies, sources, strict=True):
        if isinstance(nums, (str, int)) or any(isinstance(n, bool) or not isinstance(n, int) for n in nums):
            raise ValueError(f"sources must be lists of citation numbers, got {nums!r}")
        if body is None:
            per_case.append(None)
            continue
        cited = marker_numbers(body)
        if not cited and not nums:
            per_case.append(None)
            continue
        have = set(nums)
        unresolved = tuple(sorted({n for n in cited if n not in have}))
        unused = tuple(sorted(have - set(cited)))
        per_case.append(ValidityCase(len(cited), unresolved, unused, not unresolved))
    done = [c for c in per_case if c is not None]
    return ValidityResult(
        validity_rate=sum(c.valid for c in done) / len(done) if done else None,
        unresolved_markers=sum(len(c.unresolved) for c in done), evaluated=len(done),
        per_case=per_case,
    )
