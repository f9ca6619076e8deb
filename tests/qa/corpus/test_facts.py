"""One fact, one value: `corpus check` flags a quantity stated with another value (qa/corpus/facts.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.check import check_corpus
from qa.corpus.facts import FactTableError, load_facts, numbers


def _errors(folder: Path, doc: str) -> list[str]:
    """The fact-table errors about `doc` (the other checks have their own tests)."""
    return [i.message for i in check_corpus(folder).issues
            if i.doc == doc and i.level == "error" and "qa/corpus/facts.yaml" in i.message]


def _warnings(folder: Path) -> list[str]:
    return [i.message for i in check_corpus(folder).issues if i.level == "warning"]


def test_numbers_compare_across_units() -> None:
    assert numbers("150,000 to 400,000 per microliter, or up to 450,000") == (150, 400, 450)
    assert numbers("150 to 400 x10^9/L (some labs use up to 450)") == (150, 400, 450)
    assert numbers("70-80") == numbers("70 to 80") == (70, 80)


def test_the_table_loads_and_every_fact_has_a_reason() -> None:
    facts = load_facts()
    names = {f.name for f in facts}
    assert {"normal platelet count range", "platelet count for an epidural or spinal outside pregnancy",
            "platelet count for an epidural or spinal in labour"} <= names
    assert any("minutes" in n and "emergency" in n for n in names)
    assert all(f.why for f in facts)


def test_a_bad_table_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "facts.yaml"
    bad.write_text("facts:\n  - name: x\n    subject: '(unclosed'\n    value: 'y'\n    allowed: ['1']\n")
    with pytest.raises(FactTableError, match="fact 'x': subject is not a valid regex"):
        load_facts(bad)
    bad.write_text("facts:\n  - name: x\n    value: 'y'\n    allowed: ['1']\n")
    with pytest.raises(FactTableError, match="needs 'subject'"):
        load_facts(bad)


def test_the_library_wording_of_the_normal_range_passes(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "good", {"What is a normal platelet count?": (
        "A normal platelet count is about 150 to 400 x10^9/L (some labs use up to 450). Written another "
        "way, a normal count is about 150,000 to 400,000 platelets per microliter, or up to 450,000 in "
        "some labs. A count between 100 and 150 is below normal.")})
    assert _errors(tmp_path, "good") == []


@pytest.mark.parametrize("sentence", [
    "A normal platelet count is about 150 to 450 x10^9/L.",
    "A normal platelet count is roughly 150 to 400 x10^9/L in most labs.",
    "Most labs call a count of 150,000 to 450,000 per microliter normal.",
])
def test_another_normal_range_is_an_error(tmp_path: Path, write_doc, sentence: str) -> None:
    write_doc(tmp_path, "range", {"Is my count normal?": f"Each lab sets its own limits. {sentence}"})
    errors = _errors(tmp_path, "range")
    assert len(errors) == 1 and "normal platelet count range" in errors[0], errors
    assert "150 to 400 (some labs use up to 450)" in errors[0] and sentence in errors[0]


def test_the_nosebleed_cut_off_is_15_minutes_everywhere(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "rule", {"When is a nosebleed an emergency?": (
        "Go to the emergency department if a nosebleed has not stopped after 15 minutes of firm pressure. "
        "Keep pinching for 10 to 15 minutes without letting go.")})
    write_doc(tmp_path, "other", {"What if my nose bleeds at school?": (
        "Go to the emergency department if the bleeding does not stop after about 15 to 20 minutes of "
        "firm, steady pressure.")})
    write_doc(tmp_path, "longer", {"What should I do about a nosebleed?": (
        "Get help if a nosebleed lasts longer than 30 minutes. Pinch the nose for 5 minutes.")})
    assert _errors(tmp_path, "rule") == []
    other = _errors(tmp_path, "other")
    assert len(other) == 1 and "'15 to 20'" in other[0] and "elsewhere: " in other[0] and "rule (15)" in other[0]
    longer = _errors(tmp_path, "longer")
    assert len(longer) == 2, longer
    assert any("'30'" in e and "emergency department" in e for e in longer)
    assert any("pinch" in e and "'5'" in e for e in longer)


def test_epidural_thresholds_differ_in_and_outside_pregnancy(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "surgery", {"Can I have an epidural or spinal anesthetic with ITP?": (
        "An epidural is often possible with ITP if the count is high enough. Outside pregnancy, most teams "
        "want a count of at least 80 x10^9/L for an epidural or spinal. During labor, a count of 70 or more "
        "is thought to carry a low risk.")})
    write_doc(tmp_path, "pregnancy", {"What platelet count is needed for the birth and an epidural?": (
        "A platelet count of at least 50 x10^9/L is usually advised for a vaginal birth or a cesarean "
        "section. For an epidural or spinal anesthetic, most teams look for a count of about 70 to 80 "
        "x10^9/L or higher.")})
    write_doc(tmp_path, "old-wording", {"Can I have an epidural?": (
        "Most teams want a count of about 70 to 80 x10^9/L or higher for an epidural or spinal.")})
    write_doc(tmp_path, "labour-low", {"Can I have an epidural in labour?": (
        "In labour, an epidural needs a count of at least 50.")})
    assert _errors(tmp_path, "surgery") == []
    assert _errors(tmp_path, "pregnancy") == []
    old = _errors(tmp_path, "old-wording")
    assert len(old) == 1 and "outside pregnancy" in old[0] and "'70 to 80'" in old[0] and "'80'" in old[0]
    low = _errors(tmp_path, "labour-low")
    assert len(low) == 1 and "in labour" in low[0] and "'50'" in low[0]


def test_other_procedure_targets_come_from_the_table(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "targets", {"What count is needed for surgery?": (
        "The counts below are suggested.\n"
        "- A count of at least 50 x10^9/L is suggested for minor surgery.\n"
        "- A count of at least 100 x10^9/L is suggested for major surgery.\n"
        "- A count of at least 100 x10^9/L is suggested for brain surgery.")})
    errors = _errors(tmp_path, "targets")
    assert len(errors) == 1 and "major surgery" in errors[0] and "'100'" in errors[0]


def test_an_unlisted_threshold_stated_two_ways_is_a_warning(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "one", {"What count is needed for a liver biopsy?": (
        "A count of at least 50 x10^9/L is suggested for a liver biopsy.")})
    write_doc(tmp_path, "two", {"What count is safe for a scope?": (
        "A count of at least 80 x10^9/L is suggested for a liver biopsy. A count of at least 50 is "
        "needed for a gastroscopy.")})
    warnings = [w for w in _warnings(tmp_path) if "liver biopsy" in w]
    assert len(warnings) == 1 and "one: 'at least 50" not in warnings[0]
    assert "one: '50'" in warnings[0] and "two: '80'" in warnings[0]
    assert not [w for w in _warnings(tmp_path) if "gastroscopy" in w]  # stated once only
