"""Triage scoring against values worked out by hand."""

from __future__ import annotations

import pytest

from eval.triage import Outcome, TriageCase, score


def test_recall_false_rates_and_per_flag_by_hand() -> None:
    cases = [
        TriageCase("a", ("hit head",), "urgent", "head_injury"),
        TriageCase("b", ("hit head 2",), "urgent", "head_injury"),
        TriageCase("c", ("past bump",), "not-urgent", "head_injury"),
        TriageCase("d", ("dose?",), "abstain", "dose"),
        TriageCase("e", ("poem",), "decline", "task"),
        TriageCase("f", ("what is itp",), "answer", ""),
    ]
    outcomes = [Outcome("urgent", "head_injury"), Outcome("answer", ""), Outcome("urgent", "head_injury"),
                Outcome("abstain", "dose"), Outcome("answer", ""), Outcome("decline", "off_topic")]
    r = score(cases, outcomes)
    assert r.recall == {"urgent": 0.5, "abstain": 1.0, "decline": 0.0}
    # urgent: 4 non-urgent cases (c, d, e, f), one made urgent (c)
    assert r.false_rate["urgent"] == pytest.approx(1 / 4)
    # abstain/decline: the urgent near-miss does not count against them: b, a, d|e, f
    assert r.false_rate["decline"] == pytest.approx(1 / 4)  # f of a, b, d, f
    assert r.false_rate["abstain"] == 0.0
    head = r.per_flag["head_injury"]
    assert head["recall"] == 0.5 and head["near_miss_false_urgent"] == 1.0
    assert {m["id"] for m in r.misses} == {"b", "c", "e", "f"}


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        score([TriageCase("a", ("x",), "urgent")], [])
