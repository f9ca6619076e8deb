"""Reply claims (qa/text/claims.py): the Claim record and the colon-aware sentence split."""

from __future__ import annotations

import dataclasses

import pytest

from qa.text.claims import Claim, sentences
from qa.text.sentences import split_sentences


def test_the_documented_example() -> None:
    text = "Normal is 150 to 450 x10^9/L. Experts agreed in 2009. Tips include: Rest."
    assert sentences(text) == ["Normal is 150 to 450 x10^9/L.", "Experts agreed in 2009.", "Tips include:", "Rest."]


def test_claims_break_at_colons_where_plain_sentences_do_not() -> None:
    text = "Ask about: Side effects. Call us: 24 hours a day."
    assert split_sentences(text) == ["Ask about: Side effects.", "Call us: 24 hours a day."]
    assert sentences(text) == ["Ask about:", "Side effects.", "Call us:", "24 hours a day."]


def test_a_colon_before_lower_case_words_is_no_break() -> None:
    assert sentences("Note: it is rare.") == ["Note: it is rare."]
    assert sentences("Times 10:30 and 11:45 work.") == ["Times 10:30 and 11:45 work."]


@pytest.mark.parametrize("text", ["", "  \n ", ": : :"])
def test_no_claims_in_empty_text(text: str) -> None:
    assert sentences(text) == []


def test_each_bullet_is_its_own_claim() -> None:
    assert sentences("Signs include:\n- Bruises\n- Nosebleeds") == ["Signs include:", "Bruises", "Nosebleeds"]


def test_a_claim_is_an_immutable_hashable_value() -> None:
    claim = Claim("ITP is not contagious.", (1, 2))
    assert claim == Claim("ITP is not contagious.", (1, 2))
    assert claim != Claim("ITP is not contagious.", (2, 1))
    assert len({claim, Claim("ITP is not contagious.", (1, 2))}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.text = "changed"  # type: ignore[misc]
