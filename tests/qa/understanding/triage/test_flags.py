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
