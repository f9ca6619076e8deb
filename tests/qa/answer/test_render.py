"""The reply's "Sources:" block names each source's section, review date and reviewer."""

from __future__ import annotations

from qa.answer.render import source_lines
from qa.types import Citation


def _cite(n: int, reviewed: str = "", by: str = "", section: str = "Is ITP contagious?") -> Citation:
    return Citation(n=n, title="What is ITP?", source="what-is-itp.md", url="", section=section,
                    text="ITP is not contagious.", last_reviewed=reviewed, reviewed_by=by)


def test_source_lines_show_the_date_and_the_reviewer() -> None:
    text = source_lines([
        _cite(1, "2026-12-01", "project medical review, 2026-12"),
        _cite(2, "2026-11-21"),
        _cite(3, "2026-11-21", "Dr A. Smith"),
        _cite(4, "", "project medical review", section=""),
        _cite(5),
    ])
    assert text.splitlines() == [
        "Sources:",
        "[1] What is ITP? — Is ITP contagious? (reviewed 2026-12-01, project medical review)",
        "[2] What is ITP? — Is ITP contagious? (reviewed 2026-11-21)",
        "[3] What is ITP? — Is ITP contagious? (reviewed 2026-11-21, Dr A. Smith)",
        "[4] What is ITP? (reviewed by project medical review)",
        "[5] What is ITP? — Is ITP contagious?",
    ]
    assert source_lines([]) == ""


def test_a_reviewer_month_other_than_the_date_is_kept() -> None:
    line = source_lines([_cite(1, "2027-01-05", "project medical review, 2026-12")]).splitlines()[1]
    assert line.endswith("(reviewed 2027-01-05, project medical review, 2026-12)")


def test_the_api_dict_carries_reviewed_by() -> None:
    assert _cite(1, "2026-12-01", "project medical review, 2026-12").to_dict()["reviewed_by"] == (
        "project medical review, 2026-12")
