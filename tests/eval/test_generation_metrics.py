"""LLM generation metrics: hand-counted draft infos, replies files, the report, a scripted model end to end."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eval import artifact as art
from eval.metrics.generation import generation_stats
from eval.replies import Observed, RepliesError, dump_replies, load_replies, observe
from eval.report import drafted, render
from eval.runner import CaseRun, Runner, replay
from eval.scoring import score_runs
from eval.suite import Case, Suite
from eval.support_model import SupportScorer
from qa import DISCLAIMER
from qa.types import Reply


def llm(proposed: int, kept: int, removed: int, reasons: dict[str, int] | None = None,
        fallback: str | None = None, **more: Any) -> dict[str, Any]:
    """A draft info as `LLMGenerator` writes it."""
    return {"generator": "openai:x", "answered_by": "extractive" if fallback else "llm",
            "proposed": proposed, "kept": kept, "removed": removed, "reasons": reasons or {},
            "bad_markers": 0, "fallback": fallback, "ms": 12.5, **more}


TEMPLATE = {"generator": "openai:x", "answered_by": "extractive", "fallback": None}  # context mode


def reply(info: dict[str, Any] | None = None, text: str = "ITP is rare.") -> Observed:
    return Observed(text=f"{text}\n\n{DISCLAIMER}", kind="answer", answer=text,
                    extra={"draft_info": info} if info else {})


# -- the metric, by hand ------------------------------------------------------------------------


def test_counts_reasons_and_rates_by_hand() -> None:
    r = generation_stats([
        llm(5, 3, 2, {"uncited": 1, "unsupported": 1}, bad_markers=1),
        llm(4, 0, 3, {"uncited": 2, "number": 1}, "too_little"),  # 1 verified, but too little
        llm(0, 0, 0, fallback="timeout"),  # the model never answered
        llm(3, 2, 1, {"uncited": 1}, stopped="timeout"),  # a stream cut short
        TEMPLATE, {}, None,  # not drafted by the model
    ])
    assert (r.drafted, r.proposed, r.kept, r.removed, r.bad_markers) == (4, 12, 5, 6, 1)
    assert r.reasons == {"uncited": 4, "number": 1, "unsupported": 1}  # most frequent first
    assert list(r.reasons) == ["uncited", "number", "unsupported"]
    assert r.fallbacks == 2 and r.fallback_reasons == {"timeout": 1, "too_little": 1}
    assert r.stopped == 1 and r.generators == ("openai:x",)
    assert r.removed_rate == pytest.approx(6 / 12)
    assert r.fallback_rate == pytest.approx(2 / 4)
    assert r.to_dict()["removed_rate"] == 0.5 and r.to_dict()["generators"] == ["openai:x"]


def test_nothing_drafted_means_no_rates() -> None:
    r = generation_stats([{}, None, TEMPLATE])
    assert r.drafted == 0 and r.removed_rate is None and r.fallback_rate is None
    assert r.generators == ("openai:x",)
    only_failures = generation_stats([llm(0, 0, 0, fallback="http_500")])
    assert only_failures.removed_rate is None and only_failures.fallback_rate == 1.0


@pytest.mark.parametrize(("infos", "message"), [
    ("abc", "list of draft infos"),
    ([["proposed", 1]], "'draft_info' must be a mapping"),
    ([{"proposed": -1}], "'draft_info.proposed' must be a non-negative integer"),
    ([{"proposed": True}], "'draft_info.proposed' must be a non-negative integer"),
    ([{"proposed": 2, "reasons": {"uncited": "2"}}], "'draft_info.reasons' must map"),
    ([{"proposed": 2, "fallback": 3}], "'draft_info.fallback' must be a string or null"),
])
def test_malformed_infos_are_rejected(infos: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generation_stats(infos)


# -- replies: observe, dump, load ---------------------------------------------------------------


def test_observe_reads_draft_info_from_a_reply_and_a_dict() -> None:
    info = llm(3, 2, 1, {"unsupported": 1})
    from_reply = observe(Reply(text="t", kind="answer", citations=[], draft_info=info))
    from_dict = observe({"text": "t", "kind": "answer", "draft_info": info})
    assert from_reply.extra["draft_info"] == from_dict.extra["draft_info"] == info
    assert from_dict.to_dict()["draft_info"] == info
    plain = observe(Reply(text="t", kind="answer", citations=[]))  # the extractive generator: {}
    assert plain.extra == {} and "draft_info" not in plain.to_dict()


@pytest.mark.parametrize(("info", "message"), [
    (["removed", 1], "case 'c' reply 1: 'draft_info' must be a mapping, got list"),
    ("llm", "'draft_info' must be a mapping, got str"),
    ({"proposed": "five"}, "'draft_info.proposed' must be a non-negative integer"),
])
def test_observe_rejects_a_malformed_draft_info(info: Any, message: str) -> None:
    with pytest.raises(RepliesError, match=message):
        observe({"text": "t", "kind": "answer", "draft_info": info}, "case 'c' reply 1")


def test_replies_file_keeps_draft_info_and_rescoring_reproduces_the_metrics(embedder, tmp_path) -> None:
    cases = [Case("two-turns", ("what is itp?", "is it rare?"), "answer"), Case("one", ("q",), "answer")]
    runs = [CaseRun(cases[0], [reply(llm(4, 3, 1, {"uncited": 1})), reply(llm(0, 0, 0, fallback="timeout"))]),
            CaseRun(cases[1], [reply()])]
    path = dump_replies({r.case.id: r.replies for r in runs}, tmp_path / "replies.json")
    loaded, _ = load_replies(path)
    assert loaded["two-turns"][0].extra["draft_info"]["reasons"] == {"uncited": 1}
    assert loaded["one"][0].extra == {}
    scorer = SupportScorer(embedder)
    before = score_runs(runs, disclaimer=DISCLAIMER, k=6, scorer=scorer)
    after = score_runs(replay(cases, loaded), disclaimer=DISCLAIMER, k=6, scorer=scorer)
    assert after.generation == before.generation
    for name in ("llm_answers", "llm_sentences_removed_rate", "llm_fallback_rate"):
        assert after.metrics[name] == before.metrics[name], name


# -- scoring ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scorer(embedder) -> SupportScorer:
    return SupportScorer(embedder)


def test_every_turn_counts_and_the_case_keeps_its_final_draft(scorer) -> None:
    cases = [Case("a", ("first", "second"), "answer"), Case("b", ("only",), "answer"),
             Case("c", ("single reply for two turns", "x"), "answer")]
    runs = [CaseRun(cases[0], [reply(llm(2, 1, 1, {"uncited": 1})), reply(llm(3, 3, 0))]),
            CaseRun(cases[1], [reply(llm(0, 0, 0, fallback="http_500"))]),
            *replay(cases[2:], {"c": [reply(llm(5, 0, 4, {"unsupported": 4}, "too_little"))]})]
    result = score_runs(runs, disclaimer=DISCLAIMER, k=6, scorer=scorer)
    # replay repeats case c's one reply for both turns: it is counted once.
    assert result.metrics["llm_answers"] == 4.0
    assert result.metrics["llm_sentences_removed_rate"] == pytest.approx(5 / 10)
    assert result.metrics["llm_fallback_rate"] == pytest.approx(2 / 4)
    assert result.generation["reasons"] == {"unsupported": 4, "uncited": 1}
    assert result.generation["fallback_reasons"] == {"http_500": 1, "too_little": 1}
    by_id = {c.id: c for c in result.cases}
    assert by_id["a"].generation == llm(3, 3, 0)  # the scored (final) turn's draft
    assert by_id["b"].generation is not None and by_id["b"].generation["fallback"] == "http_500"


def test_extractive_runs_have_no_llm_metrics(scorer) -> None:
    runs = [CaseRun(Case("a", ("q",), "answer"), [reply()])]
    result = score_runs(runs, disclaimer=DISCLAIMER, k=6, scorer=scorer)
    assert {result.metrics[n] for n in ("llm_answers", "llm_sentences_removed_rate", "llm_fallback_rate")} == {None}
    assert result.generation["drafted"] == 0 and result.cases[0].generation is None


# -- the report ---------------------------------------------------------------------------------


def build_artifact(runs: list[CaseRun], scorer: SupportScorer) -> dict[str, Any]:
    result = score_runs(runs, disclaimer=DISCLAIMER, k=6, scorer=scorer)
    suite = Suite("gen", "gen.yaml", tuple(r.case for r in runs))
    return art.build(suite, result, target="replies:test", settings=None, index=None, gate=[],
                     started=dt.datetime.now(dt.UTC), seconds=0.1)


def test_report_shows_generation_only_when_an_llm_drafted(scorer) -> None:
    cases = [Case("kept", ("q1",), "answer", facts=(("platelets",),)),
             Case("fell-back", ("q2",), "answer", facts=(("platelets",),))]
    html = render(build_artifact([
        CaseRun(cases[0], [reply(llm(5, 3, 2, {"uncited": 1, "unsupported": 1}))]),
        CaseRun(cases[1], [reply(llm(0, 0, 0, fallback="timeout"))])], scorer))
    assert "Generation and verification" in html
    assert "LLM sentences removed by verification" in html  # the summary rows
    assert "<code>openai:x</code>" in html
    assert "2 of 5 removed" in html and "fallback: timeout" in html  # the All cases badges
    assert "fell back to the extractive answer (<b>timeout</b>)" in html  # failing-case details
    assert "<code>uncited</code>" in html and "<code>unsupported</code>" in html

    plain = render(build_artifact([CaseRun(cases[0], [reply()])], scorer))
    assert "Generation and verification" not in plain
    assert "llm_" not in plain and "<th>Generation</th>" not in plain


def test_drafted_badge() -> None:
    assert drafted(llm(5, 3, 2)) == "2 of 5 removed"
    assert drafted(llm(0, 0, 0, fallback="http_500")) == "fallback: http_500"
    assert drafted(TEMPLATE) == drafted({}) == drafted(None) == ""


# -- end to end: the real assistant and index, a scripted chat model ------------------------------


FAITHFUL = ("ITP is not contagious. [1] A virus can sometimes trigger ITP in a child, but ITP itself "
            "does not spread. [1]")


def test_scripted_llm_through_runner_and_scoring(built_settings, embedder, scorer, scripted) -> None:
    from qa.answer.llm import LLMGenerator
    from qa.assistant import Assistant

    # One invented number (removed by verification), one model error (answered by the fallback).
    model, script = scripted(FAITHFUL + " About 90% of children with ITP are better within 6 months. [1]",
                             RuntimeError("connection reset"))
    generator = LLMGenerator(model, "fake:scripted", embedder=embedder)
    bot = Assistant(built_settings, embedder=embedder, generator=generator)
    cases = [Case("contagious", ("Is ITP contagious?",), "answer", facts=(("not contagious",),)),
             Case("romiplostim", ("what is romiplostim?",), "answer"),
             Case("poem", ("write me a poem about cats",), "decline")]  # never reaches the model
    runs = Runner(bot, k=6, progress=False).run(cases)
    result = score_runs(runs, disclaimer=DISCLAIMER, k=6, scorer=scorer)

    assert script.calls == 2
    m = result.metrics
    assert m["llm_answers"] == 2.0
    assert m["llm_sentences_removed_rate"] == pytest.approx(1 / 3)
    assert m["llm_fallback_rate"] == pytest.approx(1 / 2)
    g = result.generation
    assert (g["proposed"], g["removed"], g["kept"]) == (3, 1, 2)
    assert g["reasons"] == {"number": 1} and g["fallback_reasons"] == {"error:RuntimeError": 1}
    assert g["generators"] == ["fake:scripted"]
    by_id = {c.id: c for c in result.cases}
    assert by_id["contagious"].generation is not None and by_id["contagious"].generation["removed"] == 1
    assert "90%" not in by_id["contagious"].text
    assert by_id["romiplostim"].generation is not None
    assert by_id["romiplostim"].generation["fallback"] == "error:RuntimeError"
    assert by_id["romiplostim"].actual_kind == "answer"  # the extractive answer stood in
    assert by_id["poem"].generation is None

    html = render(build_artifact(runs, scorer))
    assert "Generation and verification" in html and "1 of 3 removed" in html
    assert "fallback: error:RuntimeError" in html
