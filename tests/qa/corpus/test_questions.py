"""The question bank is validated by `corpus check`: counts, real headings, no overlaps, no eval questions."""

from __future__ import annotations

from pathlib import Path

from qa.corpus.check import check_corpus
from qa.corpus.questions import eval_questions, normalize, validate_bank

HEADINGS = {"romiplostim": ["What is romiplostim?", "How is romiplostim given?"],
            "ivig": ["What is IVIG?"]}


def _phrasings(prefix: str, n: int) -> str:
    return "".join(f'    - "{prefix} {i}"\n' for i in range(n))


def _bank(folder: Path, files: dict[str, str]) -> Path:
    bank = folder / "questions"
    bank.mkdir(exist_ok=True)
    for name, text in files.items():
        (bank / name).write_text(text, encoding="utf-8")
    return bank


def _suites(folder: Path) -> Path:
    suites = folder / "eval" / "suites"
    (suites / "parts").mkdir(parents=True)
    (suites / "dev.yaml").write_text(
        "suite: dev\ninclude: [parts/a.yaml]\ncases:\n"
        "  - id: c1\n    turns: ['What is romiplostim?', '  How is it GIVEN? ']\n    kind: answer\n")
    (suites / "parts" / "a.yaml").write_text("- id: c2\n  turns: [\"is ivig safe\"]\n  kind: answer\n")
    return suites


def test_eval_questions_are_every_turn_of_every_case(tmp_path: Path) -> None:
    turns = eval_questions(_suites(tmp_path))
    assert set(turns) == {"what is romiplostim?", "how is it given?", "is ivig safe"}
    assert turns["is ivig safe"] == "eval/suites/parts/a.yaml: c2"
    assert eval_questions(tmp_path / "none") == {}


def test_normalize_ignores_case_and_whitespace() -> None:
    assert normalize(" What  is\nIVIG? ") == normalize("what is ivig?")


def test_a_good_bank_passes(tmp_path: Path) -> None:
    bank = _bank(tmp_path, {
        "romiplostim.yaml": ("doc: romiplostim\nsections:\n  'What is romiplostim?':\n" + _phrasings("what's nplate", 10)
                             + "  'How is romiplostim given?':\n" + _phrasings("nplate jab", 12)),
        "ivig.yaml": "doc: ivig\nsections:\n  'What is IVIG?':\n" + _phrasings("ivig drip", 10),
    })
    assert validate_bank(bank, HEADINGS, eval_questions(_suites(tmp_path))) == []


def test_each_bank_problem_is_reported_with_its_file(tmp_path: Path) -> None:
    bank = _bank(tmp_path, {
        "romiplostim.yaml": ("doc: romiplostim\nsections:\n  'What is romiplostim?':\n" + _phrasings("what's nplate", 7)
                             + '    - "What   is ROMIPLOSTIM?"\n    - "what\'s nplate 1"\n'
                             + "  'How is romiplostim given?':\n" + _phrasings("nplate jab", 10)
                             + '    - "WHAT\'S NPLATE 2"\n'
                             + "  'Who makes it?':\n" + _phrasings("maker", 10)),
        "ivig.yaml": "doc: ivig\nsections:\n  'What is IVIG?': not a list\n",
        "old-doc.yaml": "doc: old-doc\nsections:\n  'Gone?':\n" + _phrasings("x", 10),
        "misnamed.yaml": "doc: ivig\nsections: {}\n",
    })
    headings = {**HEADINGS, "avatrombopag": ["What is avatrombopag?"]}
    problems = validate_bank(bank, headings, eval_questions(_suites(tmp_path)))
    got = {(p.file, p.level, p.message) for p in problems}
    assert ("questions/romiplostim.yaml", "error",
            "'What   is ROMIPLOSTIM?' ('What is romiplostim?') is an eval-suite question "
            "(eval/suites/dev.yaml: c1); the bank must not hold eval questions") in got
    assert ("questions/romiplostim.yaml", "warning", "'what's nplate 1' is repeated under 'What is romiplostim?'") in got
    assert ("questions/romiplostim.yaml", "error",
            "'WHAT'S NPLATE 2' is under two sections: 'romiplostim#How is romiplostim given?' and "
            "'romiplostim#What is romiplostim?'") in got
    assert ("questions/romiplostim.yaml", "error", "'Who makes it?' is not a heading of romiplostim") in got
    assert ("questions/romiplostim.yaml", "error",
            "1 section(s) have fewer than 10 phrasings: 'What is romiplostim?' 8") in got
    assert ("questions/ivig.yaml", "error", "section 'What is IVIG?' needs a list of phrasings") in got
    assert ("questions/old-doc.yaml", "error", "doc 'old-doc' is not a document in the corpus") in got
    assert ("questions/misnamed.yaml", "error",
            "doc 'ivig' does not match the file name (expected questions/ivig.yaml)") in got
    assert ("questions/avatrombopag.yaml", "error", "no question bank for avatrombopag: write "
            "questions/avatrombopag.yaml with at least 10 phrasings for each of its 1 sections") in got
    # misnamed.yaml claims ivig, whose own file could not be read: its section has no phrasings
    assert ("questions/ivig.yaml", "error", "1 section(s) have fewer than 10 phrasings: 'What is IVIG?' 0") in got
    assert len(problems) == len(got) == 10, sorted(got)


def test_corpus_check_runs_the_bank_check(tmp_path: Path, write_doc) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_doc(corpus, "ivig", {"What is IVIG?": "IVIG is a drip made from donated blood."})
    _bank(corpus, {"ivig.yaml": "doc: ivig\nsections:\n  'What is IVIG?':\n" + _phrasings("ivig drip", 3)
                                + '    - "is IVIG safe"\n'})
    report = check_corpus(corpus, suites=_suites(tmp_path))
    bank = sorted(i.message for i in report.errors if i.doc == "questions/ivig.yaml")
    assert len(bank) == 2 and "fewer than 10 phrasings: 'What is IVIG?' 4" in bank[1]
    assert "eval-suite question (eval/suites/parts/a.yaml: c2)" in bank[0]
    write_doc(tmp_path, "no-bank", {"What is IVIG?": "IVIG is a drip made from donated blood."})
    assert not [i for i in check_corpus(tmp_path).issues if i.doc.startswith("questions/")]
