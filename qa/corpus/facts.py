"""One fact, one value: find every statement of a quantity in the corpus and flag other values.

The quantities and their allowed values are data (`qa/corpus/facts.yaml`, for reviewers); this
module applies them. It also compares count thresholds the table does not list ("at least 50 for
X") across documents, and warns when two documents give the same one different values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from qa.corpus.text import CheckedSection, Issue

FACTS_FILE = Path(__file__).with_name("facts.yaml")
_N = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
_RANGE = rf"(?:{_N})(?:\s*(?:to|-|–|—)\s*(?:{_N}))?"
_UNIT = r"(?:\s*x\s?10\^9/L)?"
_THRESHOLD = (rf"\bat least\s+(?:about\s+)?({_RANGE}){_UNIT}"
              rf"|\b(?:about\s+)?({_RANGE}){_UNIT}\s+or\s+(?:more|higher|above|over)\b"
              rf"|(?:≥|>=)\s*({_RANGE})")
MACROS = {"N": _N, "RANGE": _RANGE, "THRESHOLD": _THRESHOLD}
# Powers of ten in units ("x10^9/L", "10^3/µL") are not values.
_POWER = re.compile(r"x?\s?10\^\d+(?:/\S+)?", re.I)
_NUMBER = re.compile(_N)


class FactTableError(ValueError):
    """The fact table is malformed; the message names the entry."""


@dataclass(frozen=True)
class Fact:
    """One quantity the library states, with the values it may have."""

    name: str
    subject: re.Pattern[str]
    value: re.Pattern[str]
    allowed: tuple[str, ...]
    other_subjects: re.Pattern[str] | None = None
    when: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    why: str = ""

    def allows(self, value: str) -> bool:
        return numbers(value) in {numbers(a) for a in self.allowed}


@dataclass(frozen=True)
class Statement:
    """Where a document states a quantity, and the value it gives."""

    doc: str
    heading: str
    sentence: str
    value: str


def numbers(value: str) -> tuple[float, ...]:
    """The numbers of a stated value, units dropped, per-microliter counts scaled to x10^9/L.

    >>> numbers("150,000 to 400,000 (some labs use up to 450,000)")
    (150.0, 400.0, 450.0)
    >>> numbers("about 150 to 400 x10^9/L (some labs use up to 450)")
    (150.0, 400.0, 450.0)
    """
    out = []
    for raw in _NUMBER.findall(_POWER.sub(" ", value)):
        n = float(raw.replace(",", ""))
        out.append(n / 1000 if raw.endswith(",000") else n)
    return tuple(out)


def _compile(entry: dict, key: str, words: dict[str, str], required: bool = False) -> re.Pattern[str] | None:
    raw = entry.get(key)
    if raw is None:
        if required:
            raise FactTableError(f"fact '{entry.get('name', '?')}' needs '{key}'")
        return None
    text = str(raw).strip()
    for name, pattern in {**words, **MACROS}.items():
        text = text.replace("{" + name + "}", f"(?:{pattern})")
    try:
        return re.compile(text, re.I)
    except re.error as exc:
        raise FactTableError(f"fact '{entry.get('name', '?')}': {key} is not a valid regex ({exc})") from None


def load_facts(path: Path = FACTS_FILE) -> list[Fact]:
    """The fact table.

    Raises:
        FactTableError: the file is missing a field or holds a bad regex.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words = {str(k): str(v) for k, v in (data.get("words") or {}).items()}
    for name, pattern in list(words.items()):  # words may use the shorthand too
        for macro, expansion in MACROS.items():
            words[name] = pattern.replace("{" + macro + "}", f"(?:{expansion})")
    facts = []
    for entry in data.get("facts") or []:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("allowed"):
            raise FactTableError(f"every fact needs a name and allowed values: {entry!r}")
        subject, value = _compile(entry, "subject", words, True), _compile(entry, "value", words, True)
        assert subject is not None and value is not None
        facts.append(Fact(
            name=str(entry["name"]), subject=subject, value=value,
            allowed=tuple(str(a) for a in entry["allowed"]),
            other_subjects=_compile(entry, "other_subjects", words),
            when=_compile(entry, "when", words), unless=_compile(entry, "unless", words),
            why=str(entry.get("why") or "").strip(),
        ))
    return facts


