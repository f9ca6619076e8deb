"""The HTML report opens offline and never lets reply text through unescaped."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from eval import artifact as art
from eval.charts import Bar, bar_chart, heatmap, histogram
from eval.gate import Threshold, check
from eval.replies import CitedSource, Observed
from eval.report import render
from eval.runner import replay
from eval.scoring import score_runs
from eval.suite import Case, Suite
from eval.support_model import SupportScorer
from qa import DISCLAIMER

HOSTILE = '<script>alert(1)</script><img src="https://evil.example/x.png"> & <a href="http://evil.example">x</a>'
EXTERNAL = re.compile(r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I)


@pytest.fixture(scope="module")
def artifact(embedder) -> dict:
    cases = (
        Case("hostile", ("is itp contagious? " + HOSTILE,), "answer", facts=(("not contagious",),),
             docs=("what-is-itp",)),
        Case("fine", ("what is itp",), "answer", facts=(("immune",),)),
    )
    replies = {
        "hostile": [Observed(text=f"{HOSTILE} [1]\n\n{DISCLAIMER}", kind="answer", answer=f"{HOSTILE} [1]",
                             citations=(CitedSource(1, "what-is-itp", "What is ITP? <b>", "S", HOSTILE),),
                             retrieved=("what-is-itp#Is ITP contagious?",), latency_ms=12.0)],
        "fine": [Observed(text=f"ITP is an immune condition. [1]\n\n{DISCLAIMER}", kind="answer",
                          answer="ITP is an immune condition. [1]",
                          citations=(CitedSource(1, "what-is-itp", "T", "S", "ITP is an immune condition."),))],
    }
    suite = Suite("tiny <suite>", "x.yaml", cases)
    result = score_runs(replay(cases, replies), disclaimer=DISCLAIMER, k=6, scorer=SupportScorer(embedder))
    gate = check(result.metrics, [Threshold("kind_accuracy", "min", 0.5, "test"),
                                  Threshold("fact_all_rate", "min", 0.9, "test")])
    return art.build(suite, result, target="replies:test", settings={"llm_api_key": "sk-secret", "top_k": 6},
                     index={"fingerprint": "abc"}, gate=gate, started=dt.datetime.now(dt.UTC), seconds=1.0)


def test_artifact_content(artifact) -> None:
    assert artifact["format"] == art.FORMAT
    assert artifact["settings"] == {"llm_api_key": "***", "top_k": 6}
    assert artifact["corpus_fingerprint"] == "abc"
    assert artifact["passed_gate"] is False
    assert [g["ok"] for g in artifact["gate"]] == [True, False]
    hostile = next(c for c in artifact["cases"] if c["id"] == "hostile")
    assert hostile["facts_missing"] == [["not contagious"]]
    assert artifact["environment"]["packages"]["itp-qa"]


def test_report_escapes_everything_and_loads_nothing(artifact) -> None:
    html = render(artifact)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "<a href=\"http" not in html
    assert "sk-secret" not in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html.count("<svg") >= 6  # metric groups, tags, confusion, two histograms
    assert "tiny &lt;suite&gt;" in html
    assert 'id="case-hostile"' in html and "fact_all_rate = 0.5, needs" not in html  # messages live in CLI
    assert "not contagious" in html  # what was missing is shown


def test_write_and_load_round_trip(artifact, tmp_path) -> None:
    json_path, html_path = art.write(artifact, tmp_path, render(artifact))
    again, _ = art.write(artifact, tmp_path, "<html></html>")
    assert json_path.name.endswith("-tiny-suite.json") and again != json_path  # no overwrite
    assert html_path is not None and html_path.read_text().startswith("<!doctype html>")
    assert art.load(json_path)["cases"] == artifact["cases"]


def test_load_rejects_other_json(tmp_path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(art.ArtifactError, match="not an eval artifact"):
        art.load(path)
    path.write_text("{oops")
    with pytest.raises(art.ArtifactError, match=":1: not valid JSON"):
        art.load(path)


def test_charts_escape_labels() -> None:
    svg = bar_chart([Bar("<b>x</b>", 0.5, 0.9, False), Bar("none", None)], title="t<")
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "<b>" not in svg and "t&lt;" in svg
    assert "n/a" in svg
    hm = heatmap({"a": {"a": 2, "b": 1}}, ["a"], ["a", "b"], title="m")
    assert ">2<" in hm and ">1<" in hm
    assert "no values" in histogram([], title="h")
    with pytest.raises(ValueError):
        bar_chart([], title="t", scale=0)
