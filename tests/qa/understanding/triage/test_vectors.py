"""The triage embedding cache (qa/understanding/triage/vectors.py), with the real bundled embedder."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from qa.index.embedder import DIM
from qa.understanding.triage.vectors import VectorCache
from tests.counted import Counted


@pytest.fixture
def counted(embedder) -> Counted:
    return Counted(embedder)


TEXTS = ["my son hit his head", "is itp contagious?", "Thrombozytopenie – Blutplättchen 🙂"]


def test_vectors_are_the_embedders_and_each_text_is_embedded_once(counted: Counted) -> None:
    with VectorCache(None, counted) as embed:
        first = embed([TEXTS[0], TEXTS[1], TEXTS[0]])
        again = embed(TEXTS)
    assert first.shape == (3, DIM) and first.dtype == np.float32
    assert np.array_equal(first[0], first[2])
    assert np.allclose(again, counted.embedder.embed_texts(TEXTS), atol=1e-5)
    assert counted.texts == [TEXTS[0], TEXTS[1], TEXTS[2]]


def test_no_texts_embed_nothing(counted: Counted, tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    cache = VectorCache(path, counted)
    with cache as embed:
        assert embed([]).shape == (0, DIM)
    assert counted.texts == [] and cache.embedded == 0
    assert not path.exists()  # nothing used: nothing saved


def test_a_saved_cache_is_reused_by_the_next_run(counted: Counted, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "vectors.npz"
    with VectorCache(path, counted) as embed:
        before = embed(TEXTS)
    assert path.exists() and not list(path.parent.glob("*.tmp*"))
    again = VectorCache(path, counted)
    with again as embed:
        after = embed(list(reversed(TEXTS)))
    assert again.embedded == 0 and len(counted.texts) == 3
    assert np.array_equal(after, before[::-1])


def test_the_file_keeps_only_what_the_last_run_asked_for(counted: Counted, tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    with VectorCache(path, counted) as embed:
        embed(TEXTS[:2])
    with VectorCache(path, counted) as embed:
        embed(TEXTS[:1])
    with np.load(path) as data:
        assert len(data["keys"]) == 1 and data["vectors"].shape == (1, DIM)
    third = VectorCache(path, counted)
    with third as embed:
        embed(TEXTS[:2])
    assert third.embedded == 1 and counted.texts[-1] == TEXTS[1]


def test_the_file_holds_hashes_not_the_texts(counted: Counted, tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    with VectorCache(path, counted) as embed:
        embed(TEXTS)
    with np.load(path) as data:
        keys = [str(k) for k in data["keys"]]
    assert len(keys) == 3 and all(len(k) == 40 and set(k) <= set("0123456789abcdef") for k in keys)
    assert not any(t.encode() in path.read_bytes() for t in TEXTS)


def test_an_error_inside_the_block_saves_nothing(counted: Counted, tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    with pytest.raises(RuntimeError, match="fit failed"), VectorCache(path, counted) as embed:
        embed(TEXTS[:1])
        raise RuntimeError("fit failed")
    assert not path.exists()


def _rebuilt(path: Path, counted: Counted, caplog: pytest.LogCaptureFixture) -> None:
    cache = VectorCache(path, counted)
    with caplog.at_level(logging.WARNING, logger="qa"), cache as embed:
        embed(TEXTS[:1])
    assert "unreadable" in caplog.text and cache.embedded == 1
    with np.load(path) as data:
        assert len(data["keys"]) == 1


def test_an_unreadable_cache_is_rebuilt_with_a_warning(counted: Counted, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "vectors.npz"
    path.write_bytes(b"not an npz file")
    _rebuilt(path, counted, caplog)


@pytest.mark.parametrize("cut", ["empty", "truncated"])
def test_an_empty_or_truncated_cache_is_rebuilt_with_a_warning(counted: Counted, tmp_path: Path, cut: str,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "vectors.npz"
    np.savez(path, keys=np.array(["0" * 40]), vectors=np.zeros((1, DIM), np.float32))
    whole = path.read_bytes()
    path.write_bytes(b"" if cut == "empty" else whole[: len(whole) // 2])
    _rebuilt(path, counted, caplog)


def test_a_cache_missing_its_arrays_is_rebuilt(counted: Counted, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "vectors.npz"
    np.savez(path, other=np.zeros(3))
    cache = VectorCache(path, counted)
    with caplog.at_level(logging.WARNING, logger="qa"), cache as embed:
        embed(TEXTS[:1])
    assert "unreadable" in caplog.text and cache.embedded == 1


def test_an_unwritable_cache_only_warns(counted: Counted, tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="qa"), VectorCache(blocker / "vectors.npz", counted) as embed:
        assert embed(TEXTS[:1]).shape == (1, DIM)
    assert "not saved" in caplog.text
