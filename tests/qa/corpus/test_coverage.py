"""The coverage map: `itpqa corpus check --coverage` prints its table and checks every mapped section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.corpus.check import corpus
from qa.corpus.coverage import CoverageError, check_sections, coverage_table, load_coverage

MAP = """topics:
  - topic: basics
    questions:
      - q: "What is ITP?"
        section: "what-is-itp#What is ITP?"
      - q: "Is it catching?"
        section: "what-is-itp#Is ITP contagious?"
      - q: "Is ITP the same as haemophilia?"
        status: missing
      - q: "Should I stop my tablets?"
        status: out_of_scope
        reply: "Ask your hematology team before you stop any medicine."
  - topic: treatment
    questions:
      - q: "What is romiplostim?"
        section: "romiplostim#What is romiplostim?"
      - q: "Does the old page still exist?"
        section: "what-is-itp#A heading that was renamed"
"""
HEADINGS = {"what-is-itp": ["What is ITP?", "Is ITP contagious?"], "romiplostim": ["What is romiplostim?"]}


def _map(tmp_path: Path, text: str = MAP) -> Path:
    path = tmp_path / "coverage.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_counts_and_shares_by_hand(tmp_path: Path) -> None:
    topics, problems = load_coverage(_map(tmp_path))
    assert problems == []
    assert check_sections(topics, HEADINGS) == [
        "topic 'treatment': 'Does the old page still exist?' maps to 'what-is-itp#A heading that was "
        "renamed', but what-is-itp has no section 'A heading that was renamed'"]
    basics, treatment = topics
    assert (len(basics.questions), basics.covered, basics.out_of_scope) == (4, 2, 1)
    assert basics.share == pytest.approx(2 / 3)  # out of scope does not count against the library
    assert basics.missing == ["Is ITP the same as haemophilia?"]
    assert (treatment.covered, treatment.share, treatment.missing) == (1, 0.5, ["Does the old page still exist?"])
    table = coverage_table(topics).splitlines()
    assert table[0].split("  ")[0] == "Topic" and "Share covered" in table[0] and "Out of scope" in table[0]
    assert table[2].split() == ["basics", "4", "2", "67%", "1"]
    assert table[3].split() == ["treatment", "2", "1", "50%", "0"]
    assert table[5].split() == ["All", "topics", "6", "3", "60%", "1"]
    assert table[-3:] == ["Missing questions (2):", "  basics: Is ITP the same as haemophilia?",
                          "  treatment: Does the old page still exist?"]


def test_bad_entries_are_reported(tmp_path: Path) -> None:
    topics, problems = load_coverage(_map(tmp_path, """topics:
  - topic: basics
    questions:
      - q: "No mapping"
      - q: "Out of scope without a reply"
        status: out_of_scope
      - q: "Odd status"
        status: maybe
      - section: "what-is-itp#What is ITP?"
      - q: "Both"
        section: "what-is-itp#What is ITP?"
        status: missing
  - questions: []
"""))
    assert problems == [
        "topic 'basics', question 1 ('No mapping') needs a `section`, or `status: missing` or `status: out_of_scope`",
        "topic 'basics', question 2 ('Out of scope without a reply') is out of scope but gives no `reply`",
        "topic 'basics', question 3 ('Odd status') needs a `section`, or `status: missing` or `status: out_of_scope`",
        "topic 'basics', question 4 needs `q: \"...\"`",
        "topic 'basics', question 5 ('Both') has both a section and status missing",
        "topic 2 needs a `topic` name and a `questions` list",
    ]
    assert [q.q for q in topics[0].questions] == ["Out of scope without a reply", "Both"]
    assert check_sections(topics, {}) == []  # "Both" counts as missing, not as a mapping
    with pytest.raises(CoverageError, match="needs `topics"):
        load_coverage(_map(tmp_path, "questions: []\n"))


def test_cli_prints_the_table_and_fails_on_a_missing_section(tmp_path: Path, write_doc) -> None:
    write_doc(tmp_path, "what-is-itp", {"What is ITP?": "ITP is an immune condition.",
                                        "Is ITP contagious?": "ITP is not contagious."})
    write_doc(tmp_path, "romiplostim", {"What is romiplostim?": "Romiplostim is a weekly injection."})
    without = CliRunner().invoke(corpus, ["check", "--no-topics", "--coverage", str(tmp_path)])
    assert [ln for ln in without.output.splitlines() if "coverage" in ln.lower()] == [
        f"No coverage map: {tmp_path / 'coverage.yaml'} does not exist."]
    _map(tmp_path)
    plain = CliRunner().invoke(corpus, ["check", "--no-topics", str(tmp_path)])
    assert "Share covered" not in plain.output and "coverage.yaml" not in plain.output
    result = CliRunner().invoke(corpus, ["check", "--no-topics", "--coverage", str(tmp_path)])
    assert result.exit_code == 1
    assert "Share covered" in result.output and "Missing questions (2):" in result.output
    assert ("error: coverage.yaml: topic 'treatment': 'Does the old page still exist?' maps to "
            "'what-is-itp#A heading that was renamed'") in result.output
    as_json = CliRunner().invoke(corpus, ["check", "--json", "--coverage", str(tmp_path)])
    data = json.loads(as_json.output)
    assert data["coverage_map"][0] == {"topic": "basics", "questions": 4, "covered": 2, "share": 2 / 3,
                                       "out_of_scope": 1, "missing": ["Is ITP the same as haemophilia?"]}
