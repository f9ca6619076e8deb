"""The corpus as `itpqa corpus check` reads it: documents, sections, sentence units, and findings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.text.sentences import split_sentences

_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
# `split_sentences` reads the "L." of "x10^9/L." as an abbreviation and joins the next sentence on.
_AFTER_UNIT = re.compile(r"(?<=\^9/L\.)\s+(?=[A-Z])")


@dataclass
class Issue:
    """One finding about one document."""

    doc: str
    level: str  # "error" or "warning"
    message: str


@dataclass(frozen=True)
class Unit:
    """What a reader takes in as one statement: a sentence, or a list item with its lead-in.

    >>> [u.text for u in units("Signs include:\\n- Chest pain.\\n- Headache.")][1]
    'Signs include: Chest pain.'
    """

    text: str
    item: bool = False  # a bullet, read together with the sentence that introduces the list


@dataclass(frozen=True)
class CheckedSection:
    """A `##` section of a document: its own heading and its statements."""

    doc: str
    heading: str
    units: tuple[Unit, ...]

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.units)


def units(text: str) -> list[Unit]:
    """The statements of a section body, in order.

    A bullet is read with the sentence that introduces its list ("Call your team if you have:"),
    because the reader applies the lead-in to every item.
    """
    out: list[Unit] = []
    lead = ""
    for block in re.split(r"\n\s*\n", text):
        items: list[tuple[bool, str]] = []  # (is a bullet, text), continuation lines joined
        for line in (ln for ln in block.splitlines() if ln.strip()):
            if _BULLET.match(line) or not items:
                items.append((bool(_BULLET.match(line)), _BULLET.sub("", line).strip()))
            else:
                items[-1] = (items[-1][0], f"{items[-1][1]} {line.strip()}")
        for bullet, item in items:
            sentences = [p for s in split_sentences(item) for p in _AFTER_UNIT.split(s)]
            if bullet:
                out += [Unit(f"{lead} {s}" if lead else s, item=True) for s in sentences]
                continue
            out += [Unit(s) for s in sentences]
            if sentences:
                lead = sentences[-1] if sentences[-1].endswith(":") else ""
    return out


def checked_sections(doc: str, body: str) -> list[CheckedSection]:
    """The `##` sections of a Markdown body (front matter already removed), as statements."""
    from qa.corpus.loaders import markdown_sections

    _, secs = markdown_sections(body)
    return [CheckedSection(doc, s.headings[-1] if s.headings else "(no heading)", tuple(units(s.text)))
            for s in secs]
