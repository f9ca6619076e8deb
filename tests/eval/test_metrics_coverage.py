"""not_covered_rate against values worked out by hand."""

from __future__ import annotations

import pytest

from eval.metrics.coverage import not_covered_rate


def test_not_covered_rate_by_hand() -> None:
    expected = ["answer", "answer", "answer", "answer", "answer", "abstain", "urgent"]
    actual = ["answer", "abstain", "abstain", "error", "decline", "abstain", "abstain"]
    reasons = ["", "not_in_sources", "dose", "", "off_topic", "not_in_sources", "not_in_sources"]
    r = not_covered_rate(expected, actual, reasons)
    # 5 cases expect an answer; only the second got the "not in my sources" abstain (the third is a
    # personal-decision abstain, the fourth crashed, the fifth was declined).
    assert r.evaluated == 5 and r.not_covered == 1
    assert r.rate == pytest.approx(1 / 5)
    assert r.per_case == [False, True, False, False, False, None, None]


def test_no_answerable_cases_is_none() -> None:
    r = not_covered_rate(["urgent"], ["abstain"], ["not_in_sources"])
    assert r.rate is None and r.evaluated == 0 and r.per_case == [None]
    assert not_covered_rate([], [], []).rate is None


@pytest.mark.parametrize(("expected", "actual", "reasons", "message"), [
    (["answer"], ["answer"], [], "differ in length"),
    (["answr"], ["answer"], [""], "unknown expected"),
    (["answer"], ["oops"], [""], "unknown actual"),
])
def test_bad_inputs_are_a_value_error(expected, actual, reasons, message) -> None:
    with pytest.raises(ValueError, match=message):
        not_covered_rate(expected, actual, reasons)


def test_scoring_reports_it_in_the_summary_and_the_report(embedder) -> None:
    import datetime as dt

    from eval import artifact as art
    from eval.replies import Observed
    from eval.report import render
    from eval.runner import replay
    from eval.scoring import METRICS, score_runs
    from eval.suite import Case, Suite
    from eval.support_model import SupportScorer
    from qa import DISCLAIMER

    cases = [Case("covered", ("what is itp",), "answer"), Case("gap", ("what is a blood film",), "answer"),
             Case("asked-to-abstain", ("should i stop my tablets",), "abstain")]
    gap = Observed(text=f"I couldn't find that.\n\n{DISCLAIMER}", kind="abstain", reason="not_in_sources")
    replies = {"covered": [Observed(text=f"ITP is an immune condition.\n\n{DISCLAIMER}", kind="answer")],
               "gap": [gap], "asked-to-abstain": [gap]}
    result = score_runs(replay(cases, replies), disclaimer=DISCLAIMER, k=6, scorer=SupportScorer(embedder))
    assert result.metrics["not_covered_rate"] == pytest.approx(1 / 2)  # 1 of the 2 answerable cases
    assert METRICS["not_covered_rate"].higher_is_better is False
    artifact = art.build(Suite("s", "s.yaml", tuple(cases)), result, target="replies:test", settings={},
                         index={}, gate=[], started=dt.datetime.now(dt.UTC), seconds=1.0)
    assert artifact["metrics"]["not_covered_rate"] == pytest.approx(0.5)
    html = render(artifact)
    assert "not_covered_rate" in html and "Answerable questions answered" in html
