"""The medical disclaimer (qa/disclaimer.py) and the one function that attaches it."""

from __future__ import annotations

import pytest

from qa.disclaimer import DISCLAIMER, with_disclaimer


def test_the_disclaimer_says_what_the_assistant_is_not() -> None:
    assert "not medical advice" in DISCLAIMER
    assert "emergency" in DISCLAIMER
    assert DISCLAIMER.strip() == DISCLAIMER and "\n" not in DISCLAIMER


def test_the_body_comes_first_then_a_blank_line_then_the_disclaimer() -> None:
    assert with_disclaimer("ITP is not contagious.") == f"ITP is not contagious.\n\n{DISCLAIMER}"


def test_trailing_whitespace_is_dropped_leading_whitespace_kept() -> None:
    assert with_disclaimer("  Answer.  \n\n\t") == f"  Answer.\n\n{DISCLAIMER}"


@pytest.mark.parametrize("body", ["", "   ", "\n\n", "\t \r\n"])
def test_an_empty_body_is_only_the_disclaimer(body: str) -> None:
    assert with_disclaimer(body) == DISCLAIMER


def test_a_multi_paragraph_unicode_body_is_kept_verbatim() -> None:
    body = "Première ligne 🙂 [1]\n\nSources:\n[1] Über ITP – NHS"
    assert with_disclaimer(body) == body + "\n\n" + DISCLAIMER


def test_a_long_body_keeps_exactly_one_disclaimer_at_the_end() -> None:
    body = "Platelets help the blood clot. " * 5000
    text = with_disclaimer(body)
    assert text.endswith("clot.\n\n" + DISCLAIMER)
    assert text.count(DISCLAIMER) == 1
    assert len(text) == len(body.rstrip()) + 2 + len(DISCLAIMER)


def test_attaching_twice_still_shows_it_once() -> None:
    once = with_disclaimer("Rest and drink water.")
    assert with_disclaimer(once) == once
    assert with_disclaimer(once + "  \n") == once
    assert with_disclaimer(DISCLAIMER) == DISCLAIMER
