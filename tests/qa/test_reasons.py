"""The closed set of reply reasons matches the data it names: the red-flag table and the templates."""

from __future__ import annotations

import pytest

from qa.answer import templates
from qa.reasons import (
    ABSTAIN_REASONS,
    DECLINE_REASONS,
    RED_FLAG_IDS,
    is_abstain,
    is_decline,
    is_red_flag,
)
from qa.understanding.triage.banks import GROUPS, BankError, load_file, reason_of
from qa.understanding.triage.flags import red_flags


def test_red_flag_ids_are_the_tables_rows() -> None:
    assert list(RED_FLAG_IDS) == list(red_flags())


def test_every_decision_type_has_its_own_referral() -> None:
    assert set(templates.ABSTAIN_PERSONAL) == set(ABSTAIN_REASONS)
    assert len(set(templates.ABSTAIN_PERSONAL.values())) == len(ABSTAIN_REASONS)


def test_a_reason_of_another_kind_gets_the_general_referral_not_a_key_error() -> None:
    assert templates.abstain_lead("head_injury") == templates.ABSTAIN_PERSONAL["treatment_choice"]
    assert templates.abstain_lead("dose") == templates.ABSTAIN_PERSONAL["dose"]


def test_decline_texts_differ_by_what_was_declined() -> None:
    texts = {r: templates.decline_text(r) for r in DECLINE_REASONS}
    assert texts["prompt_injection"] != texts["off_topic"] != texts["task"]


def test_guards_sort_reasons_by_kind() -> None:
    assert is_red_flag("stroke_signs") and not is_red_flag("dose")
    assert is_abstain("dose") and not is_abstain("off_topic")
    assert is_decline("task") and not is_decline("stroke_signs")


def test_every_bank_group_names_a_reason() -> None:
    for kind, groups in GROUPS.items():
        for group in groups:
            reason_of(kind, group)  # raises for a group with no reason
    assert reason_of("decline", "other_medical") == "off_topic"


def test_a_bank_with_an_unknown_group_is_refused_by_name(tmp_path) -> None:
    bad = tmp_path / "urgent-x.yaml"
    bad.write_text("kind: urgent\ngroups:\n  head_injruy:\n    positive: ['i hit my head']\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"urgent-x\.yaml: unknown urgent group 'head_injruy'"):
        load_file(bad)
