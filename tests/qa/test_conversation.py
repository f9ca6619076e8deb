"""Conversations over the real corpus index: a follow-up keeps its thread and never repeats
the previous reply with the wrong medicine's section, or declines a plain follow-up."""

from __future__ import annotations

from qa.understanding.lexicon import find_mentions


def _talk(assistant, *turns: str):
    history: list[dict] = []
    reply = None
    for text in turns:
        reply = assistant.ask(text, history=list(history))
        history += [{"role": "user", "content": text}, {"role": "assistant", "content": reply.answer}]
    return reply


def _medicines_cited(reply) -> set[str]:
    return {m.name for c in reply.citations for m in find_mentions(f"{c.title} {c.section}")
            if m.kind in ("medicine", "treatment")}


def test_a_new_aspect_stays_on_the_conversations_medicine(assistant) -> None:
    reply = _talk(assistant, "my doctor mentioned rituximab", "and the side effects?")
    assert reply.kind == "answer"
    assert _medicines_cited(reply) == {"rituximab"}, [c.section for c in reply.citations]


def test_what_about_my_kids_does_not_repeat_the_previous_answer(assistant) -> None:
    first = _talk(assistant, "what are the side effects of eltrombopag?")
    second = _talk(assistant, "what are the side effects of eltrombopag?", "what about my kids?")
    assert second.kind == "answer" and second.answer != first.answer
    assert _medicines_cited(second) <= {"eltrombopag", "TPO receptor agonists"}


def test_a_plain_follow_up_in_an_itp_conversation_is_never_declined(assistant) -> None:
    reply = _talk(assistant, "my 3 year old has itp", "can she go to nursery?", "what should i tell the staff?")
    assert reply.kind != "decline", reply.answer
