"""ChromaStore on real embedded Chroma in a temp dir: generations, the pointer, add/get/query."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index.embedder import DIM
from qa.index.store import ChromaStore
from qa.settings import Settings


def _unit(*axes: int) -> np.ndarray:
    """One L2-normalised row per axis: a vector pointing along that axis of the embedding space."""
    vecs = np.zeros((len(axes), DIM), dtype=np.float32)
    for row, axis in enumerate(axes):
        vecs[row, axis] = 1.0
    return vecs


@pytest.fixture
def store(tmp_path: Path) -> ChromaStore:
    return ChromaStore(Settings(data_dir=tmp_path / "data"))


def _fill(store: ChromaStore, generation: str) -> None:
    store.add(generation, "chunks", ["a", "b", "c"], _unit(0, 1, 2), ["alpha", "beta", "gamma"],
              [{"doc_id": "d1", "position": 0}, {"doc_id": "d1", "position": 1},
               {"doc_id": "d2", "position": 0}])


def test_a_fresh_store_has_no_active_generation_and_none_listed(store: ChromaStore) -> None:
    """Nothing ingested: no pointer, no generations, and the Chroma files live in the data dir."""
    assert store.active() is None
    assert store.generations() == []
    assert store.settings.chroma_dir.is_dir()


def test_new_generations_are_unique_and_listed_once_they_hold_collections(store: ChromaStore) -> None:
    """A generation name alone creates nothing; its first `add` makes it one of `generations()`."""
    first, second = store.new_generation(), store.new_generation()
    assert first != second and first.startswith("g") and second.startswith("g")
    assert store.generations() == []
    _fill(store, first)
    store.add(second, "headings", ["a"], _unit(3), ["alpha heading"], [{"doc_id": "d1"}])
    assert store.generations() == sorted([first, second])


def test_activate_moves_the_pointer_and_survives_a_new_client(store: ChromaStore) -> None:
    """`activate` is what `active()` reads back, in this and in any other process's store."""
    old, new = store.new_generation(), store.new_generation()
    _fill(store, old)
    _fill(store, new)
    store.activate(old, "fp-old", chunks=3, documents=2)
    first = store.active()
    assert first is not None and first.generation == old
    store.activate(new, "fp-new", chunks=3, documents=2)
    info = ChromaStore(store.settings).active()
    assert info is not None
    assert (info.generation, info.fingerprint, info.chunks, info.documents) == (new, "fp-new", 3, 2)
    assert info.built_at


def test_add_then_get_and_all_ids_round_trip(store: ChromaStore) -> None:
    """What was added comes back by id: vectors, texts and metadata, every id listed once."""
    gen = store.new_generation()
    _fill(store, gen)
    assert sorted(store.all_ids(gen, "chunks")) == ["a", "b", "c"]
    records = store.get(gen, "chunks", ["c", "a"])
    assert sorted(records.ids) == ["a", "c"]
    assert records.embeddings.shape == (2, DIM)
    by_id = {cid: k for k, cid in enumerate(records.ids)}
    np.testing.assert_allclose(records.embeddings[by_id["a"]], _unit(0)[0], atol=1e-6)
    np.testing.assert_allclose(records.embeddings[by_id["c"]], _unit(2)[0], atol=1e-6)
    assert records.documents[by_id["c"]] == "gamma"
    assert records.metadatas[by_id["c"]] == {"doc_id": "d2", "position": 0}


def test_query_returns_the_nearest_row_first_with_its_cosine(store: ChromaStore) -> None:
    """A vector close to b's axis finds b first (cosine near 1), the orthogonal rows after it."""
    gen = store.new_generation()
    _fill(store, gen)
    near_b = np.zeros(DIM, dtype=np.float32)
    near_b[1], near_b[0] = 0.95, 0.31
    near_b /= np.linalg.norm(near_b)
    found = store.query(gen, near_b, n=3)
    assert [cid for cid, _ in found] == ["b", "a", "c"]
    assert found[0][1] == pytest.approx(0.95, abs=1e-3)
    assert found[2][1] == pytest.approx(0.0, abs=1e-3)


def test_a_dropped_generation_is_gone_and_the_others_stay(store: ChromaStore) -> None:
    """`drop` deletes every collection of one generation (twice is harmless); others keep theirs."""
    keep, gone = store.new_generation(), store.new_generation()
    _fill(store, keep)
    _fill(store, gone)
    store.drop(gone)
    store.drop(gone)
    assert store.generations() == [keep]
    with pytest.raises(Exception, match="does not exist") as raised:
        store.get(gone, "chunks", ["a"])
    assert type(raised.value).__name__ == "NotFoundError"  # what IndexReader.dense follows
    assert sorted(ChromaStore(store.settings).all_ids(keep, "chunks")) == ["a", "b", "c"]


def test_a_longer_prefix_sharing_the_store_is_not_taken_for_a_generation(tmp_path: Path) -> None:
    """Two deployments on one Chroma ('itpqa' and 'itpqa-staging') each see only their own generations."""
    main = ChromaStore(Settings(data_dir=tmp_path / "data", collection="itpqa"))
    staging = ChromaStore(Settings(data_dir=tmp_path / "data", collection="itpqa-staging"))
    _fill(staging, staging.new_generation())
    assert main.generations() == []
