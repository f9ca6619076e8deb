"""IndexReader over no index and over the session's real index; chunk metadata to lexical rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.index.embedder import DIM
from qa.index.reader import IndexMissing, IndexReader, chunk_metadata_to_row, lexical_path
from qa.index.store import ChromaStore
from qa.settings import Settings


def test_an_empty_data_dir_has_no_index(tmp_path: Path) -> None:
    """Nothing ingested: reads raise IndexMissing, and health says unavailable (not degraded)."""
    reader = IndexReader(Settings(data_dir=tmp_path / "empty"))
    with pytest.raises(IndexMissing, match="itpqa ingest"):
        reader.current()
    with pytest.raises(IndexMissing):
        reader.dense(np.ones(DIM, dtype=np.float32) / np.sqrt(DIM), 3)
    health = reader.health()
    assert health.status == "unavailable" and "itpqa ingest" in health.reason


def test_current_opens_the_active_generation(built_settings: Settings) -> None:
    """`current()` is the generation the store points at, with its own lexical file of every chunk."""
    active = ChromaStore(built_settings).active()
    assert active is not None
    info, lexical = IndexReader(built_settings, recheck_seconds=0).current()
    assert info.generation == active.generation
    assert lexical.path == lexical_path(built_settings, info.generation)
    assert lexical.count() == info.chunks > 0
    assert len(lexical.doc_ids()) == info.documents > 0


def test_dense_finds_the_passage_and_the_heading_asked_about(built_settings: Settings, embedder) -> None:
    """Nearest passages and headings: ids of the lexical file, best first, the asked section on top."""
    reader = IndexReader(built_settings, recheck_seconds=0)
    vector = embedder.embed_query("Is ITP contagious?")
    _, lexical = reader.current()
    for kind in ("chunks", "headings"):
        found = reader.dense(vector, 5, kind=kind)
        assert len(found) == 5
        sims = [sim for _, sim in found]
        assert sims == sorted(sims, reverse=True) and -1.0 <= sims[-1] <= sims[0] <= 1.0
        rows = lexical.rows([cid for cid, _ in found])
        assert set(rows) == {cid for cid, _ in found}
        top = rows[found[0][0]]
        assert "contagious" in f"{top.passage.section} {top.passage.text}".lower()
        own = top.chunk_vec if kind == "chunks" else top.head_vec  # what that collection embeds
        assert float(own @ vector) == pytest.approx(found[0][1], abs=0.01)


def test_health_of_the_built_index_is_ok(built_settings: Settings) -> None:
    """A whole index with a sealed lexical file reports ok and names its generation."""
    reader = IndexReader(built_settings, recheck_seconds=0)
    health = reader.health()
    assert (health.status, health.reason) == ("ok", "")
    assert health.generation == reader.current()[0].generation


def test_chunk_metadata_becomes_a_lexical_row() -> None:
    """Chroma metadata fills the row's fields; what is missing gets the empty default."""
    vec = np.zeros(DIM, dtype=np.float32)
    refs = json.dumps([{"title": "ASH 2019 guideline"}])
    meta = {"doc_id": "romiplostim", "title": "Romiplostim", "section": "What is it?",
            "source": "romiplostim.md", "url": "https://example.org", "last_reviewed": "2026-01-01",
            "refs": refs, "position": 4, "reviewed_by": "medical review"}
    row = chunk_metadata_to_row("c1", "Text.", meta, vec, vec, ["Text."], vec[None, :])
    assert (row.chunk_id, row.doc_id, row.title, row.section, row.text) == (
        "c1", "romiplostim", "Romiplostim", "What is it?", "Text.")
    assert (row.source, row.url, row.last_reviewed, row.refs_json) == (
        "romiplostim.md", "https://example.org", "2026-01-01", refs)
    assert (row.position, row.reviewed_by, row.sentences) == (4, "medical review", ("Text.",))
    bare = chunk_metadata_to_row("c2", "Other.", {}, vec, vec, [], np.zeros((0, DIM)))
    assert (bare.doc_id, bare.title, bare.url, bare.refs_json, bare.position, bare.reviewed_by) == (
        "", "", "", "[]", 0, "")
