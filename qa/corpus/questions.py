"""The question bank (`corpus/questions/<doc-id>.yaml`): the ways patients ask what each section answers."""

from __future__ import annotations

import logging
import re
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


# --- validation (`itpqa corpus check`, issue 13) ----------------------------------------------
MIN_PHRASINGS = 10
_SPACE = re.compile(r"\s+")
EVAL_SUITES = Path(__file__).resolve().parents[2] / "eval" / "suites"


def normalize(phrasing: str) -> str:
    """What "the same phrasing" means: case and whitespace do not count.

    >>> normalize("  Is ITP\\tcontagious? ") == normalize("is itp contagious?")
    True
    """
    return _SPACE.sub(" ", phrasing).strip().casefold()


def eval_questions(suites: Path = EVAL_SUITES) -> dict[str, str]:
    """Every user turn of every case under `suites` (`**/*.yaml`), normalized, to "file: case id".

    Unreadable suite files are skipped: `itpqa eval` reports them.
    """
    found: dict[str, str] = {}

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            turns = node.get("turns")
            if isinstance(turns, list):
                for turn in turns:
                    if isinstance(turn, str) and turn.strip():
                        found.setdefault(normalize(turn), f"{where}: {node.get('id', '?')}")
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    if suites.is_dir():
        for path in sorted(suites.rglob("*.yaml")):
            try:
                walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.relative_to(suites.parent.parent).as_posix())
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
    return found


@dataclass(frozen=True)
class BankProblem:
    """One finding about one bank file."""

    file: str  # e.g. "questions/eltrombopag.yaml"
    level: str  # "error" or "warning"
    message: str


def validate_bank(directory: Path, headings: dict[str, list[str]],
                  eval_turns: dict[str, str] | None = None,
                  minimum: int = MIN_PHRASINGS) -> list[BankProblem]:
    """Check the bank against the documents and the eval suites.

    Args:
        directory: the bank folder (`corpus/questions`).
        headings: per document id, the headings of its `##` sections.
        eval_turns: normalized eval-suite turns (`eval_questions()`); none are compared when None.
        minimum: the fewest phrasings a section may have.
    Returns:
        Errors: unreadable files, a file whose `doc` is not a document or not its file name, keys
        that are not a heading of the document, sections with fewer than `minimum` distinct
        phrasings, documents without a bank file, a phrasing under two sections, a phrasing equal
        to an eval question. Warnings: a phrasing repeated within one section.
    """
    problems: list[BankProblem] = []
    where = directory.name
    counts: dict[tuple[str, str], int] = {}
    owner: dict[str, tuple[str, str]] = {}  # normalized phrasing -> (file, "doc#heading")
    banked: set[str] = set()
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        name = f"{where}/{path.name}"
        try:
            entries = load_file(path)
        except QuestionBankError as exc:
            problems.append(BankProblem(name, "error", str(exc).removeprefix(f"{path.name}: ")))
            continue
        doc = entries[0].doc_id if entries else _doc_of(path)
        if doc not in headings:
            problems.append(BankProblem(name, "error", f"doc '{doc}' is not a document in the corpus"))
            continue
        if doc != path.stem:
            problems.append(BankProblem(name, "error", f"doc '{doc}' does not match the file name "
                                                       f"(expected {where}/{doc}.yaml)"))
        banked.add(doc)
        for e in entries:
            if e.heading not in headings[doc]:
                problems.append(BankProblem(name, "error", f"'{e.heading}' is not a heading of {doc}"))
                continue
            seen: set[str] = set()
            for phrasing in e.phrasings:
                key = normalize(phrasing)
                if key in seen:
                    problems.append(BankProblem(name, "warning", f"'{phrasing}' is repeated under '{e.heading}'"))
                    continue
                seen.add(key)
                first = owner.setdefault(key, (name, e.key))
                if first[1] != e.key:
                    problems.append(BankProblem(name, "error", (
                        f"'{phrasing}' is under two sections: '{e.key}' and '{first[1]}'"
                        + (f" ({first[0]})" if first[0] != name else ""))))
                if eval_turns and key in eval_turns:
                    problems.append(BankProblem(name, "error", (
                        f"'{phrasing}' ('{e.heading}') is an eval-suite question ({eval_turns[key]}); "
                        "the bank must not hold eval questions")))
            counts[(doc, e.heading)] = counts.get((doc, e.heading), 0) + len(seen)
    for doc, heads in sorted(headings.items()):
        if doc not in banked:
            if heads:
                problems.append(BankProblem(f"{where}/{doc}.yaml", "error", (
                    f"no question bank for {doc}: write {where}/{doc}.yaml with at least {minimum} "
                    f"phrasings for each of its {len(heads)} sections")))
            continue
        short = [(h, counts.get((doc, h), 0)) for h in heads if counts.get((doc, h), 0) < minimum]
        if short:
            listing = "; ".join(f"'{h}' {n}" for h, n in short)
            problems.append(BankProblem(f"{where}/{doc}.yaml", "error", (
                f"{len(short)} section(s) have fewer than {minimum} phrasings: {listing}")))
    return problems


def _doc_of(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return path.stem
    return str(data.get("doc")) if isinstance(data, dict) and data.get("doc") else path.stem
