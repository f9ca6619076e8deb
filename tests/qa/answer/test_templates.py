"""The fixed wording of replies that do not come from the sources: complete, plain and dose-free."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from qa.answer import templates
from qa.reasons import AbstainReason, DeclineReason
from qa.text.readability import reading_grade

ALL_TEXTS = {name: value for name, value in vars(templates).items()
             if name.isupper() and isinstance(value, str)}
ALL_TEXTS |= {f"ABSTAIN_PERSONAL[{k}]": v for k, v in templates.ABSTAIN_PERSONAL.items()}


def test_every_decision_type_has_its_own_referral() -> None:
    assert set(templates.ABSTAIN_PERSONAL) == set(get_args(AbstainReason))
    for reason in get_args(AbstainReason):
        assert templates.abstain_lead(reason) == templates.ABSTAIN_PERSONAL[reason]
    assert templates.abstain_lead("head_injury") == templates.ABSTAIN_PERSONAL["treatment_choice"]


def test_every_decline_reason_gets_a_reply_that_says_what_the_assistant_does() -> None:
    for reason in get_args(DeclineReason):
        assert "ITP" in templates.decline_text(reason)
    assert templates.decline_text("prompt_injection") == templates.DECLINE_INJECTION


# A grade formula means little on a few words ("Some general information from our sources:").
PROSE = sorted(name for name, text in ALL_TEXTS.items() if len(text.split()) >= 12)


@pytest.mark.parametrize("name", PROSE)
def test_the_fixed_wording_is_plain_language(name: str) -> None:
    text = ALL_TEXTS[name].format(number="your local emergency number", length=9000, limit=8000)
    assert reading_grade(text) <= 9.0, name


@pytest.mark.parametrize("name", sorted(ALL_TEXTS))
def test_no_fixed_reply_names_a_dose(name: str) -> None:
    assert not re.search(r"\d+\s*(mg|mcg|micrograms?|milligrams?|ml|tablets?)\b", ALL_TEXTS[name], re.I), name


def test_the_urgent_lead_puts_the_emergency_number_first() -> None:
    lead = templates.URGENT_LEAD.format(number="999")
    assert lead.index("999") < lead.index("emergency department")
    assert "{number}" in templates.URGENT_LEAD
