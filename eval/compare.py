"""Compare two eval artifacts: per-metric deltas and the cases that regressed or improved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from eval.scoring import METRICS

EPSILON = 1e-9


@dataclass(frozen=True)
class MetricDelta:
    """One metric in both runs; `verdict` is better/worse/same (or n/a when not in both)."""

    name: str
    label: str
    old: float | None
    new: float | None
    delta: float | None
    verdict: str


@dataclass(frozen=True)
class CaseChange:
    """A case whose outcome changed between runs."""

    id: str
    question: str
    old_failures: tuple[str, ...]
    new_failures: tuple[str, ...]
    old_kind: str
    new_kind: str
    old_coverage: float | None
    new_coverage: float | None


@dataclass
class Comparison:
    """The differences between an old and a new run."""

    old: dict[str, Any]
    new: dict[str, Any]
    metrics: list[MetricDelta]
    regressed: list[CaseChange] = field(default_factory=list)
    improved: list[CaseChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why numbers may not be comparable

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _verdict(name: str, old: float | None, new: float | None) -> tuple[float | None, str]:
    if old is None or new is None:
        return None, "n/a"
    delta = new - old
    if abs(delta) <= EPSILON:
        return 0.0, "same"
    better = delta > 0 if METRICS[name].higher_is_better else delta < 0
    return delta, "better" if better else "worse"


def _change(old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """'regressed', 'improved' or None for one case present in both runs.

    Cases are compared by severity (`eval.scoring.SEVERITY`: the weights of its failure reasons
    plus the share of missing facts; 0 for a passing case): up is a regression, down an improvement.
    """
    old_s, new_s = float(old.get("severity") or 0.0), float(new.get("severity") or 0.0)
    if new_s > old_s + EPSILON:
        return "regressed"
    if new_s < old_s - EPSILON:
        return "improved"
    return None


def _summary(a: Mapping[str, Any]) -> dict[str, Any]:
    return {"suite": a["suite"]["name"], "started": a.get("started"), "target": a.get("target"),
            "corpus_fingerprint": a.get("corpus_fingerprint"),
            "commit": ((a.get("environment") or {}).get("git") or {}).get("commit"),
            "cases": len(a["cases"])}


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> Comparison:
    """Compare two artifacts (dicts from `eval.artifact.load`).

    Args:
        old: the baseline run.
        new: the run to judge.
    Returns:
        Deltas for every known metric and the per-case changes (matched by case id).
    """
    deltas = []
    for name, info in METRICS.items():
        o, n = old["metrics"].get(name), new["metrics"].get(name)
        delta, verdict = _verdict(name, o, n)
        deltas.append(MetricDelta(name, info.label, o, n, delta, verdict))
    old_cases = {c["id"]: c for c in old["cases"]}
    new_cases = {c["id"]: c for c in new["cases"]}
    result = Comparison(_summary(old), _summary(new), deltas,
                        added=sorted(set(new_cases) - set(old_cases)),
                        removed=sorted(set(old_cases) - set(new_cases)))
    if old.get("k") != new.get("k"):
        result.notes.append(f"retrieval k differs ({old.get('k')} vs {new.get('k')}): retrieval "
                            "metrics are not comparable")
    if old["suite"]["name"] != new["suite"]["name"]:
        result.notes.append(f"different suites ({old['suite']['name']} vs {new['suite']['name']})")
    if old.get("corpus_fingerprint") != new.get("corpus_fingerprint"):
        result.notes.append("the corpus changed between the runs")
    for cid, n in new_cases.items():
        o = old_cases.get(cid)
        if o is None:
            continue
        change = _change(o, n)
        if change is None:
            continue
        item = CaseChange(cid, n["turns"][-1], tuple(o["failures"]), tuple(n["failures"]),
                          o["actual_kind"], n["actual_kind"], o.get("fact_coverage"), n.get("fact_coverage"))
        (result.regressed if change == "regressed" else result.improved).append(item)
    return result
