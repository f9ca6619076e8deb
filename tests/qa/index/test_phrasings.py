"""Question-bank phrasings as index vectors (qa/index/phrasings.py), with real Chroma and the bundled embedder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from qa.corpus.questions import BankEntry
from qa.index import adapter
from qa.index.embedder import DIM
from qa.index.phrasings import (
    HELD_OUT_SHARE,
    KIND,
    Phrasing,
    bank_for,
    chunk_of,
    fit_and_save_adapter,
    fit_models,
    fit_order,
    indexed,
    phrasings_for,
    section_key,
    split_of,
    write,
)
from qa.index.store import ChromaStore
from qa.settings import Settings
from qa.types import Chunk
from tests.counted import Counted

CORPUS = Path(__file__).resolve().parents[3] / "corpus"
POOL = [f"how is question number {i} about platelets asked?" for i in range(40)]
TRAIN = [t for t in POOL if split_of(t) == "train"]
HELD_OUT = [t for t in POOL if split_of(t) == "held_out"]


@pytest.fixture
def store(tmp_path: Path) -> ChromaStore:
    return ChromaStore(Settings(data_dir=tmp_path / "data"))


def _chunk(chunk_id: str, doc_id: str, section: str) -> Chunk:
    return Chunk(chunk_id=chunk_id, doc_id=doc_id, title="T", section=section, text="x", sentences=("x",),
                 position=0)


def _phrasing(text: str, chunk_id: str) -> Phrasing:
    return Phrasing(f"{chunk_id}:q{hashlib.sha1(text.encode()).hexdigest()[:10]}", text, chunk_id, "doc")


def test_the_pool_has_both_splits() -> None:
    assert len(TRAIN) >= 3 and len(HELD_OUT) >= 1  # the tests below need both


def test_split_of_ignores_case_and_spacing() -> None:
    assert split_of("What is ITP?") == split_of("  what   is itp? ")
    assert {split_of(t) for t in POOL} == {"train", "held_out"}


def test_about_a_fifth_of_the_real_bank_is_held_out() -> None:
    texts = {p for entry in bank_for([CORPUS]) for p in entry.phrasings}
    assert len(texts) > 1000
    share = sum(split_of(t) == "held_out" for t in texts) / len(texts)
    assert abs(share - HELD_OUT_SHARE) < 0.03


@pytest.mark.parametrize(("section", "key"), [
    ("Treatments › Steroids ", "doc#Steroids"),
    ("A › B › What is it?", "doc#What is it?"),
    ("Overview", "doc#Overview"),
])
def test_section_key_uses_the_last_heading(section: str, key: str) -> None:
    assert section_key("doc", section) == key


def test_phrasings_for_keeps_train_phrasings_of_known_sections_pointing_at_the_first_chunk() -> None:
    chunks = [_chunk("c1", "doc", "Basics › Overview"), _chunk("c2", "doc", "Basics › Overview"),
              _chunk("c3", "doc", "Other")]
    bank = [
        BankEntry("doc", "Overview", (TRAIN[0], HELD_OUT[0], TRAIN[1], TRAIN[0]), "doc.yaml"),
        BankEntry("doc", "Not a section", (TRAIN[2],), "doc.yaml"),
        BankEntry("other-doc", "Other", (TRAIN[2],), "other.yaml"),
        BankEntry("doc", "Other", (TRAIN[0],), "doc.yaml"),
    ]
    found = phrasings_for(chunks, bank)
    assert found == [_phrasing(TRAIN[0], "c1"), _phrasing(TRAIN[1], "c1"), _phrasing(TRAIN[0], "c3")]
    assert [chunk_of(p.id) for p in found] == ["c1", "c1", "c3"]
    assert phrasings_for([], bank) == [] and phrasings_for(chunks, []) == []


def test_the_fit_order_follows_the_phrasings_not_their_chunk_ids() -> None:
    # Editing a section renames its chunk: every row must keep its place in the fit.
    before = ["aaa:q30", "zzz:q10", "mmm:q20"]
    after = ["aaa:q30", "bbb:q10", "mmm:q20"]  # the "zzz" section was edited
    assert fit_order(before) == fit_order(after) == [1, 2, 0]
    shuffled = [before[2], before[0], before[1]]  # Chroma may return rows in another order
    assert [shuffled[i] for i in fit_order(shuffled)] == [before[i] for i in fit_order(before)]


def test_chunk_of_strips_only_the_last_phrasing_suffix() -> None:
    assert chunk_of("abc123:q0123456789") == "abc123"
    assert chunk_of("a:qb:q0123456789") == "a:qb"
    assert chunk_of("no-suffix") == "no-suffix"


def test_bank_for_reads_the_questions_folder_of_each_directory(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    (folder / "questions").mkdir(parents=True)
    (folder / "questions" / "doc.yaml").write_text(
        "doc: doc\nsections:\n  Overview:\n    - What is ITP?\n    - '  '\n", encoding="utf-8")
    (tmp_path / "loose.md").write_text("# not a folder", encoding="utf-8")
    entries = bank_for([folder, tmp_path / "loose.md", tmp_path / "missing", tmp_path])
    assert [(e.key, e.phrasings) for e in entries] == [("doc#Overview", ("What is ITP?",))]


def test_write_embeds_each_text_once_and_indexed_reads_it_back(store: ChromaStore, embedder) -> None:
    embed = Counted(embedder)
    phrasings = [_phrasing(TRAIN[0], "c1"), _phrasing(TRAIN[1], "c1"), _phrasing(TRAIN[0], "c2")]
    assert write(store, "g1", None, phrasings, embed) == 2
    assert sorted(embed.texts) == sorted(TRAIN[:2])
    ids, vectors, chunks = indexed(store, "g1")
    assert sorted(ids) == sorted(p.id for p in phrasings)
    assert vectors.shape == (3, DIM) and [chunk_of(i) for i in ids] == chunks
    row = dict(zip(ids, vectors, strict=True))
    assert np.allclose(row[phrasings[0].id], embedder.embed_texts([TRAIN[0]])[0], atol=1e-5)
    assert np.allclose(row[phrasings[0].id], row[phrasings[2].id])


def test_a_new_generation_reuses_the_old_generations_vectors(store: ChromaStore, embedder) -> None:
    embed = Counted(embedder)
    write(store, "g1", None, [_phrasing(TRAIN[0], "c1"), _phrasing(TRAIN[1], "c2")], embed)
    embed.texts.clear()
    again = [_phrasing(TRAIN[0], "c1"), _phrasing(TRAIN[1], "c2"), _phrasing(TRAIN[2], "c2")]
    assert write(store, "g2", "g1", again, embed) == 1
    assert embed.texts == [TRAIN[2]]
    assert write(store, "g3", "never-made", again[:1], embed) == 1  # no old vectors: embed them all


def test_writing_no_phrasings_adds_no_collection(store: ChromaStore, embedder) -> None:
    embed = Counted(embedder)
    assert write(store, "g1", None, [], embed) == 0
    assert embed.texts == []
    with pytest.raises(Exception, match="does not exist"):
        store.all_ids("g1", KIND)


def _two_sections(store: ChromaStore, embedder) -> None:
    write(store, "g1", None, [_phrasing(TRAIN[0], "c1"), _phrasing(TRAIN[1], "c1"),
                              _phrasing(TRAIN[2], "c2"), _phrasing(HELD_OUT[0], "c2")], embedder.embed_texts)
    heads = ["What is ITP?", "How is ITP treated?"]
    store.add("g1", "headings", ["c1", "c2"], embedder.embed_texts(heads), heads,
              [{"doc_id": "doc"}, {"doc_id": "doc"}])


def test_the_adapter_is_fitted_and_saved_with_the_generations_phrasings(store: ChromaStore, embedder,
                                                                       tmp_path: Path) -> None:
    _two_sections(store, embedder)
    path = tmp_path / "adapter.npz"
    assert fit_and_save_adapter(store, "g1", path) is True
    saved = adapter.load(path, DIM)
    assert saved is not None and saved.matrix.shape == (DIM, DIM)
    assert sorted(saved.ids) == sorted(indexed(store, "g1")[0])
    assert saved.sections is not None and sorted(saved.sections.labels) == ["c1", "c2"]


def test_fewer_than_two_sections_fit_nothing(store: ChromaStore, embedder, tmp_path: Path) -> None:
    _two_sections(store, embedder)
    assert fit_models(store, "g1", leave_out=lambda pid: chunk_of(pid) == "c2") is None
    write(store, "g2", None, [_phrasing(TRAIN[0], "c1")], embedder.embed_texts)
    assert fit_and_save_adapter(store, "g2", tmp_path / "adapter.npz") is False
    assert not (tmp_path / "adapter.npz").exists()


def test_a_generation_without_a_bank_fits_no_adapter(store: ChromaStore, embedder, tmp_path: Path) -> None:
    store.add("g1", "headings", ["c1"], embedder.embed_texts(["What is ITP?"]), ["What is ITP?"], [{"doc_id": "doc"}])
    assert fit_and_save_adapter(store, "g1", tmp_path / "adapter.npz") is False
