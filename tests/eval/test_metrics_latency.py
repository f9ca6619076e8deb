"""Latency percentiles against values worked out by hand."""

from __future__ import annotations

import pytest

from eval.metrics.latency import latency_stats, percentile


def test_percentile_interpolates_linearly() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25.0
    assert percentile([40, 10, 30, 20], 95) == pytest.approx(38.5)  # rank 2.85: 30 + 0.85 * 10
    assert percentile([7], 95) == 7.0
    assert percentile([1, 2, 3], 0) == 1.0 and percentile([1, 2, 3], 100) == 3.0


def test_latency_stats_skip_unmeasured() -> None:
    result = latency_stats([10.0, None, 20.0, 30.0, 40.0])
    assert result.evaluated == 4
    assert result.p50_ms == 25.0
    assert result.p95_ms == pytest.approx(38.5)
    assert result.mean_ms == 25.0 and result.max_ms == 40.0
    assert result.per_case[1] is None


def test_no_measurements() -> None:
    assert latency_stats([None]).p50_ms is None


@pytest.mark.parametrize("bad", [[-1.0], [float("nan")], ["12"], [True]])
def test_bad_latencies_are_a_value_error(bad) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        latency_stats(bad)


def test_percentile_validation() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1], 101)
