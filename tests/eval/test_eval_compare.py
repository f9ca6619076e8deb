"""Comparing two artifacts: metric deltas and per-case changes."""

from __future__ import annotations

import copy

import pytest

from eval.compare import compare


def artifact(metrics: dict, cases: list[dict], k: int = 6) -> dict:
    return {"format": "itpqa-eval/1", "suite": {"name": "s"}, "metrics": metrics, "cases": cases, "k": k,
            "corpus_fingerprint": "f"}


def case(cid: str, failures: list[str], severity: float, coverage: float | None = 1.0) -> dict:
    return {"id": cid, "turns": [f"question {cid}"], "failures": failures, "severity": severity,
            "actual_kind": "answer", "fact_coverage": coverage}


def test_metric_deltas_respect_direction() -> None:
    old = artifact({"kind_accuracy": 0.9, "false_urgent_rate": 0.10, "latency_p95_ms": 100.0, "urgent_recall": None},
                   [])
    new = artifact({"kind_accuracy": 0.8, "false_urgent_rate": 0.05, "latency_p95_ms": 100.0, "urgent_recall": 1.0},
                   [])
    by = {d.name: d for d in compare(old, new).metrics}
    assert by["kind_accuracy"].verdict == "worse"
    assert by["kind_accuracy"].delta == pytest.approx(-0.1)
    assert by["false_urgent_rate"].verdict == "better"
    assert by["latency_p95_ms"].verdict == "same"
    assert by["urgent_recall"].verdict == "n/a"


def test_case_changes() -> None:
    old = artifact({}, [case("a", [], 0), case("b", ["missing_facts"], 30, 0.5), case("c", ["wrong_kind"], 60),
                        case("d", ["missing_facts"], 30, 0.5), case("gone", [], 0)])
    new = artifact({}, [case("a", ["missing_facts"], 40, 0.0),  # passed -> fails: regressed
                        case("b", [], 0),  # fails -> passes: improved
                        case("c", ["wrong_kind"], 60),  # same: unchanged
                        case("d", ["missing_facts"], 25, 0.75),  # states more facts: improved
                        case("new", [], 0)])
    cmp = compare(old, new)
    assert [c.id for c in cmp.regressed] == ["a"]
    assert [c.id for c in cmp.improved] == ["b", "d"]
    assert cmp.regressed[0].old_failures == () and cmp.regressed[0].new_failures == ("missing_facts",)
    assert cmp.added == ["new"] and cmp.removed == ["gone"]
    assert cmp.notes == []


def test_notes_when_runs_are_not_comparable() -> None:
    old = artifact({}, [])
    new = copy.deepcopy(old)
    new["k"] = 10
    new["corpus_fingerprint"] = "g"
    notes = compare(old, new).notes
    assert any("retrieval k differs" in n for n in notes) and any("corpus changed" in n for n in notes)
