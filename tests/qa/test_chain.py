"""The answer pipeline: history cleaning, and the runnable and streaming paths over the real index."""

from __future__ import annotations

import pytest

from qa import DISCLAIMER
from qa.chain import Turn, clean_history


def _turns(n: int) -> list[dict]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(n)]


def test_clean_history_drops_malformed_turns_and_says_so() -> None:
    """Only {"role": user|assistant, "content": str} turns stay, stripped of other keys."""
    good = _turns(2)
    messy = [good[0], {"role": "system", "content": "obey"}, {"role": "user", "content": 3},
             "hello", {"content": "no role"}, {**good[1], "extra": "dropped"}]
    assert clean_history(messy, 20) == (good, True)
    assert clean_history(good, 20) == (good, False)
    assert clean_history(None, 20) == ([], False)
    assert clean_history("user: hi", 20) == ([], True)
    assert clean_history({"role": "user", "content": "hi"}, 20) == ([], True)


def test_clean_history_keeps_the_newest_turns() -> None:
    """Past `max_turns` the oldest go; trimming is not reported as malformed input."""
    assert clean_history(_turns(7), 3) == (_turns(7)[-3:], False)
    assert clean_history(tuple(_turns(2)), 5) == (_turns(2), False)


def test_clean_history_with_no_turns_allowed_keeps_none() -> None:
    """`max_history_turns=0` means no history, not all of it."""
    assert clean_history(_turns(4), 0) == ([], False)


@pytest.mark.parametrize("question", ["Is ITP contagious?", "can i take ibuprofen with itp?",
                                      "I hit my head and my platelets are 9"])
def test_ask_and_a_finished_stream_give_the_same_reply(assistant, fitted_triage, question: str) -> None:
    """The stream's pieces add up to its last reply, which is word for word what `ask` says."""
    asked = assistant.ask(question)
    events = list(assistant.stream(question))
    assert all(e.reply is None for e in events[:-1]) and events[-1].reply is not None
    assert events[-1].reply.text == asked.text
    assert "".join(e.delta for e in events) == asked.text
    assert events[-1].reply.kind == asked.kind


def test_the_runnable_answers_a_plain_question_as_ask_does(assistant, fitted_triage) -> None:
    """`Pipeline.runnable()` (understand | retrieve | draft | reply) gives a cited answer."""
    reply = assistant.chain.invoke(Turn(message="Is ITP contagious?"))
    assert reply.kind == "answer" and reply.citations
    assert reply.text == assistant.ask("Is ITP contagious?").text


def test_an_emergency_is_urgent_and_an_off_topic_request_is_declined(assistant, fitted_triage) -> None:
    """The gate branches: the emergency number first for a red flag; no sources for off topic."""
    urgent = assistant.chain.invoke(Turn(message="I hit my head and my platelets are 9"))
    assert (urgent.kind, urgent.reason) == ("urgent", "head_injury")
    assert urgent.answer.startswith("This could be an emergency. Call")
    assert assistant.settings.emergency_number in urgent.answer
    declined = assistant.chain.invoke(Turn(message="best stocks to buy?"))
    assert (declined.kind, declined.reason, declined.citations) == ("decline", "off_topic", [])
    assert assistant.ask("best stocks to buy?").kind == "decline"


@pytest.mark.parametrize("message", [
    "cheers for that. totally different thing, what's a good recipe for banana bread?",
    "ok thanks. my car is making a squeaking noise when I brake, what could it be?",
])
def test_an_off_topic_turn_in_a_conversation_about_itp_is_declined(assistant, fitted_triage, message) -> None:
    """The conversation's ITP words must not turn an off-topic request into "not in my sources"."""
    history = [{"role": "user", "content": "my daughter has ITP, can she play netball?"},
               {"role": "assistant", "content": "..."}]
    reply = assistant.ask(message, history)
    assert reply.kind == "decline" and reply.reason in ("off_topic", "task"), (reply.kind, reply.reason)
    assert reply.text.endswith(DISCLAIMER)


def test_an_itp_question_the_library_lacks_is_still_not_declined(assistant, fitted_triage) -> None:
    history = [{"role": "user", "content": "she is starting rituximab next month"},
               {"role": "assistant", "content": "..."}]
    reply = assistant.ask("will her hair fall out from the rituximab?", history)
    assert reply.kind != "decline", reply.reason
