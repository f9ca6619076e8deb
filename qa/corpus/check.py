"""`itpqa corpus check`: front matter, references, reading grade, stand-alone sections, duplicates,
contradictions (qa/corpus/facts.yaml, emergency instructions), the question bank, coverage."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click

from qa.corpus.coverage import (
    COVERAGE_FILE,
    CoverageError,
    TopicCoverage,
    check_sections,
    coverage_table,
    load_coverage,
)
from qa.corpus.emergency import check_emergencies
from qa.corpus.facts import check_facts, check_unlisted, load_facts
from qa.corpus.loaders import LoadError, markdown_sections, split_front_matter
from qa.corpus.questions import EVAL_SUITES, eval_questions, validate_bank
from qa.corpus.text import CheckedSection, Issue, checked_sections
from qa.text.readability import markdown_body_text, reading_grade
from qa.text.sentences import split_sentences

MAX_GRADE = 9.0
STALE_DAYS = 730
DUPLICATE_JACCARD = 0.5
REQUIRED_FIELDS = ("id", "title", "summary", "audience", "topics", "sources", "last_reviewed")
# A first sentence that leans on text before it cannot be quoted alone.
_LEANING = re.compile(r"^(this|that|these|those|it|its|they|them|their|such|also|however|but|and|so|then|he|she)\b", re.I)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_URL = re.compile(r"^https?://[^\s/$.?#].\S*$")
# Query parameters of search pages ("?query=rituxan", "?search=openfda...", "?term=").
_SEARCH_PARAMS = {"query", "search", "q", "term", "searchterm", "keyword", "keywords"}

# The topic map patients need (issue: "The ITP library"), matched against ids, topics and headings.
TOPIC_MAP: dict[str, str] = {
    "What ITP is": r"what is itp",
    "Names (immune thrombocytopenia vs idiopathic thrombocytopenic purpura)": r"idiopathic|name",
    "Not cancer": r"cancer",
    "Not contagious": r"contagious",
    "Not usually inherited": r"inherit|genetic",
    "How common / who gets it": r"how common|who gets|more likely",
    "Primary vs secondary": r"primary|secondary",
    "Infections (HIV, hepatitis C, H. pylori, chickenpox)": r"infection|pylori|hepatitis|hiv",
    "Medicines (drug-induced ITP)": r"drug-induced|medicine.*(cause|trigger|lower)",
    "Vaccines": r"vaccin",
    "Other autoimmune diseases and blood cancers": r"lupus|autoimmune|evans|lymphoma|cll|other condition",
    "Pregnancy as a trigger or setting": r"pregnan",
    "Lifestyle (alcohol, smoking)": r"alcohol|smok",
    "Autoantibodies, spleen, T cells": r"antibod|spleen|t cells|immune system",
    "Megakaryocytes and platelet production": r"megakaryocyte",
    "Thrombopoietin": r"thrombopoietin|tpo",
    "Symptoms": r"symptom",
    "Petechiae and purpura": r"petechiae|purpura",
    "Bruising": r"bruis",
    "Nose and gum bleeding": r"nosebleed|gum",
    "Heavy periods": r"period",
    "Blood in urine or stool": r"urine|stool",
    "Fatigue": r"fatigue|tired",
    "What the numbers mean": r"platelet count|count mean|normal",
    "Diagnosis (blood count, smear, exclusion)": r"diagnos",
    "Tests for secondary causes": r"tests? .*recommended|other tests|secondary causes",
    "Bone marrow test": r"bone marrow",
    "Phases (newly diagnosed, persistent, chronic)": r"persistent|chronic|newly diagnosed|phase",
    "When no treatment is needed": r"watch|need treatment|observation",
    "Corticosteroids": r"steroid|prednisone|dexamethasone",
    "IVIG": r"ivig|immunoglobulin",
    "Anti-D": r"anti-d",
    "Eltrombopag (food and calcium timing)": r"eltrombopag",
    "Romiplostim": r"romiplostim",
    "Avatrombopag": r"avatrombopag",
    "Rituximab": r"rituximab",
    "Splenectomy (vaccines, infection risk)": r"splenectomy|spleen removed",
    "Fostamatinib": r"fostamatinib",
    "Rilzabrutinib": r"rilzabrutinib",
    "Emergency treatment and platelet transfusion": r"transfusion|emergency treatment|serious bleeding",
    "How treatment choices are made": r"choose|decision",
    "Children and teenagers": r"child|teen",
    "School and sports": r"school|sport",
    "Gestational thrombocytopenia, epidural, delivery, the baby": r"gestational|epidural|newborn|baby",
    "Medicines to avoid (aspirin, NSAIDs, supplements)": r"aspirin|ibuprofen|nsaid|supplement",
    "Pain relief": r"pain",
    "Dental work": r"dental|dentist",
    "Surgery": r"surgery",
    "Travel and medical ID": r"travel|medical id",
    "Mental health": r"emotional|anxious|worry|mood|mental",
    "Diet myths": r"diet|food",
    "Urgent warning signs": r"urgent|emergency",
    "Outlook": r"outlook|go away|remission|normal life",
}


@dataclass
class CheckReport:
    """Everything `corpus check` found."""

    documents: int = 0
    issues: list[Issue] = field(default_factory=list)
    grades: dict[str, float] = field(default_factory=dict)
    coverage: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, list[str]] = field(default_factory=dict)  # per document, its headings

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "errors": len(self.errors), "warnings": len(self.warnings),
                "issues": [asdict(i) for i in self.issues], "grades": self.grades, "coverage": self.coverage}


def _check_sources(doc: str, sources: Any, report: CheckReport) -> None:
    if not isinstance(sources, list) or not sources:
        report.issues.append(Issue(doc, "error", "front matter 'sources' must be a non-empty list"))
        return
    for i, src in enumerate(sources, 1):
        if not isinstance(src, dict):
            report.issues.append(Issue(doc, "error", f"source {i} must be a mapping with title, year and url/doi/pmid"))
            continue
        if not str(src.get("title") or "").strip():
            report.issues.append(Issue(doc, "error", f"source {i} has no title"))
        if not re.fullmatch(r"(19|20)\d\d", str(src.get("year") or "")):
            report.issues.append(Issue(doc, "error", f"source {i} needs a four-digit year"))
        url, doi, pmid = (str(src.get(k) or "").strip() for k in ("url", "doi", "pmid"))
        if not (url or doi or pmid):
            report.issues.append(Issue(doc, "error", f"source {i} needs a url, doi or pmid"))
        if url and not _URL.match(url):
            report.issues.append(Issue(doc, "error", f"source {i} url is not an http(s) URL: {url}"))
        elif url:
            for level, problem in _url_problems(url):
                report.issues.append(Issue(doc, level, f"source {i} {problem}: {url}"))
        if doi and not _DOI.match(doi):
            report.issues.append(Issue(doc, "error", f"source {i} doi looks wrong: {doi}"))
        if pmid and not pmid.isdigit():
            report.issues.append(Issue(doc, "error", f"source {i} pmid must be digits: {pmid}"))


def _url_problems(url: str) -> list[tuple[str, str]]:
    """What is wrong with a source URL as a citation: search pages, home pages, API queries."""
    parts = urlsplit(url)
    host, path = parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/")
    params = {k.lower() for k in parse_qs(parts.query, keep_blank_values=True)}
    if host == "dailymed.nlm.nih.gov":
        if "setid" not in params:
            return [("error", "is a DailyMed search or home page, not a label: cite the label's setid page "
                              "(dailymed/drugInfo.cfm?setid=...)")]
        return []
    if host.endswith("api.fda.gov") or host.endswith("open.fda.gov") or "openfda" in url.lower():
        return [("error", "is an openFDA API query (machine JSON, not a readable label): cite the "
                          "DailyMed setid page or the FDA label PDF")]
    if params & _SEARCH_PARAMS:
        return [("error", "is a search query, not a page that holds the fact")]
    if not path and not parts.query:  # "?p=100256" names a page of the site
        return [("warning", "is a site's home page: cite the page that holds the facts")]
    return []


def _check_review_date(doc: str, date: dt.date, sources: Any, report: CheckReport) -> None:
    years = [int(s["year"]) for s in sources or [] if isinstance(s, dict)
             and re.fullmatch(r"(19|20)\d\d", str(s.get("year") or ""))]
    if years and date.year < max(years):
        report.issues.append(Issue(doc, "error", f"last_reviewed {date} is older than a source it lists "
                                                 f"({max(years)}): review the document against it"))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def check_corpus(folder: Path, today: dt.date | None = None, suites: Path | None = None) -> CheckReport:
    """Check every Markdown document in `folder`, and its question bank (`folder/questions`).

    Args:
        folder: the corpus folder.
        today: the date staleness is measured from (default: today).
        suites: the eval suites no bank phrasing may repeat (default: the repo's eval/suites).
    Returns:
        The report; `errors` make the command exit non-zero.
    """
    today = today or dt.date.today()
    report = CheckReport()
    checked: list[CheckedSection] = []
    sections: list[tuple[str, str, set[tuple[str, ...]]]] = []
    haystacks: dict[str, str] = {}
    files = sorted(p for p in folder.glob("*.md") if not p.name.startswith(("_", ".")))
    report.documents = len(files)
    for path in files:
        doc = path.stem
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            meta, body = split_front_matter(path, text)
        except LoadError as exc:
            report.issues.append(Issue(doc, "error", exc.message))
            continue
        for key in REQUIRED_FIELDS:
            if not meta.get(key):
                report.issues.append(Issue(doc, "error", f"front matter is missing '{key}'"))
        if meta.get("id") and meta["id"] != doc:
            report.issues.append(Issue(doc, "error", f"id '{meta['id']}' does not match the file name"))
        _check_sources(doc, meta.get("sources"), report)
        reviewed = meta.get("last_reviewed")
        if reviewed:
            try:
                date = reviewed if isinstance(reviewed, dt.date) else dt.date.fromisoformat(str(reviewed))
            except ValueError:
                report.issues.append(Issue(doc, "error", f"last_reviewed is not a date: {reviewed}"))
            else:
                _check_review_date(doc, date, meta.get("sources"), report)
                if date > today:
                    report.issues.append(Issue(doc, "error", f"last_reviewed {date} is in the future"))
                elif (today - date).days > STALE_DAYS:
                    report.issues.append(Issue(doc, "error", f"last_reviewed {date} is over 2 years old: review it"))
        grade = reading_grade(markdown_body_text(text))
        report.grades[doc] = round(grade, 1)
        if grade > MAX_GRADE:
            report.issues.append(Issue(doc, "error", f"reading grade {grade:.1f} is above {MAX_GRADE:g}"))
        _, secs = markdown_sections(body)
        checked += checked_sections(doc, body)
        if not secs:
            report.issues.append(Issue(doc, "error", "no sections with body text"))
        headings = []
        for sec in secs:
            heading = sec.headings[-1] if sec.headings else "(no heading)"
            headings.append(heading)
            first = next(iter(split_sentences(sec.text)), "")
            if _LEANING.match(first):
                report.issues.append(Issue(doc, "error", f"section '{heading}' starts with '{first.split()[0]}': "
                                                         "its first sentence must stand alone"))
            if len(sec.text) > 1000:
                report.issues.append(Issue(doc, "warning", f"section '{heading}' is long ({len(sec.text)} chars)"))
            sections.append((doc, heading, _shingles(sec.text)))
        topics = " ".join(str(t) for t in meta.get("topics") or [])
        haystacks[doc] = f"{doc.replace('-', ' ')} {topics.replace('-', ' ')} {' '.join(headings)}".lower()
    for i, (doc_a, head_a, sh_a) in enumerate(sections):
        for doc_b, head_b, sh_b in sections[i + 1 :]:
            if doc_a == doc_b or not sh_a or not sh_b:
                continue
            jaccard = len(sh_a & sh_b) / len(sh_a | sh_b)
            if jaccard >= DUPLICATE_JACCARD:
                report.issues.append(Issue(doc_a, "warning", f"section '{head_a}' nearly repeats "
                                                            f"{doc_b} › '{head_b}' ({jaccard:.0%} shared)"))
    for part in checked:
        report.sections.setdefault(part.doc, []).append(part.heading)
    for doc in report.grades:  # a document whose sections could not be read has none
        report.sections.setdefault(doc, [])
    bank = folder / "questions"
    if bank.is_dir():
        turns = eval_questions(suites or EVAL_SUITES)
        report.issues += [Issue(p.file, p.level, p.message) for p in validate_bank(bank, report.sections, turns)]
    # One fact, one value (issue 11): quantities and emergency instructions agree everywhere.
    facts = load_facts()
    report.issues += check_facts(checked, facts) + check_unlisted(checked, facts) + check_emergencies(checked)
    for topic, pattern in TOPIC_MAP.items():
        rx = re.compile(pattern, re.I)
        report.coverage[topic] = [d for d, hay in haystacks.items() if rx.search(hay)]
        if not report.coverage[topic]:
            report.issues.append(Issue("(corpus)", "error", f"no document covers: {topic}"))
    return report


@click.group()
def corpus() -> None:
    """Check the ITP library in corpus/."""


def check_coverage_map(folder: Path, report: CheckReport) -> list[TopicCoverage] | None:
    """Read `folder/coverage.yaml` (None when there is none); its problems become errors of `report`."""
    path = folder / COVERAGE_FILE
    if not path.is_file():
        return None
    try:
        topics, problems = load_coverage(path)
    except CoverageError as exc:
        report.issues.append(Issue(COVERAGE_FILE, "error", str(exc)))
        return []
    problems += check_sections(topics, report.sections)
    report.issues += [Issue(COVERAGE_FILE, "error", p) for p in problems]
    return topics


@corpus.command("check")
@click.argument("folder", required=False, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--topics/--no-topics", default=True, help="Print the table of topics every library must cover.")
@click.option("--coverage", is_flag=True,
              help="Read coverage.yaml: print its table (covered share, missing questions) and check that "
                   "every mapped section exists.")
def check(folder: Path | None, as_json: bool, topics: bool, coverage: bool) -> None:
    """Validate front matter, sources, reading grade, stand-alone sections, duplicates, contradictions
    (qa/corpus/facts.yaml, emergency instructions), the question bank and the topic map.

    Exits 1 when there are errors (warnings alone exit 0).

    \b
    Examples:
      itpqa corpus check
      itpqa corpus check --coverage      # also the coverage map, corpus/coverage.yaml
      itpqa corpus check --json > corpus-report.json
    """
    from qa.settings import get_settings

    folder = folder or get_settings().corpus_dir
    report = check_corpus(folder)
    mapped = check_coverage_map(folder, report) if coverage else None
    if as_json:
        data = report.to_dict()
        if coverage:
            data["coverage_map"] = None if mapped is None else [
                {"topic": t.topic, "questions": len(t.questions), "covered": t.covered, "share": t.share,
                 "out_of_scope": t.out_of_scope, "missing": t.missing} for t in mapped]
        click.echo(json.dumps(data, indent=2))
    else:
        if topics:
            width = max(len(t) for t in report.coverage)
            click.echo(f"{'Topic':{width}}  Documents")
            for topic, docs in report.coverage.items():
                click.echo(f"{topic:{width}}  {', '.join(docs[:4]) + (' …' if len(docs) > 4 else '') or 'MISSING'}")
            click.echo("")
        if coverage:
            if mapped is None:
                click.echo(f"No coverage map: {folder / COVERAGE_FILE} does not exist.")
            elif mapped:
                click.echo(coverage_table(mapped))
            click.echo("")
        for issue in report.issues:
            click.echo(f"{issue.level}: {issue.doc}: {issue.message}", err=issue.level == "error")
        worst = max(report.grades.items(), key=lambda kv: kv[1], default=("-", 0.0))
        click.echo(f"{report.documents} documents, {len(report.errors)} errors, {len(report.warnings)} warnings; "
                   f"highest reading grade {worst[1]} ({worst[0]})")
    if report.errors:
        raise SystemExit(1)
