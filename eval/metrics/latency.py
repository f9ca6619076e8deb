"""Latency: p50/p95 of per-case reply times (linear interpolation between ranks)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile with linear interpolation (numpy's default "linear" method).

    The rank is p/100 * (n - 1) in the sorted values; between two values, interpolate.

    >>> percentile([10, 20, 30, 40], 50)
    25.0
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"p must be between 0 and 100, got {p}")
    ordered = sorted(float(v) for v in values)
    rank = p / 100 * (len(ordered) - 1)
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


@dataclass(frozen=True)
class LatencyResult:
    """Reply times in milliseconds."""

    p50_ms: float | None
    p95_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    evaluated: int
    per_case: list[float | None]


def latency_stats(milliseconds: Sequence[float | None]) -> LatencyResult:
    """Summarise per-case reply times.

    Args:
        milliseconds: per case, the time to the final reply (None when not measured).
    """
    if isinstance(milliseconds, (str, bytes)):
        raise ValueError("milliseconds must be a list of numbers")
    per_case: list[float | None] = []
    for v in milliseconds:
        if v is None:
            per_case.append(None)
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or v < 0:
            raise ValueError(f"latencies must be non-negative numbers, got {v!r}")
        per_case.append(float(v))
    done = [v for v in per_case if v is not None]
    return LatencyResult(
        p50_ms=percentile(done, 50) if done else None,
        p95_ms=percentile(done, 95) if done else None,
        mean_ms=sum(done) / len(done) if done else None,
        max_ms=max(done) if done else None,
        evaluated=len(done), per_case=per_case,
    )
