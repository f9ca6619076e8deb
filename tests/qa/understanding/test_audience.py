"""Who a question is about and who a passage is for (qa/understanding/audience.py)."""

from __future__ import annotations

import pytest

from qa.understanding.audience import asked_for, match, of_conversation, written_for


@pytest.mark.parametrize(("question", "audience"), [
    ("I'm 20 weeks pregnant, is IVIG safe?", "pregnancy"),
    ("can I breastfeed on eltrombopag", "pregnancy"),
    ("my 15-year-old son has ITP", "teen"),  # the age decides over "son"
    ("my daughter is 12 years old", "child"),
    ("3yo with bruises", "child"),
    ("she is 18 yrs and bruises", "teen"),
    ("my daughter is a teenager", "teen"),  # teen words before child words
    ("ITP at high school", "teen"),
    ("can my toddler go to nursery", "child"),
    ("my 16 year old daughter is pregnant", "pregnancy"),  # pregnancy first
])
def test_asked_for(question: str, audience: str) -> None:
    assert asked_for(question) == audience


@pytest.mark.parametrize("question", [
    "", "I am 45 years old", "what is a normal count", "my laboratory results", "my boyfriend's reason",
    "the prompt said so", "100 years of research", "my kidney",
])
def test_no_audience_in_adult_or_lookalike_words(question: str) -> None:
    assert asked_for(question) is None


def test_an_adult_age_is_not_a_child() -> None:
    assert asked_for("my son is 25 years old, can he play rugby?") is None


def test_the_latest_user_turn_that_names_someone_decides() -> None:
    history = [
        {"role": "user", "content": "I'm pregnant"},
        {"role": "user", "content": "my 8 year old has ITP"},
        {"role": "assistant", "content": "Teenagers and pregnancy ..."},
        {"role": "user", "content": "what about sports?"},
    ]
    assert of_conversation(history) == "child"


@pytest.mark.parametrize("history", [
    None, [], [{"role": "assistant", "content": "for children"}],
    ["junk", {"role": "user"}, {"role": "user", "content": None}, {"content": "my son"}],
])
def test_no_audience_in_empty_or_malformed_history(history) -> None:
    assert of_conversation(history) is None


def test_written_for_reads_title_and_heading() -> None:
    assert written_for("ITP in children", "Vaccines") == {"child"}
    assert written_for("Before and after the birth", "Breastfeeding") == {"pregnancy"}
    assert written_for("Teenagers", "Paediatric care") == {"teen", "child"}
    assert written_for("What is ITP", "My son") == set()  # passages name groups, not relatives


@pytest.mark.parametrize(("asked", "written", "score"), [
    (None, {"child"}, 0.0),
    ("child", set(), 0.0),
    ("child", {"child", "teen"}, 1.0),
    ("teen", {"child"}, -1.0),
    ("pregnancy", {"pregnancy"}, 1.0),
])
def test_match(asked, written, score: float) -> None:
    assert match(asked, written) == score


@pytest.mark.parametrize(("question", "expected"), [
    ("my 7yo bruises easily", "child"),
    ("my son is 9 years old and has ITP", "child"),
    ("she is 8 years and very active", "child"),
    ("my daughter, aged 10, plays netball", "child"),
    ("a 16 year old with a count of 30", "teen"),
    ("I'm 14 years and want to play football", "teen"),
])
def test_a_stated_age_decides(question: str, expected: str) -> None:
    assert asked_for(question) == expected


@pytest.mark.parametrize("question", [
    "I was diagnosed 2 years ago, will it ever go away?",
    "had itp for 3 years now, is that chronic?",
    "my count is 12 this week",
    "it has been 5 years since my splenectomy",
    "I'm 2 years on eltrombopag, is that safe long term?",
    "been on it 4 yrs, any long term effects?",
])
def test_durations_and_counts_are_not_ages(question: str) -> None:
    assert asked_for(question) is None
