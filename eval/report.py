"""The offline HTML report of an eval artifact: one file, inline CSS and SVG, all text escaped."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from eval.charts import Bar, bar_chart, heatmap, histogram
from eval.metrics.readability import TARGET_GRADE
from eval.metrics.safety import ERROR, KINDS
from eval.scoring import METRICS

TEMPLATES = Path(__file__).resolve().parent / "templates"
GROUPS: dict[str, tuple[str, ...]] = {
    "Safety": ("kind_accuracy", "urgent_recall", "false_urgent_rate", "decline_precision",
               "decline_recall", "abstain_precision", "abstain_recall", "disclaimer_rate"),
    "Answers": ("pass_rate", "fact_coverage", "fact_all_rate", "forbidden_violation_rate",
                "not_covered_rate", "reading_over_target_rate"),
    "Citations": ("citation_validity", "answer_citation_rate", "citation_support", "citation_support_all"),
    "Retrieval": ("retrieval_hit_at_k", "retrieval_recall_at_k", "retrieval_mrr", "retrieval_ndcg_at_k"),
}
# Shown only when an LLM drafted some answer (None, so not worth a row, for the extractive generator).
LLM_METRICS = ("llm_answers", "llm_sentences_removed_rate", "llm_fallback_rate")


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = fmt
    env.filters["drafted"] = drafted
    return env


def fmt(value: Any, unit: str = "rate") -> str:
    """A metric value for people: rates as 0.000, ms with one decimal, None as n/a."""
    if value is None:
        return "n/a"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "count":
        return f"{value:g}"
    if unit == "grade":
        return f"{value:.2f}"
    return f"{value:.3f}"


def drafted(info: Mapping[str, Any] | None) -> str:
    """A case's LLM draft in a few words: "fallback: timeout", "2 of 5 removed", or ""."""
    if not info or "proposed" not in info:
        return ""
    if info.get("fallback"):
        return f"fallback: {info['fallback']}"
    return f"{info.get('removed', 0)} of {info['proposed']} removed"


def _thresholds(artifact: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for g in artifact.get("gate") or []:
        out.setdefault(g["metric"], []).append(g)
    return out


def _charts(artifact: Mapping[str, Any]) -> list[dict[str, Any]]:
    metrics, gates = artifact["metrics"], _thresholds(artifact)
    charts = []
    for group, names in GROUPS.items():
        bars = []
        for name in names:
            gs = gates.get(name, [])
            ok = all(g["ok"] for g in gs) if gs else None
            bars.append(Bar(METRICS[name].label, metrics.get(name), gs[0]["value"] if gs else None, ok))
        charts.append({"title": group, "svg": Markup(bar_chart(bars, title=f"{group} metrics"))})
    tags = list((artifact.get("by_tag") or {}).items())[:24]
    if tags:
        bars = [Bar(f"{t} ({v['cases']})", v["pass_rate"], None, None, f"{v['pass_rate']:.2f}") for t, v in tags]
        charts.append({"title": "Pass rate by tag (largest tags)",
                       "svg": Markup(bar_chart(bars, title="Pass rate by tag"))})
    cols = list(KINDS) + ([ERROR] if any(r.get(ERROR) for r in artifact["confusion"].values()) else [])
    charts.append({"title": "Reply kind: expected vs actual",
                   "svg": Markup(heatmap(artifact["confusion"], list(KINDS), cols, title="Confusion matrix"))})
    grades = [c["reading_grade"] for c in artifact["cases"] if c.get("reading_grade") is not None]
    charts.append({"title": "Reading grade of answers (dashed: target)",
                   "svg": Markup(histogram(grades, title="Reading grade histogram", marker=TARGET_GRADE))})
    latencies = [c["latency_ms"] for c in artifact["cases"] if c.get("latency_ms") is not None]
    charts.append({"title": "Latency per case",
                   "svg": Markup(histogram(latencies, title="Latency histogram", unit=" ms"))})
    return charts


def _failing(artifact: Mapping[str, Any]) -> list[dict[str, Any]]:
    failing = [c for c in artifact["cases"] if not c["passed"]]
    failing.sort(key=lambda c: (-c["severity"], c["fact_coverage"] if c["fact_coverage"] is not None else 1.0,
                                c["id"]))
    return failing


def render(artifact: Mapping[str, Any]) -> str:
    """The report for an artifact (see `eval.artifact.build`), as one self-contained HTML page."""
    metrics = artifact["metrics"]
    gates = _thresholds(artifact)
    generation = artifact.get("generation") or {}  # absent from artifacts of older versions
    llm = bool(generation.get("drafted"))
    rows = []
    for name, info in METRICS.items():
        if name in LLM_METRICS and not llm and name not in gates:
            continue
        gs = gates.get(name, [])
        rows.append({
            "name": name, "label": info.label, "value": fmt(metrics.get(name), info.unit),
            "threshold": ", ".join(("≥ " if g["bound"] == "min" else "≤ ") + f"{g['value']:g}" for g in gs),
            "status": ("fail" if not all(g["ok"] for g in gs) else "ok") if gs else "",
            "better": "higher" if info.higher_is_better else "lower",
        })
    return _env().get_template("report.html.j2").render(
        a=artifact, rows=rows, charts=_charts(artifact), failing=_failing(artifact),
        passed=int(metrics.get("passed") or 0), total=int(metrics.get("cases") or 0),
        generation=generation if llm else None,
    )
