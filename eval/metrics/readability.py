"""Readability: Flesch–Kincaid reading grade of answers (citation markers removed)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eval.metrics.citations import MARKER_GROUP
from qa.text.readability import reading_grade

TARGET_GRADE = 9.0  # the corpus guide's ceiling for body text


@dataclass(frozen=True)
class ReadabilityResult:
    """Reading grades of the measured answers."""

    mean: float | None
    median: float | None
    max: float | None
    over_target_rate: float | None  # share of answers above `target`
    target: float
    evaluated: int
    per_case: list[float | None]


def reading_grades(
    texts: Sequence[str | None], target: float = TARGET_GRADE,
    grade: Callable[[str], float] = reading_grade,
) -> ReadabilityResult:
    """Reading grade per answer and their summary.

    Args:
        texts: per case, the answer body to grade (None or blank: skipped, e.g. non-answers).
        target: the grade an answer should not exceed.
        grade: the grading function (Flesch–Kincaid by default).
    """
    if isinstance(texts, str):
        raise ValueError("texts must be a list of answers, not a string")
    per_case: list[float | None] = []
    for t in texts:
        if t is not None and not isinstance(t, str):
            raise ValueError(f"each text must be a string or None, got {type(t).__name__}")
        per_case.append(grade(MARKER_GROUP.sub("", t)) if t and t.strip() else None)
    done = [g for g in per_case if g is not None]
    return ReadabilityResult(
        mean=statistics.fmean(done) if done else None,
        median=statistics.median(done) if done else None,
        max=max(done) if done else None,
        over_target_rate=sum(g > target for g in done) / len(done) if done else None,
        target=target, evaluated=len(done), per_case=per_case,
    )
