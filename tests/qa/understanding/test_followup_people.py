"""Follow-ups keep the person and the thread: "what about my kids?", "anything else?"."""

from __future__ import annotations

from qa.understanding.followup import resolve

SIDE_EFFECTS = [{"role": "user", "content": "what are the side effects of eltrombopag?"},
                {"role": "assistant", "content": "Common side effects of eltrombopag include ..."}]
CHILD = [{"role": "user", "content": "my 6 year old has itp, what is eltrombopag?"},
         {"role": "assistant", "content": "Eltrombopag is a tablet ..."}]


def test_what_about_my_kids_asks_the_previous_aspect_for_children() -> None:
    assert resolve("what about my kids?", SIDE_EFFECTS).question == \
        "what are the side effects of eltrombopag in children?"
    assert resolve("and in pregnancy?", SIDE_EFFECTS).question.endswith("in pregnancy?")


def test_anything_else_asks_for_other_options_for_the_same_person() -> None:
    assert resolve("anything else?", CHILD).question == "What other treatments are used for ITP in children?"
    assert resolve("is there anything else they use for kids?", SIDE_EFFECTS).question == \
        "What other treatments are used for ITP in children?"


def test_a_medicine_named_in_the_follow_up_is_not_replaced() -> None:
    assert resolve("what about romiplostim?", SIDE_EFFECTS).question == \
        "what are the side effects of romiplostim?"


WHAT_IS = [{"role": "user", "content": "what is romiplostim?"},
           {"role": "assistant", "content": "Romiplostim is a medicine that helps ..."}]


def test_a_person_named_in_a_follow_up_qualifies_the_medicine_it_does_not_replace_it() -> None:
    # "kids", "pregnancy" and "breastfeeding" say who is asking, not what about: the medicine
    # of the conversation stays the subject.
    for follow_up in ("is it ok for kids?", "is it safe in pregnancy?", "ok for my toddler?",
                      "can I take it while breastfeeding?"):
        resolved = resolve(follow_up, WHAT_IS)
        assert "romiplostim" in resolved.question, follow_up
        assert resolved.used_history and resolved.entity == "romiplostim", follow_up


def test_a_new_subject_with_a_person_still_stands_alone() -> None:
    for alone in ("are vaccines ok for kids with itp?", "can kids with itp play football?"):
        assert "romiplostim" not in resolve(alone, WHAT_IS).question, alone


def _conversation(*user_turns: str) -> list[dict]:
    out: list[dict] = []
    for text in user_turns:
        out += [{"role": "user", "content": text}, {"role": "assistant", "content": "..."}]
    return out


def test_that_points_back_at_the_previous_question_when_no_medicine_was_named() -> None:
    # "that" is the thing just asked about (going away; a count of 30), not ITP in general.
    resolved = resolve("how long does that usually take?",
                       _conversation("my daughter was just diagnosed with itp, she's 7", "will it go away?"))
    assert "go away" in resolved.question and resolved.used_history
    assert "30" in resolve("is that dangerous?", _conversation("what does a platelet count of 30 mean")).question


def test_that_still_means_the_medicine_when_one_was_named() -> None:
    assert resolve("how long does that take to work?", _conversation("what is IVIG?")).question == \
        "how long does IVIG take to work?"


def test_a_follow_up_that_adds_more_than_a_name_keeps_the_previous_question_whole() -> None:
    # Swapping "jab" for "spleen" made "can I get the flu spleen with itp".
    resolved = resolve("what about after having my spleen out?", _conversation("can I get the flu jab with itp"))
    assert "flu jab" in resolved.question and "spleen out" in resolved.question
    # A bare name is still swapped in.
    assert resolve("what about paracetamol?", _conversation("can I take ibuprofen with itp?")).question == \
        "can I take paracetamol with itp?"


def test_a_name_is_swapped_only_for_a_name_of_its_own_kind() -> None:
    # alcohol is a substance to avoid, eltrombopag a treatment: the question is about both.
    resolved = resolve("what about on eltrombopag?", _conversation("can i drink alcohol with itp"))
    assert "alcohol" in resolved.question and "eltrombopag" in resolved.question


def test_a_pronoun_beside_another_name_still_points_at_the_conversations_medicine() -> None:
    resolved = resolve("why would they give that instead of steroids?", _conversation("what's ivig"))
    assert "IVIG" in resolved.question and "steroids" in resolved.question
    # A follow-up that names the medicine itself is left alone.
    assert resolve("is ivig better than steroids?", _conversation("what's ivig")).question == \
        "is ivig better than steroids?"


def test_a_new_aspect_is_asked_about_the_conversations_medicine() -> None:
    resolved = resolve("and the side effects?", _conversation("my doctor mentioned rituximab"))
    assert resolved.question == "the side effects of rituximab?"


def test_a_medicine_the_lexicon_does_not_know_is_kept_beside_the_follow_up_not_replaced_by_itp() -> None:
    resolved = resolve("how long does it take to work?", _conversation("my consultant mentioned sirolimus"))
    assert "sirolimus" in resolved.question and "ITP take" not in resolved.question
    assert resolved.used_history and resolved.beside


def test_a_second_line_medicine_the_library_covers_is_named_in_the_follow_up() -> None:
    resolved = resolve("how long does it take to work?", _conversation("my consultant mentioned azathioprine"))
    assert resolved.question == "how long does azathioprine take to work?"
    assert resolved.used_history and not resolved.beside


def test_they_is_the_care_team_not_itp() -> None:
    resolved = resolve("what platelet count do they want for that?", _conversation("I need a wisdom tooth out"))
    assert "wisdom tooth" in resolved.question and "ITP want" not in resolved.question
    assert "do ITP" not in resolve("why do they keep checking my blood?", []).question
    # A plural name can still be "they": "how does ITP affect them?" after megakaryocytes.
    assert "megakaryocytes" in resolve("how do they work?", _conversation("what are megakaryocytes?")).question


def test_it_is_the_conversations_medicine_rather_than_its_latest_topic() -> None:
    resolved = resolve("how do I keep it cold?", _conversation("I do my own romiplostim injections at home",
                                                               "we're flying to Portugal for two weeks"))
    assert "romiplostim" in resolved.question


def test_it_still_means_itp_when_only_itp_was_named() -> None:
    assert resolve("can his sister catch it?", _conversation("my son has ITP")).question == \
        "can his sister catch ITP?"


def test_anything_else_asks_for_other_treatments_only_in_a_conversation_about_treatment() -> None:
    resolved = resolve("what else can help?", _conversation("I'm exhausted all the time with my ITP"))
    assert "other treatments" not in resolved.question and "fatigue" in resolved.question
