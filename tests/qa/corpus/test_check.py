"""`itpqa corpus check` catches each kind of problem, and the real library passes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from qa.corpus.check import check_corpus

CORPUS = Path(__file__).resolve().parents[3] / "corpus"
GOOD = """---
id: {id}
title: A page
summary: A short summary.
audience: [adults]
topics: [basics]
sources:
  - title: ASH 2019 guideline
    doi: "10.1182/bloodadvances.2019000966"
    year: 2019
last_reviewed: {reviewed}
---
# A page

## Is ITP contagious?
ITP is not contagious. You cannot catch ITP from another person.
"""


def _write(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.md").write_text(text)


def _messages(report) -> str:
    return "\n".join(f"{i.level}:{i.doc}:{i.message}" for i in report.issues)


def test_the_real_library_passes() -> None:
    report = check_corpus(CORPUS)
    assert report.documents >= 45
    assert not report.errors, _messages(report)
    assert all(report.coverage.values())


def test_each_problem_is_flagged(tmp_path: Path) -> None:
    today = dt.date(2026, 11, 21)
    _write(tmp_path, "good", GOOD.format(id="good", reviewed="2026-01-01"))
    _write(tmp_path, "stale", GOOD.format(id="stale", reviewed="2023-01-01"))
    _write(tmp_path, "wrong-id", GOOD.format(id="other", reviewed="2026-01-01"))
    _write(tmp_path, "no-refs", GOOD.format(id="no-refs", reviewed="2026-01-01").replace(
        '    doi: "10.1182/bloodadvances.2019000966"\n', ""))
    _write(tmp_path, "pronoun", GOOD.format(id="pronoun", reviewed="2026-01-01").replace(
        "ITP is not contagious.", "It is not contagious."))
    _write(tmp_path, "hard", GOOD.format(id="hard", reviewed="2026-01-01").replace(
        "ITP is not contagious. You cannot catch ITP from another person.",
        "Immune thrombocytopenia constitutes an autoimmune haematological abnormality characterised "
        "predominantly by antibody-mediated accelerated destruction and insufficient compensatory production."))
    _write(tmp_path, "broken", "---\ntitle: [oops\n---\n# x\n")
    report = check_corpus(tmp_path, today=today)
    text = _messages(report)
    assert "error:stale:last_reviewed 2023-01-01 is over 2 years old" in text
    assert "error:wrong-id:id 'other' does not match" in text
    assert "error:no-refs:source 1 needs a url, doi or pmid" in text
    assert "error:pronoun:section 'Is ITP contagious?' starts with 'It'" in text
    assert "error:hard:reading grade" in text
    assert "error:broken:the front matter is not valid YAML" in text
    assert "nearly repeats" in text  # good/stale/wrong-id share a section
    assert "no document covers: Megakaryocytes" in text
    assert not [i for i in report.errors if i.doc == "good"]


def test_cli_exit_codes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qa.corpus.check import corpus

    ok = CliRunner().invoke(corpus, ["check", str(CORPUS)])
    assert ok.exit_code == 0, ok.output
    assert "Megakaryocytes and platelet production" in ok.output
    shutil.copy(CORPUS / "what-is-itp.md", tmp_path / "what-is-itp.md")
    bad = CliRunner().invoke(corpus, ["check", str(tmp_path)])
    assert bad.exit_code == 1
    assert "MISSING" in bad.output


def _source(url: str, year: int = 2024) -> str:
    return f'  - title: "A label"\n    url: "{url}"\n    year: {year}\n'


def test_search_pages_and_api_queries_are_not_sources(tmp_path: Path, write_doc) -> None:
    section = {"Is ITP contagious?": "ITP is not contagious."}
    bad = {
        "search": "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=rituxan",
        "home": "https://dailymed.nlm.nih.gov/dailymed/",
        "query": "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?query=nplate",
        "openfda": "https://api.fda.gov/drug/label.json?search=openfda.brand_name:%22Nplate%22",
        "other-search": "https://example.org/find?search=eltrombopag",
    }
    for doc, url in bad.items():
        write_doc(tmp_path, doc, section, sources=_source(url))
    write_doc(tmp_path, "label", section, sources=_source(
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=7714a0ed-34bb-46e6-a0a5-b363908b22c2")
        + _source("https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=c45f9a58-37c1-4f76-8e36-97d38c577037"))
    write_doc(tmp_path, "homepage", section, sources=_source("https://www.example.org/")
              + _source("https://www.example.org?p=100256"))
    report = check_corpus(tmp_path, today=dt.date(2026, 12, 1))
    errors = {i.doc: i.message for i in report.errors if i.message.startswith("source ")}
    assert set(errors) == set(bad), errors
    assert "DailyMed search or home page" in errors["search"] and "setid" in errors["search"]
    assert "DailyMed search or home page" in errors["home"] and "DailyMed search or home page" in errors["query"]
    assert "openFDA API query" in errors["openfda"]
    assert "search query" in errors["other-search"]
    assert [i.message for i in report.warnings if i.doc == "homepage" and i.message.startswith("source")] == [
        "source 1 is a site's home page: cite the page that holds the facts: https://www.example.org/"]


def test_last_reviewed_must_not_predate_a_source(tmp_path: Path, write_doc) -> None:
    section = {"Is ITP contagious?": "ITP is not contagious."}
    label = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=7714a0ed-34bb-46e6-a0a5-b363908b22c2"
    write_doc(tmp_path, "old-review", section, sources=_source(label, 2025), reviewed="2024-06-01")
    write_doc(tmp_path, "same-year", section, sources=_source(label, 2025), reviewed="2025-01-02")
    report = check_corpus(tmp_path, today=dt.date(2026, 12, 1))
    assert [i.message for i in report.errors if i.doc == "old-review" and "older" in i.message] == [
        "last_reviewed 2024-06-01 is older than a source it lists (2025): review the document against it"]
    assert not [i for i in report.errors if i.doc == "same-year" and "older" in i.message]
