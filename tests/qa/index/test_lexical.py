"""The SQLite lexical index: rows written by LexicalWriter, read and bm25-searched by LexicalIndex."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from qa.index.embedder import DIM
from qa.index.lexical import LexicalIndex, LexicalWriter, NewRow

TEXTS = {
    "c1": ("Romiplostim", "How is romiplostim given?",
           ["Romiplostim is given as an injection under the skin once a week.",
            "A nurse can teach you to give the injection at home."]),
    "c2": ("IVIG", "How is IVIG given?",
           ["IVIG is given through a drip into a vein.", "It takes a few hours."]),
    "c3": ("Bleeding", "What should I do about a nosebleed?",
           ["Sit up, lean forward and pinch the soft part of your nose.",
            "What is the most important thing is to stay calm."]),
}


def _row(cid: str, position: int = 0) -> NewRow:
    title, section, sentences = TEXTS[cid]
    rng = np.random.default_rng(position + len(cid))
    vec = rng.standard_normal(DIM).astype(np.float32)
    return NewRow(
        chunk_id=cid, doc_id=title.lower(), title=title, section=section, text=" ".join(sentences),
        source=f"{title.lower()}.md", url=f"https://example.org/{cid}", last_reviewed="2026-01-01",
        refs_json=json.dumps([{"title": "ASH 2019 guideline", "doi": "10.1182/x"}]),
        sentences=tuple(sentences), position=position, chunk_vec=vec, head_vec=-vec,
        sent_vecs=np.vstack([vec * (i + 1) / 10 for i in range(len(sentences))]),
        reviewed_by="project medical review",
    )


def _write(path: Path, rows: list[NewRow], base: Path | None = None,
           delete: tuple[str, ...] = ()) -> Path:
    writer = LexicalWriter(path, base=base)
    writer.delete(delete)
    writer.insert(rows)
    writer.set_info(generation=path.stem)
    return writer.commit()


@pytest.fixture
def index(tmp_path: Path) -> Iterator[LexicalIndex]:
    path = _write(tmp_path / "lexical-g1.sqlite3", [_row(c, i) for i, c in enumerate(TEXTS)])
    opened = LexicalIndex(path)
    yield opened
    opened.close()


def test_a_keyword_ranks_the_row_that_has_it_first(index: LexicalIndex) -> None:
    """Both rows say "given"; the one that also names romiplostim leads, scores positive, best first."""
    found = index.search("how often is romiplostim given?", 10)
    assert [cid for cid, _ in found][:1] == ["c1"]
    assert {cid for cid, _ in found} == {"c1", "c2"}
    scores = [score for _, score in found]
    assert all(s > 0 for s in scores) and scores == sorted(scores, reverse=True)
    assert [cid for cid, _ in index.search("nosebleeds", 10)] == ["c3"]  # porter stemming


def test_stop_words_alone_match_nothing(index: LexicalIndex) -> None:
    """c3 literally says "what is the", yet a query of stop words only finds no row."""
    assert index.search("What is the", 10) == []
    assert index.search("?!", 10) == []
    assert index.search("hepatitis", 10) == []


def test_rows_round_trip_passage_sentences_and_vectors(index: LexicalIndex) -> None:
    """What was written is what `rows` gives back (vectors at float16 precision)."""
    written = _row("c2", 1)
    rows = index.rows(["c2", "missing"])
    assert list(rows) == ["c2"]
    row = rows["c2"]
    assert row.sentences == written.sentences
    assert (row.passage.doc_id, row.passage.section, row.passage.text) == (
        "ivig", "How is IVIG given?", written.text)
    assert row.passage.reviewed_by == "project medical review"
    assert row.passage.references[0].doi == "10.1182/x"
    assert row.passage.n_sentences == 2 and row.sent_vecs.shape == (2, DIM)
    np.testing.assert_allclose(row.chunk_vec, written.chunk_vec, rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(row.head_vec, -written.chunk_vec, rtol=1e-2, atol=1e-2)
    assert index.info("generation") == "lexical-g1" and index.info("nothing") == ""


def test_counts_ids_sections_and_vocabulary(index: LexicalIndex) -> None:
    """The bookkeeping queries: row count, documents, a section's chunk ids, word frequencies."""
    assert index.count() == 3
    assert sorted(index.doc_ids()) == ["bleeding", "ivig", "romiplostim"]
    assert index.section_ids("ivig", "How is IVIG given?") == ["c2"]
    assert index.section_ids("ivig", "How is romiplostim given?") == []
    vocab = index.vocabulary()
    assert vocab["romiplostim"] == 3  # title, section and text of c1
    assert vocab["injection"] == 2


def test_deleted_rows_are_gone_from_search_rows_and_vocabulary(index: LexicalIndex, tmp_path: Path) -> None:
    """The next generation copies the file and deletes a row: gone there, still in the old file."""
    new = _write(tmp_path / "lexical-g2.sqlite3", [], base=index.path, delete=("c1",))
    after = LexicalIndex(new)
    try:
        assert after.search("romiplostim injection", 10) == []
        assert after.rows(["c1"]) == {}
        assert "romiplostim" not in after.vocabulary()
        assert after.count() == 2
        assert [cid for cid, _ in after.search("IVIG drip", 10)] == ["c2"]
    finally:
        after.close()
    assert [cid for cid, _ in index.search("romiplostim", 10)] == ["c1"]


def test_an_aborted_build_leaves_no_file(tmp_path: Path) -> None:
    """`abort` removes the temporary build file and never creates the target."""
    target = tmp_path / "lexical-g3.sqlite3"
    writer = LexicalWriter(target)
    writer.insert([_row("c1")])
    writer.abort()
    assert not target.exists() and not writer.tmp.exists()


def test_a_row_without_sentences_reads_back(tmp_path: Path) -> None:
    """A row written with no sentences (fetch_rows makes one when Chroma lost them) can be read."""
    empty = NewRow(**{**_row("c2").__dict__, "sentences": (), "sent_vecs": np.zeros((0, DIM), np.float32)})
    index = LexicalIndex(_write(tmp_path / "lexical-g4.sqlite3", [empty]))
    try:
        row = index.rows(["c2"])["c2"]
        assert row.sentences == () and row.sent_vecs.shape == (0, DIM)
    finally:
        index.close()
