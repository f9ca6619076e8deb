"""Fixtures for the `qa` tests: small corpus documents written into a temp folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SOURCE = """  - title: ASH 2019 guideline
    doi: "10.1182/bloodadvances.2019000966"
    year: 2019
"""


@pytest.fixture
def write_doc() -> Callable[..., Path]:
    """`write_doc(folder, doc_id, {heading: text}, sources=..., reviewed=..., extra=...)`.

    Writes `folder/<doc_id>.md` with valid front matter (`extra` is added to it) and these
    `##` sections.
    """

    def write(folder: Path, doc_id: str, sections: dict[str, str], sources: str = SOURCE,
              reviewed: str = "2026-01-01", extra: str = "") -> Path:
        body = "\n".join(f"## {heading}\n{text}\n" for heading, text in sections.items())
        path = folder / f"{doc_id}.md"
        path.write_text(
            f"---\nid: {doc_id}\ntitle: A page\nsummary: A short summary.\naudience: [adults]\n"
            f"topics: [basics]\nsources:\n{sources}last_reviewed: {reviewed}\n{extra}---\n"
            f"# A page\n\n{body}", encoding="utf-8")
        return path

    return write
