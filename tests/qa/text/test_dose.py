"""The dose pattern (qa/text/dose.py): which stated amounts count as a dose."""

from __future__ import annotations

import pytest

from qa.text.dose import DOSE_AMOUNT


@pytest.mark.parametrize(("text", "amount"), [
    ("Take 20 MG daily", "20 MG"),
    ("about 0.5 mg a day", "0.5 mg"),
    ("10 units/kg once", "10 units/kg"),
    ("1 unit/kg", "1 unit/kg"),
    ("5 µg per dose", "5 µg"),
    ("250 milligrams twice", "250 milligrams"),
    ("1 milligram", "1 milligram"),
    ("a 2 ML syringe", "2 ML"),
    ("20\u00a0mg with food", "20\u00a0mg"),
    ("3mcg", "3mcg"),
])
def test_the_stated_amount_is_what_matches(text: str, amount: str) -> None:
    match = DOSE_AMOUNT.search(text)
    assert match is not None and match.group() == amount


@pytest.mark.parametrize("text", [
    "mg without a number",
    "the covid-19 mgmt plan",
    "x20 mg",  # a number glued to a word is no amount
    "platelets of 30 x10^9/L",
    "10 units of blood",  # units count only per kg
    "",
])
def test_no_dose_is_found(text: str) -> None:
    assert DOSE_AMOUNT.search(text) is None


def test_every_dose_in_a_text_is_found() -> None:
    text = "Some take 20 mg, others 1 mcg/kg; children 5 ml."
    assert [m.group() for m in DOSE_AMOUNT.finditer(text)] == ["20 mg", "1 mcg", "5 ml"]


def test_a_long_text_without_a_dose_is_searched_quickly() -> None:
    text = "the count was 45 and then 50 " * 5000
    assert DOSE_AMOUNT.search(text) is None
    assert DOSE_AMOUNT.search(text + " then 1 mg") is not None
