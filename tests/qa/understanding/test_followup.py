"""Follow-up questions are rewritten from the conversation, without an LLM."""

from __future__ import annotations

import pytest

from qa.understanding.followup import resolve


def history(*questions: str) -> list[dict]:
    turns: list[dict] = []
    for q in questions:
        turns += [{"role": "user", "content": q}, {"role": "assistant", "content": "An answer."}]
    return turns


@pytest.mark.parametrize(
    ("before", "question", "expected"),
    [
        ("can i take ibuprofen with itp?", "what about paracetamol?", "can i take paracetamol with itp?"),
        ("what is romiplostim?", "how is it given?", "how is romiplostim given?"),
        ("tell me about eltrombopag", "can I take it with milk?", "can I take eltrombopag with milk?"),
        ("what is IVIG", "side effects?", "IVIG side effects?"),
        ("is football ok for my son with ITP?", "what about swimming?", "is swimming ok for my son with ITP?"),
        ("what are megakaryocytes?", "how does ITP affect them?", "how does ITP affect megakaryocytes?"),
        ("what causes itp?", "is it genetic?", "is ITP genetic?"),
        # "they" are the doctors; "it", the pronoun a name can replace, is the medicine.
        ("my son had rituximab last year", "why do they give it?", "why do they give rituximab?"),
    ],
)
def test_follow_ups_are_resolved(before: str, question: str, expected: str) -> None:
    r = resolve(question, history(before))
    assert r.question == expected
    assert r.used_history


@pytest.mark.parametrize(
    "question",
    ["what are the symptoms of ITP?", "is it safe to fly with ITP?", "Can I take aspirin?"],
)
def test_standalone_questions_are_left_alone(question: str) -> None:
    r = resolve(question, history("what is romiplostim?"))
    assert r.question == question
    assert not r.used_history


def test_pronoun_without_history_means_itp() -> None:
    assert resolve("is it contagious?", []).question == "is ITP contagious?"


def test_assistant_turns_do_not_supply_entities() -> None:
    turns = [{"role": "assistant", "content": "Romiplostim is a weekly injection."}]
    assert resolve("how is it given?", turns).question == "how is ITP given?"


def test_a_message_that_names_itp_keeps_its_own_pronoun() -> None:
    question = "My doctor wants me on antibiotics. Could it upset my ITP treatment?"
    assert resolve(question, []).question == question
