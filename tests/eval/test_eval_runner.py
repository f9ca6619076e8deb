"""The runner: any `ask(question, history)` object, the real assistant, and replies replay."""

from __future__ import annotations

from typing import Any

import pytest

from eval.replies import Observed
from eval.runner import Runner, RunnerError, replay
from eval.scoring import score_runs
from eval.suite import Case
from eval.support_model import SupportScorer
from qa import DISCLAIMER


class Parrot:
    """A minimal system under test: repeats the question, records the history it was given."""

    def __init__(self, fail_on: str = "") -> None:
        self.histories: list[list[dict]] = []
        self.fail_on = fail_on

    def ask(self, question: str, history: Any = None) -> dict:
        if self.fail_on and self.fail_on in question:
            raise RuntimeError("boom")
        self.histories.append(list(history or []))
        return {"text": f"You said: {question}. [1]\n\n{DISCLAIMER}", "kind": "answer",
                "answer": f"You said: {question}. [1]",
                "citations": [{"n": 1, "doc_id": "d", "section": "S", "text": f"You said: {question}."}]}


def test_turns_are_asked_in_order_with_history() -> None:
    bot = Parrot()
    runs = Runner(bot, progress=False).run([Case("c", ("first", "second"), "answer")])
    assert bot.histories == [[], [{"role": "user", "content": "first"},
                                  {"role": "assistant", "content": "You said: first. [1]"}]]
    final = runs[0].final
    assert final is not None and final.answer == "You said: second. [1]"
    assert final.latency_ms is not None and final.latency_ms >= 0
    assert final.retrieved is None  # a parrot offers no retrieval


def test_a_crashing_case_is_recorded_and_the_rest_run() -> None:
    runs = Runner(Parrot(fail_on="bad"), progress=False).run(
        [Case("a", ("bad question",), "answer"), Case("b", ("fine",), "answer")])
    assert runs[0].error == "turn 1: RuntimeError: boom" and runs[0].final is None
    assert runs[1].final is not None


def test_every_case_crashing_is_a_tool_error() -> None:
    with pytest.raises(RunnerError, match="every case failed"):
        Runner(Parrot(fail_on="q"), progress=False).run([Case("a", ("q",), "answer")])


def test_a_reply_of_the_wrong_shape_is_an_error() -> None:
    class Broken:
        def ask(self, question: str, history: Any = None) -> dict:
            return {"text": "hi", "kind": "chat"}

    with pytest.raises(RunnerError, match="'kind' must be one of"):
        Runner(Broken(), progress=False).run([Case("a", ("q",), "answer")])


def test_the_target_needs_ask() -> None:
    with pytest.raises(TypeError, match="ask"):
        Runner(object())


def test_real_assistant_follow_up_and_retrieval(assistant) -> None:
    case = Case("f", ("what is romiplostim?", "how is it given?"), "answer", docs=("romiplostim",))
    run = Runner(assistant, k=6, progress=False).run([case])[0]
    final = run.final
    assert final is not None, run.error
    assert "romiplostim" in final.question.lower()  # the follow-up was resolved with history
    assert final.retrieved is not None and 0 < len(final.retrieved) <= 6
    assert all("#" in item or item for item in final.retrieved)
    assert any(item.split("#")[0] == "romiplostim" for item in final.retrieved)


def test_replay_pads_single_replies_and_flags_missing_ones() -> None:
    obs = Observed(text="t", kind="answer")
    cases = [Case("one", ("a", "b"), "answer"), Case("two", ("a",), "answer"), Case("three", ("a", "b", "c"), "answer")]
    runs = replay(cases, {"one": [obs], "three": [obs, obs]})
    assert runs[0].final is obs
    assert runs[1].error.startswith("no reply")
    assert "2 replies for a 3-turn case" in runs[2].error


def test_scoring_finds_each_failure(embedder) -> None:
    good = Observed(text=f"ITP is not contagious. [1]\n\nSources:\n[1] x\n\n{DISCLAIMER}", kind="answer",
                    citations=(), answer="ITP is not contagious. [1]")
    cases = [
        Case("unresolved", ("is itp contagious?",), "answer", facts=(("not contagious",),)),
        Case("missed-urgent", ("my son hit his head",), "urgent", facts=(("emergency",),)),
        Case("crashed", ("q",), "answer"),
    ]
    runs = replay(cases, {"unresolved": [good], "missed-urgent": [Observed(text="Calm down.", kind="answer")]})
    result = score_runs(runs, disclaimer=DISCLAIMER, k=6, scorer=SupportScorer(embedder))
    by_id = {c.id: c for c in result.cases}
    assert by_id["unresolved"].failures == ["invalid_citation", "uncited_answer", "unsupported_claim"]
    assert by_id["unresolved"].unresolved_markers == [1]
    assert by_id["unresolved"].fact_coverage == 1.0
    assert by_id["missed-urgent"].failures == ["missed_urgent", "no_disclaimer", "uncited_answer", "missing_facts"]
    assert by_id["crashed"].failures == ["error"] and by_id["crashed"].actual_kind == "error"
    # severity: 90+80+35+20+20*1 = 245; 40+35+30 = 105; error 100
    assert [c.id for c in result.worst()] == ["missed-urgent", "unresolved", "crashed"]
    assert [c.severity for c in result.worst()] == [245, 105, 100]
    assert result.metrics["urgent_recall"] == 0.0
    assert result.metrics["disclaimer_rate"] == pytest.approx(1 / 3)
    assert result.metrics["citation_validity"] == 0.0
    assert result.metrics["errors"] == 1.0
    assert result.metrics["retrieval_hit_at_k"] is None  # no case expects documents
