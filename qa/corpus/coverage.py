"""The coverage map (`corpus/coverage.yaml`): what patients ask, and which section answers it.

Format (issue 17)::

    topics:
      - topic: the basics
        questions:
          - {q: "What exactly is ITP?", section: "what-is-itp#What is ITP?"}
          - {q: "Can I get ITP from my cat?", status: missing}
          - {q: "Should I stop my tablets?", status: out_of_scope, reply: "Ask your team ..."}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

COVERAGE_FILE = "coverage.yaml"
STATUSES = ("covered", "missing", "out_of_scope")


class CoverageError(ValueError):
    """The coverage map cannot be read at all."""


@dataclass(frozen=True)
class MappedQuestion:
    """One question of the map and where the library answers it."""

    q: str
    status: str  # "covered" (has a section), "missing" or "out_of_scope"
    section: str = ""  # "doc-id#Heading" when covered
    reply: str = ""  # what the assistant should say, when out of scope


@dataclass
class TopicCoverage:
    """The questions of one topic; a covered question whose section does not exist counts as missing."""

    topic: str
    questions: list[MappedQuestion] = field(default_factory=list)
    broken: set[int] = field(default_factory=set)  # indexes mapped to a section that does not exist

    @property
    def covered(self) -> int:
        return sum(q.status == "covered" and i not in self.broken for i, q in enumerate(self.questions))

    @property
    def out_of_scope(self) -> int:
        return sum(q.status == "out_of_scope" for q in self.questions)

    @property
    def missing(self) -> list[str]:
        return [q.q for i, q in enumerate(self.questions) if q.status == "missing" or i in self.broken]

    @property
    def share(self) -> float | None:
        """Covered / in-scope questions (out-of-scope questions are answered by their reply)."""
        in_scope = len(self.questions) - self.out_of_scope
        return self.covered / in_scope if in_scope else None


def load_coverage(path: Path) -> tuple[list[TopicCoverage], list[str]]:
    """The map's topics, and the problems of its entries (each a message naming topic and question).

    Raises:
        CoverageError: the file is not YAML or has no `topics` list.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CoverageError(f"{path.name} cannot be read ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise CoverageError(f"{path.name} needs `topics: [{{topic: ..., questions: [...]}}]`")
    topics: list[TopicCoverage] = []
    problems: list[str] = []
    for t, raw in enumerate(data["topics"], 1):
        if not isinstance(raw, dict) or not str(raw.get("topic") or "").strip():
            problems.append(f"topic {t} needs a `topic` name and a `questions` list")
            continue
        topic = TopicCoverage(str(raw["topic"]).strip())
        topics.append(topic)
        for n, item in enumerate(raw.get("questions") or [], 1):
            where = f"topic '{topic.topic}', question {n}"
            if not isinstance(item, dict) or not str(item.get("q") or "").strip():
                problems.append(f"{where} needs `q: \"...\"`")
                continue
            q = str(item["q"]).strip()
            section = str(item.get("section") or "").strip()
            status = str(item.get("status") or ("covered" if section else "")).strip()
            if status not in STATUSES:
                problems.append(f"{where} ('{q}') needs a `section`, or `status: missing` or `status: out_of_scope`")
                continue
            if section and status != "covered":
                problems.append(f"{where} ('{q}') has both a section and status {status}")
            reply = str(item.get("reply") or "").strip()
            if status == "out_of_scope" and not reply:
                problems.append(f"{where} ('{q}') is out of scope but gives no `reply`")
            topic.questions.append(MappedQuestion(q, status, section if status == "covered" else "", reply))
    return topics, problems


def check_sections(topics: list[TopicCoverage], headings: dict[str, list[str]]) -> list[str]:
    """Problems for mapped sections that do not exist (the question then counts as missing).

    Args:
        topics: from `load_coverage`.
        headings: per document id, the headings of its `##` sections.
    """
    problems = []
    for topic in topics:
        for i, q in enumerate(topic.questions):
            if q.status != "covered":
                continue
            doc, _, heading = q.section.partition("#")
            if doc not in headings:
                problem = f"no document '{doc}'"
            elif heading.strip() not in headings[doc]:
                problem = f"{doc} has no section '{heading.strip()}'" if heading.strip() else "no '#Heading'"
            else:
                continue
            topic.broken.add(i)
            problems.append(f"topic '{topic.topic}': '{q.q}' maps to '{q.section}', but {problem}")
    return problems


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f}%"


def coverage_table(topics: list[TopicCoverage]) -> str:
    """The table `itpqa corpus check --coverage` prints, with the missing questions after it.

    >>> t = TopicCoverage("basics", [MappedQuestion("What is ITP?", "covered", "what-is-itp#What is ITP?"),
    ...                              MappedQuestion("Is it from my cat?", "missing")])
    >>> print(coverage_table([t]).splitlines()[2])
    basics      2          1        50%            0
    """
    head = ("Topic", "Questions", "Covered", "Share covered", "Out of scope")
    total = TopicCoverage("All topics")
    for t in topics:
        total.broken |= {len(total.questions) + i for i in t.broken}
        total.questions += t.questions
    rows = [(t.topic, str(len(t.questions)), str(t.covered), _pct(t.share), str(t.out_of_scope))
            for t in [*topics, total]]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(head), line(tuple("-" * w for w in widths))]
    out += [line(r) for r in rows[:-1]] + [line(tuple("-" * w for w in widths)), line(rows[-1])]
    out.append("Share covered = covered / (questions - out of scope).")
    missing = [(t.topic, q) for t in topics for q in t.missing]
    if missing:
        out += ["", f"Missing questions ({len(missing)}):"]
        out += [f"  {topic}: {q}" for topic, q in missing]
    return "\n".join(out)
