"""A triage decision (qa/understanding/triage/gate.py)."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest

from qa.reasons import ABSTAIN_REASONS, DECLINE_REASONS, RED_FLAG_IDS
from qa.understanding.triage.gate import DecidedBy, Gate, GateKind
from qa.understanding.triage.rules import check


def test_a_gate_is_decided_by_the_rules_with_full_score_unless_told() -> None:
    gate = Gate("urgent", "head_injury")
    assert (gate.kind, gate.reason, gate.by, gate.score) == ("urgent", "head_injury", "rules", 1.0)
    model = Gate("decline", "off_topic", by="model", score=0.62)
    assert (model.by, model.score) == ("model", 0.62)


def test_the_kinds_and_deciders_are_closed_sets() -> None:
    assert set(get_args(GateKind)) == {"urgent", "decline", "abstain"}
    assert set(get_args(DecidedBy)) == {"rules", "model"}


def test_a_gate_is_an_immutable_value() -> None:
    gate = Gate("abstain", "dose")
    assert gate == Gate("abstain", "dose", "rules", 1.0)
    assert gate != Gate("abstain", "dose", by="model")
    assert len({gate, Gate("abstain", "dose")}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        gate.kind = "urgent"  # type: ignore[misc]


@pytest.mark.parametrize(("text", "kind", "reasons"), [
    ("I hit my head and my platelets are 9", "urgent", RED_FLAG_IDS),
    ("best stocks to buy?", "decline", DECLINE_REASONS),
    ("how much prednisone should I take, I weigh 80 kg", "abstain", ABSTAIN_REASONS),
])
def test_the_rules_return_gates_whose_reason_fits_their_kind(text: str, kind: str, reasons: tuple[str, ...]) -> None:
    gate = check(text)
    assert isinstance(gate, Gate)
    assert gate.kind == kind and gate.reason in reasons
    assert gate.by == "rules" and gate.score == 1.0
