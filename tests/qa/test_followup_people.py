"""Follow-ups keep the person and the thread: "what about my kids?", "anything else?"."""

from __future__ import annotations

from qa.followup import resolve

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
