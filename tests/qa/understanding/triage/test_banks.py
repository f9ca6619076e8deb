"""The example banks: well-formed, big enough, keyed to the red-flag table, split once."""

from __future__ import annotations

from collections import Counter

import pytest

from qa.understanding.triage.banks import BankError, load_banks, load_file, split_of
from qa.understanding.triage.flags import red_flags


@pytest.fixture(scope="module")
def rows():
    return load_banks()


def test_every_urgent_group_is_a_red_flag_with_30_urgent_and_30_near_misses(rows) -> None:
    flags = set(red_flags())
    counts = Counter((r.group, r.positive) for r in rows if r.kind == "urgent")
    groups = {g for g, _ in counts}
    assert groups == flags, (groups ^ flags)
    for flag in flags:
        assert counts[(flag, True)] >= 30 and counts[(flag, False)] >= 30, flag


@pytest.mark.parametrize("kind", ["abstain", "decline"])
def test_decisions_and_off_topic_have_300_each_way(rows, kind: str) -> None:
    mine = [r for r in rows if r.kind == kind]
    assert sum(r.positive for r in mine) >= 300
    assert sum(not r.positive for r in mine) >= 300


def test_the_split_is_fixed_and_about_one_in_five(rows) -> None:
    assert split_of("My son hit his head") == split_of("  my son HIT his head ")  # normalised
    share = sum(r.split == "validation" for r in rows) / len(rows)
    assert 0.15 < share < 0.25


def test_a_malformed_bank_names_the_file(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: urgent\ngroups:\n  head_injury:\n    positive: [1, 2]\n")
    with pytest.raises(BankError, match=r"bad\.yaml"):
        load_file(bad)
    bad.write_text("kind: nonsense\ngroups: {}\n")
    with pytest.raises(BankError, match="kind"):
        load_file(bad)
