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


def test_a_twist_the_quoted_section_also_answers_gets_that_section_again(assistant) -> None:
    # The piercing section covers tattoos too: with nothing else to say, repeating it beats
    # "not in my sources".
    reply = _talk(assistant, "can I get my ears pierced with ITP?", "and a tattoo?")
    assert reply.kind == "answer", reply.answer
    assert any("tattoo" in c.section.lower() for c in reply.citations), [c.section for c in reply.citations]


def test_a_medicine_named_two_turns_back_keeps_a_follow_up_on_topic(assistant) -> None:
    # The turn just before names a trip, not the medicine: read alone with it, "how do I keep
    # it cold?" could be about anything.
    reply = _talk(assistant, "I inject Nplate at home every week", "we're off to Greece for ten days in August",
                  "how do I keep it cold on the plane?")
    assert reply.kind == "answer", reply.answer
    assert "romiplostim" in _medicines_cited(reply), [c.section for c in reply.citations]


def test_a_rewritten_follow_up_keeps_the_turn_before_it_as_another_reading(assistant) -> None:
    from qa.chain import Turn

    p = assistant.pipeline
    history = [{"role": "user", "content": "my dad has dementia and ITP and can't say if he's bleeding"},
               {"role": "assistant", "content": "An answer."}]
    turn = p.understand(Turn(message="how would I spot it?", history=history))
    assert turn.question == "how would I spot ITP?"  # the rewrite alone asks how ITP is found
    assert turn.beside.startswith("my dad has dementia")
    found = p.retrieve(turn)
    assert "dementia" in found.hits[0].row.passage.section, found.hits[0].row.passage.section
    # A message that stands alone has no other reading.
    assert p.understand(Turn(message="what is ITP?", history=history)).beside == ""
