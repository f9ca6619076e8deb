"""Two-part messages and comparisons are split into questions that stand alone."""

from __future__ import annotations

import pytest

from qa.understanding.parts import plan


@pytest.mark.parametrize(("message", "parts"), [
    ("what is romiplostim and what are its side effects?",
     ("what is romiplostim", "what are romiplostim's side effects?")),
    ("What is ITP? How common is it?", ("What is ITP?", "How common is ITP?")),
    ("what are the side effects of IVIG and anti-D",
     ("what are side effects of IVIG", "what are side effects of anti-D")),
])
def test_two_questions_become_two_parts(message: str, parts: tuple[str, ...]) -> None:
    assert plan(message).parts == parts


def test_a_comparison_names_both_sides() -> None:
    p = plan("Nplate vs Promacta, which one has more side effects?")
    assert p.comparison == ("romiplostim", "eltrombopag")
    assert all("side effects" in part for part in p.parts)


@pytest.mark.parametrize("message", [
    "is itp contagious",
    "can i take ibuprofen and paracetamol together",
    "I have bruises and my gums bleed. What should I do?",
])
def test_one_question_stays_whole(message: str) -> None:
    assert plan(message).parts == (" ".join(message.split()),)
