"""Feedback storage and export: the reply, question and sources; nothing about the person."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from qa.cli import main
from ui.feedback import FeedbackStore

SOURCES = [{"n": 1, "doc_id": "what-is-itp", "title": "What is ITP?", "section": "Is ITP contagious?"}]


def test_rate_change_and_take_back(tmp_path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.rate("r1", "up", "Is ITP contagious?", "ITP is not contagious. [1]", "answer", SOURCES)
    store.rate("r1", "down", "Is ITP contagious?", "ITP is not contagious. [1]", "answer", SOURCES)
    store.rate("r2", "up", "What is ITP?", "ITP is ...", "answer", [], surface="embed")
    rows = list(store.rows())
    assert [(r.reply_id, r.rating, r.surface) for r in rows] == [("r1", "down", "chat"), ("r2", "up", "embed")]
    assert rows[0].sources == SOURCES
    store.rate("r2", None, "", "", "", [])
    assert [r.reply_id for r in store.rows()] == ["r1"]


def test_no_personal_columns(tmp_path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.rate("r1", "up", "q", "a", "answer", [])
    with sqlite3.connect(tmp_path / "fb.sqlite3") as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
    assert columns == {"reply_id", "rating", "question", "reply", "kind", "sources", "surface", "created"}


def test_bad_rating_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="rating"):
        FeedbackStore(tmp_path / "fb.sqlite3").rate("r1", "meh", "q", "a", "answer", [])  # type: ignore[arg-type]


def test_export_formats(tmp_path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    assert store.export("csv").startswith("reply_id,")
    store.rate("r1", "up", "Is ITP, \"really\", contagious?", "No.\nReally. [1]", "answer", SOURCES)
    rows = list(csv.DictReader(io.StringIO(store.export("csv"))))
    assert rows[0]["question"] == 'Is ITP, "really", contagious?' and json.loads(rows[0]["sources"]) == SOURCES
    line = json.loads(store.export("jsonl"))
    assert line["rating"] == "up" and line["reply"] == "No.\nReally. [1]"


def test_cli_export(tmp_path, monkeypatch) -> None:
    from qa.settings import get_settings

    store = FeedbackStore(get_settings().feedback_db)  # the autouse fixture points it at tmp_path
    store.rate("r1", "down", "What is ITP?", "ITP is ...", "answer", SOURCES)
    result = CliRunner().invoke(main, ["feedback", "export", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip())["rating"] == "down"
    out = tmp_path / "fb.csv"
    result = CliRunner().invoke(main, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0 and "1 ratings" in result.output
    assert out.read_text().count("\n") == 2
    assert CliRunner().invoke(main, ["feedback", "export", "--format", "xml"]).exit_code == 2


@pytest.mark.parametrize("damage", ["folder", "not-a-database"])
def test_export_of_an_unusable_store_is_one_clean_line(tmp_path, damage: str) -> None:
    from qa.settings import get_settings

    db = get_settings().feedback_db
    db.parent.mkdir(parents=True, exist_ok=True)
    if damage == "folder":
        db.mkdir()
    else:
        db.write_bytes(b"this is not SQLite " * 100)
    result = CliRunner().invoke(main, ["feedback", "export"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the feedback store"), result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output


def test_a_store_that_cannot_be_written_says_so(tmp_path) -> None:
    from ui.feedback import FeedbackUnavailable

    (tmp_path / "fb.sqlite3").mkdir()
    with pytest.raises(FeedbackUnavailable, match="cannot be used"):
        FeedbackStore(tmp_path / "fb.sqlite3").rate("r1", "up", "q", "a", "answer", [])
