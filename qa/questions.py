"""The question bank (`corpus/questions/<doc-id>.yaml`): the ways patients ask what each section answers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import yaml

log = logging.getLogger("qa")


class QuestionBankError(ValueError):
    """A bank file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class BankEntry:
    """One section's phrasings."""

    doc_id: str
    heading: str
    phrasings: tuple[str, ...]
    source: str  # the file it came from

    @property
    def key(self) -> str:
        return f"{self.doc_id}#{self.heading}"


def load_file(path: Path) -> list[BankEntry]:
    """The entries of one bank file: `doc: <id>` and `sections: {heading: [phrasings]}`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QuestionBankError(f"{path.name}: cannot be read ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("doc"), str) or not isinstance(data.get("sections"), dict):
        raise QuestionBankError(f"{path.name}: needs `doc: <id>` and `sections: {{heading: [phrasings]}}`")
    entries = []
    for heading, phrasings in data["sections"].items():
        if not isinstance(phrasings, list) or not all(isinstance(p, str) for p in phrasings):
            raise QuestionBankError(f"{path.name}: section {heading!r} needs a list of phrasings")
        clean = tuple(p.strip() for p in phrasings if p.strip())
        entries.append(BankEntry(data["doc"], str(heading).strip(), clean, path.name))
    return entries


def load_question_bank(directory: Path) -> list[BankEntry]:
    """Every entry under `directory` (empty if there is no bank)."""
    if not directory.is_dir():
        return []
    return [e for path in sorted(directory.glob("*.yaml")) for e in load_file(path)]


def answerable_questions(directory: Path) -> list[str]:
    """Every phrasing in the bank: ordinary questions the triage must let through.

    A bank that cannot be read gives none (`itpqa corpus check` reports it); triage never fails
    for it.
    """
    try:
        bank = load_question_bank(directory)
    except QuestionBankError as exc:
        log.warning("question bank unreadable (%s); triage fitted on its own banks alone", exc)
        return []
    return sorted({p for entry in bank for p in entry.phrasings})
