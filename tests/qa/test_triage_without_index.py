"""Triage first, depending on nothing: with no index an emergency still gets the urgent reply."""

from __future__ import annotations

import pytest

from qa import DISCLAIMER
from qa.assistant import Assistant
from qa.index.reader import IndexMissing
from qa.settings import Settings


@pytest.fixture
def no_index(tmp_path, embedder) -> Assistant:
    return Assistant(Settings(data_dir=tmp_path / "empty"), embedder=embedder)


@pytest.mark.parametrize("path", ["ask", "stream"])
def test_an_emergency_gets_the_full_urgent_reply_with_no_index(no_index, path: str) -> None:
    message = "i banged my head hard on the cupboard door, platelets were 15 last week, feel ok"
    if path == "ask":
        reply = no_index.ask(message)
    else:
        events = list(no_index.stream(message))
        reply = events[-1].reply
        assert "".join(e.delta for e in events) == reply.text
    assert reply.kind == "urgent" and reply.reason == "head_injury"
    assert reply.text.startswith("This could be an emergency. Call")
    assert "knock to the head" in reply.text  # what was recognised, in plain words
    assert "emergency department now" in reply.text  # the sign's built-in action
    assert DISCLAIMER in reply.text and reply.citations == []


def test_a_personal_decision_still_gets_its_referral_with_no_index(no_index) -> None:
    reply = no_index.ask("can i stop my eltrombopag now my count is better?")
    assert reply.kind == "abstain" and "prescribed" in reply.text and DISCLAIMER in reply.text


def test_an_ordinary_question_says_the_index_is_missing(no_index) -> None:
    with pytest.raises(IndexMissing):
        no_index.ask("what is itp?")


def test_with_the_index_the_urgent_reply_quotes_its_red_flag_section(assistant) -> None:
    reply = assistant.ask("my son fell off the trampoline and hit his head, he seems fine, can i just watch him?")
    assert reply.kind == "urgent" and reply.reason == "head_injury"
    assert reply.citations and reply.citations[0].doc_id == "urgent-warning-signs"
    assert reply.text.index("Call") < reply.text.index("[1]")  # the emergency number leads
