"""Suite files: the development suite loads, and malformed files fail at the right line."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.suite import KINDS, SuiteError, load_suite, unknown_docs

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "eval" / "suites" / "dev.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dev_suite_covers_every_kind_and_topic() -> None:
    suite = load_suite(DEV)
    assert suite.name == "dev"
    assert len(suite.cases) >= 120
    kinds = {c.kind for c in suite.cases}
    assert kinds == set(KINDS)
    for kind in KINDS:
        assert sum(c.kind == kind for c in suite.cases) >= 5, kind
    assert sum(len(c.turns) > 1 for c in suite.cases) >= 15  # follow-ups
    assert any(len(c.question) > 2000 for c in suite.cases)  # over the length limit
    assert any(len(c.question) <= 12 for c in suite.cases)  # very short
    tags = set(suite.tags)
    assert {"basics", "symptoms", "treatment", "living", "gaps", "typo", "prompt-injection"} <= tags
    assert len(suite.files) == 10  # dev.yaml, its five part files and four of coverage cases


def test_dev_suite_expects_only_real_documents() -> None:
    suite = load_suite(DEV)
    corpus = [p.stem for p in (REPO / "corpus").glob("*.md")]
    assert unknown_docs(suite, corpus) == []


def test_cases_keep_their_source_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "- id: a\n  turns: [hi]\n  kind: answer\n\n- id: b\n  turns: [yo]\n  kind: decline\n")
    suite = load_suite(path)
    assert [c.source for c in suite.cases] == [f"{path}:1", f"{path}:5"]
    assert suite.name == "s"


def test_a_bare_string_fact_is_one_phrasing(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "- id: a\n  turns: [hi]\n  kind: answer\n  facts: [x, [y, z]]\n")
    assert load_suite(path).cases[0].facts == (("x",), ("y", "z"))


def test_select_by_tag(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "- {id: a, turns: [q], kind: answer, tags: [One]}\n"
                                     "- {id: b, turns: [q], kind: answer, tags: [two]}\n")
    suite = load_suite(path)
    assert [c.id for c in suite.select(["one"]).cases] == ["a"]
    assert suite.select([]).cases == suite.cases


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("- id: a\n  turns: [hi]\n  kind: answr\n", 3, "kind must be one of"),
        ("- id: a\n  turns: [hi]\n  kind: answer\n  fact: [x]\n", 4, "unknown key 'fact'"),
        ("- id: a\n  kind: answer\n", 1, "missing required key 'turns'"),
        ("- id: a\n  turns: []\n  kind: answer\n", 2, "at least one user message"),
        ("- id: a\n  turns: hi\n  kind: answer\n", 2, "turns must be a list"),
        ("- id: a\n  turns: [hi]\n  kind: answer\n  facts: [[]]\n", 4, "at least one phrasing"),
        ("- id: a b\n  turns: [hi]\n  kind: answer\n", 1, "id may only hold"),
        ("- id: a\n  turns: [hi]\n  kind: answer\n  kind: urgent\n", 4, "duplicate key 'kind'"),
        ("- id: a\n  turns: [hi\n  kind: answer\n", 3, "invalid YAML"),
        ("- id: a\n  turns: [hi]\n  kind: answer\n- id: a\n  turns: [yo]\n  kind: answer\n", 4,
         "duplicate case id 'a'"),
        ("suite: x\ncases:\n  - id: a\n    turns: [hi]\n    kind: answer\n    docs: ['a b']\n", 6,
         "'doc-id' or 'doc-id#Section'"),
        ("suite: x\nextra: 1\n", 2, "unknown top-level key 'extra'"),
        ("suite: x\ninclude: [missing.yaml]\n", 2, "included file not found"),
        ("- id: a\n  turns: [null]\n  kind: answer\n", 2, "must be text"),
    ],
)
def test_malformed_suites_name_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(SuiteError, match=message) as info:
        load_suite(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_includes_and_cycles(tmp_path: Path) -> None:
    write(tmp_path, "part.yaml", "- {id: p, turns: [q], kind: answer}\n")
    main = write(tmp_path, "main.yaml", "suite: m\ninclude: [part.yaml]\ncases:\n  - {id: m, turns: [q], kind: urgent}\n")
    assert [c.id for c in load_suite(main).cases] == ["p", "m"]
    write(tmp_path, "a.yaml", "include: [b.yaml]\n")
    write(tmp_path, "b.yaml", "include: [a.yaml]\n")
    with pytest.raises(SuiteError, match="include cycle"):
        load_suite(tmp_path / "a.yaml")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="not found"):
        load_suite(tmp_path / "nope.yaml")
    with pytest.raises(SuiteError, match="empty"):
        load_suite(write(tmp_path, "e.yaml", "# nothing\n"))
    with pytest.raises(SuiteError, match="no cases"):
        load_suite(write(tmp_path, "n.yaml", "suite: n\ncases: []\n"))
