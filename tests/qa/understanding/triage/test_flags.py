"""The red-flag table: complete rows, and every cited section exists in the library."""

from __future__ import annotations

import re
from pathlib import Path

from qa.understanding.triage.flags import red_flags

CORPUS = Path(__file__).resolve().parents[4] / "corpus"


def test_every_row_has_advice_sources_and_sections_that_exist() -> None:
    flags = red_flags()
    assert len(flags) >= 15
    for flag in flags.values():
        assert flag.says.endswith(".") and flag.action.endswith("."), flag.id
        assert flag.sources and flag.when and flag.what, flag.id
        for doc, heading in flag.cited_sections():
            text = (CORPUS / f"{doc}.md").read_text()
            assert re.search(rf"^## {re.escape(heading)}\s*$", text, re.M), (flag.id, doc, heading)


def test_a_stated_count_at_or_above_the_rows_limit_rules_out_a_very_low_count() -> None:
    row = red_flags()["very_low_count"]
    assert row.count_below == 20
    assert row.contradicted_by(25) and row.contradicted_by(20)
    assert not row.contradicted_by(19) and not row.contradicted_by(4)
    assert not row.contradicted_by(None)  # no count stated: the sign may still apply
    # Signs that are not about a count are never ruled out by one.
    assert not red_flags()["head_injury"].contradicted_by(300)