def _is_about(fact: Fact, sentence: str, heading: str) -> bool:
    other = bool(fact.other_subjects and fact.other_subjects.search(sentence))
    if fact.subject.search(sentence):
        if other:
            return False  # names the subject and another procedure: whose value is it?
    elif other or not fact.subject.search(heading):
        return False
    context = f"{heading}\n{sentence}"
    if fact.when and not fact.when.search(context):
        return False
    return not (fact.unless and fact.unless.search(context))


def _values(pattern: re.Pattern[str], sentence: str) -> list[str]:
    out = []
    for m in pattern.finditer(sentence):
        groups = [g for g in m.groups() if g is not None]
        out.append((groups[0] if groups else m.group(0)).strip())
    return out


def statements(fact: Fact, sections: Iterable[CheckedSection]) -> list[Statement]:
    """Every statement of `fact`'s quantity in these sections."""
    found = []
    for sec in sections:
        for unit in sec.units:
            if _is_about(fact, unit.text, sec.heading):
                found += [Statement(sec.doc, sec.heading, unit.text, v) for v in _values(fact.value, unit.text)]
    return found


def check_facts(sections: Sequence[CheckedSection], facts: Sequence[Fact]) -> list[Issue]:
    """Errors for every statement of a listed quantity whose value is not allowed."""
    issues = []
    for fact in facts:
        stated = statements(fact, sections)
        for s in stated:
            if fact.allows(s.value):
                continue
            elsewhere = sorted({f"{o.doc} ({o.value})" for o in stated if o.doc != s.doc})
            also = f"; elsewhere: {', '.join(elsewhere[:3])}" if elsewhere else ""
            issues.append(Issue(s.doc, "error", (
                f"section '{s.heading}' gives the {fact.name} as '{s.value}'; the library's value is "
                f"{' or '.join(repr(a) for a in fact.allowed)} (qa/corpus/facts.yaml){also}: \"{s.sentence}\"")))
    return issues


# "at least 50 x10^9/L is suggested for minor surgery", "a count of 70 or more for an epidural"
_FOR_WHAT = re.compile(
    rf"(?:{_THRESHOLD})(?:\s+(?:is|are)\s+(?:usually\s+|often\s+|generally\s+)?"
    r"(?:suggested|advised|needed|recommended|wanted|required|safe))?\s+for\s+(?:an?\s+|the\s+)?"
    r"(?P<what>[a-z][a-z' -]{2,60}?)\s*(?=[.,;:()]|\s(?:or|and|with|in|if|when|because|during)\s|$)",
    re.I)
_LEADING = re.compile(r"^(?:most|some|any|your|people|adults|children|patients|someone)\s+", re.I)


def check_unlisted(sections: Sequence[CheckedSection], facts: Sequence[Fact]) -> list[Issue]:
    """Warnings for a count threshold "for X" that two documents state with different values.

    Only statements the fact table does not cover are compared, and only between documents (a
    document may give a range and a point in the same section on purpose).
    """
    by_what: dict[str, list[Statement]] = {}
    for sec in sections:
        for unit in sec.units:
            if any(_is_about(f, unit.text, sec.heading) and _values(f.value, unit.text) for f in facts):
                continue
            for m in _FOR_WHAT.finditer(unit.text):
                value = next(g for g in m.groups()[:3] if g is not None)
                what = _LEADING.sub("", re.sub(r"\s+", " ", m.group("what").lower().strip()))
                by_what.setdefault(what, []).append(Statement(sec.doc, sec.heading, unit.text, value))
    issues = []
    for what, found in sorted(by_what.items()):
        values = {numbers(s.value) for s in found}
        docs = {s.doc for s in found}
        if len(values) < 2 or len(docs) < 2:
            continue
        listing = "; ".join(sorted({f"{s.doc}: '{s.value}'" for s in found}))
        issues.append(Issue(sorted(docs)[0], "warning", (
            f"the count for '{what}' is stated with different values across documents ({listing}); "
            "pick one, and add it to qa/corpus/facts.yaml")))
    return issues
