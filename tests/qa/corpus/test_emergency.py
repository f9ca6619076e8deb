"""Emergency signs go to the emergency number: `corpus check` flags text that sends them elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.check import check_corpus
from qa.corpus.emergency import symptoms_in


def _issues(folder: Path, doc: str, level: str = "error") -> list[str]:
    return [i.message for i in check_corpus(folder).issues
            if i.doc == doc and i.level == level and "emergency" in i.message]


@pytest.mark.parametrize(("text", "signs"), [
    ("chest pain or tightness", {"chest pain"}),
    ("sudden shortness of breath", {"breathlessness"}),
    ("trouble breathing", {"breathlessness"}),
    ("a sudden, severe headache", {"severe headache"}),
    ("a very bad headache", {"severe headache"}),
    ("a hard knock to the head", {"head injury"}),
    ("after a head injury", {"head injury"}),
    ("if your child bumps their head", {"head injury"}),
    ("vomiting blood", {"blood in vomit or stool"}),
    ("black, tarry stools", {"blood in vomit or stool"}),
    ("blood in your vomit or stool", {"blood in vomit or stool"}),
    ("a headache", set()),
    ("tiredness with breathlessness", set()),  # an anaemia sign, for the team
    ("blood in the urine", set()),
])
def test_signs(text: str, signs: set[str]) -> None:
    assert symptoms_in(text) == signs


def test_the_audit_sentence_is_an_error(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "fosta", {"When should I call my care team while taking fostamatinib?": (
        "Call your care team if you have diarrhea that is severe or does not stop. Call your care team too "
        "for a bad headache, chest pain or shortness of breath.")})
    errors = _issues(tmp_path, "fosta")
    assert len(errors) == 1, errors
    assert "chest pain, severe headache" in errors[0] and "Call your care team too for a bad headache" in errors[0]


@pytest.mark.parametrize("sentence", [
    "See a doctor after any head injury.",
    "Tell your GP if you vomit blood.",
    "A child who has a hard knock to the head needs an urgent check by a doctor the same day.",
    "Phone the hematology team about sudden shortness of breath.",
    "Call NHS 111 for chest pain.",
    "Use your local urgent care service after a head injury.",
])
def test_other_referrals_are_errors(tmp_path: Path, write_doc, sentence: str) -> None:
    write_doc(tmp_path, "bad", {"What should I do?": f"Stay calm. {sentence}"})
    assert len(_issues(tmp_path, "bad")) == 1


def test_a_list_item_is_read_with_its_lead_in(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "list", {"When should I call my team?": (
        "Call your care team the same day if you notice:\n- Many new bruises.\n- Black, tarry stools.")})
    errors = _issues(tmp_path, "list")
    assert len(errors) == 1 and "blood in vomit or stool" in errors[0] and "Black, tarry stools." in errors[0]


def test_emergency_instructions_and_their_follow_ups_pass(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "good", {
        "What should I do about chest pain?": (
            "Call your local emergency number, such as 911, 999 or 112, now for chest pain or sudden "
            "breathlessness. Tell your care team too about chest pain, once you are safe."),
        "What should I do after a head injury?": (
            "Go to the emergency department now after any head injury. Call an ambulance if you vomit blood, "
            "and tell your team as well."),
        "What should I do if I feel unwell during the IVIG drip?": (
            "Tell your nurse right away if you feel unwell during the IVIG drip, especially with chest pain."),
        "What happens after surgery with ITP?": "Tell the nurses straight away about blood in urine or stools.",
    })
    assert _issues(tmp_path, "good") == []
    assert _issues(tmp_path, "good", "warning") == []


def test_too_only_covers_the_signs_the_emergency_instruction_named(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "partial", {"What should I do about chest pain?": (
        "Call 911 for chest pain. Tell your care team too about a sudden severe headache.")})
    errors = _issues(tmp_path, "partial")
    assert len(errors) == 1 and "severe headache" in errors[0]


def test_a_section_without_any_emergency_instruction_gets_a_warning(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "signs", {"What bleeding signs can ITP cause?": (
        "Bleeding signs include:\n- Bruises.\n- Stool that is black and sticky.\n\n"
        "Tell your care team about any bleeding signs you notice.")})
    assert _issues(tmp_path, "signs") == []
    warnings = _issues(tmp_path, "signs", "warning")
    assert len(warnings) == 1 and "blood in vomit or stool" in warnings[0]
