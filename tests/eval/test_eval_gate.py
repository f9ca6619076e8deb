"""Thresholds from flags and gate files, and checking them."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.gate import GateError, Threshold, check, load_gate, parse_spec

REPO = Path(__file__).resolve().parents[2]


def test_parse_spec() -> None:
    assert parse_spec("kind_accuracy=0.9", "min") == Threshold("kind_accuracy", "min", 0.9, "--fail-under")
    assert parse_spec("latency_p95_ms = 500", "max").value == 500.0


@pytest.mark.parametrize(
    ("spec", "bound", "message"),
    [("kind_accuracy", "min", "metric=value"), ("nope=1", "min", "unknown metric"),
     ("kind_accuracy=high", "min", "not a number"), ("false_urgent_rate=0.1", "min", "use --fail-over"),
     ("kind_accuracy=0.9", "max", "use --fail-under")],
)
def test_bad_specs(spec: str, bound: str, message: str) -> None:
    with pytest.raises(GateError, match=message):
        parse_spec(spec, bound)


def test_the_shipped_gate_file_loads() -> None:
    thresholds = load_gate(REPO / "eval" / "thresholds.yaml")
    names = {t.metric for t in thresholds}
    assert {"kind_accuracy", "urgent_recall", "false_urgent_rate", "disclaimer_rate", "fact_all_rate",
            "citation_validity", "retrieval_hit_at_k"} <= names
    assert all(t.source.startswith(str(REPO / "eval" / "thresholds.yaml") + ":") for t in thresholds)


@pytest.mark.parametrize(
    ("text", "message"),
    [("min:\n  kind_accuracy: 0.9\n  bogus: 1\n", ":3: unknown metric 'bogus'"),
     ("min:\n  false_urgent_rate: 0.1\n", ":2: false_urgent_rate is better when lower; put it under 'max:'"),
     ("min:\n  kind_accuracy: high\n", ":2: threshold must be a number"),
     ("above:\n  kind_accuracy: 1\n", ":1: unknown key"),
     ("min: [kind_accuracy]\n", ":1: 'min' must map"),
     ("min:\n  kind_accuracy: 0.9\n  kind_accuracy: 0.8\n", ":3: 'kind_accuracy' appears twice"),
     ("min: {kind_accuracy: [\n", "invalid YAML")],
)
def test_bad_gate_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text(text)
    with pytest.raises(GateError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_gate(path)


def test_check() -> None:
    thresholds = [Threshold("kind_accuracy", "min", 0.9), Threshold("false_urgent_rate", "max", 0.05),
                  Threshold("urgent_recall", "min", 1.0), Threshold("decline_recall", "min", 0.5)]
    results = check({"kind_accuracy": 0.9, "false_urgent_rate": 0.06, "urgent_recall": 1.0,
                     "decline_recall": None}, thresholds)
    assert [r.ok for r in results] == [True, False, True, False]
    assert "false_urgent_rate = 0.06, needs <= 0.05" in results[1].message
    assert "not measured" in results[3].message
