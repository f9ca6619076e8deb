"""The query adapter: fitted on the question bank at ingest, read by the search, never required."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.index import adapter
from qa.index.adapter import PhrasingMatcher
from qa.index.ingest import Ingestor
from qa.index.reader import adapter_path
from qa.settings import Settings
from qa.understanding.retrieve import HybridSearch

CORPUS = Path(__file__).resolve().parents[3] / "corpus"
DOCS = ["what-is-itp", "romiplostim", "medicines-to-avoid-with-itp"]


def _points(rng: np.random.Generator, centres: np.ndarray, per: int) -> tuple[np.ndarray, np.ndarray]:
    """Sections told apart by 8 dims, under 24 dims of as loud noise that carries no label."""
    labels = np.repeat(np.arange(len(centres)), per)
    signal = centres[labels] + 0.3 * rng.normal(size=(len(labels), centres.shape[1]))
    noise = rng.normal(size=(len(labels), 24))
    x = np.hstack([signal, noise]).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), labels


def _nearest_accuracy(train: np.ndarray, ytr: np.ndarray, test: np.ndarray, yte: np.ndarray) -> float:
    return float((ytr[np.argmax(test @ train.T, axis=1)] == yte).mean())


def test_the_adapter_learns_which_directions_tell_sections_apart() -> None:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(32, 8))
    xtr, ytr = _points(rng, centres, 10)
    xte, yte = _points(rng, centres, 3)  # unseen points of the same sections
    # A small set needs more passes than the real bank (32 sections make batches of 32).
    matrix = adapter.fit(xtr, [str(y) for y in ytr], {**adapter.CONFIG, "epochs": 300, "lr": 1e-2})
    before = _nearest_accuracy(xtr, ytr, xte, yte)
    after = _nearest_accuracy(adapter.adapt(xtr, matrix), ytr, adapter.adapt(xte, matrix), yte)
    assert before < 0.5 and after > 0.8, (before, after)


def test_the_saved_adapter_is_the_mean_of_several_seeds_fits_and_still_learns() -> None:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(32, 8))
    xtr, ytr = _points(rng, centres, 10)
    xte, yte = _points(rng, centres, 3)
    labels = [str(y) for y in ytr]
    config = {**adapter.CONFIG, "epochs": 300, "lr": 1e-2}
    fits = [adapter.fit(xtr, labels, {**config, "seed": s}) for s in (0, 1, 2)]
    assert not np.allclose(fits[0], fits[1])  # the seed alone moves the fit
    matrix = adapter.fit_averaged(xtr, labels, (0, 1, 2), config)
    assert matrix.dtype == np.float32 and np.allclose(matrix, np.mean(fits, axis=0), atol=1e-6)
    after = _nearest_accuracy(adapter.adapt(xtr, matrix), ytr, adapter.adapt(xte, matrix), yte)
    assert after > 0.8, after
    with pytest.raises(ValueError):
        adapter.fit_averaged(xtr, labels, ())


def test_a_matcher_ranks_phrasings_in_adapted_space() -> None:
    vectors = np.eye(4, dtype=np.float32)
    swap = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32)
    matcher = PhrasingMatcher.build(["a", "b", "c", "d"], vectors, swap)
    # The map swaps the first two directions for phrasings and question alike: "a" still wins.
    found = matcher.query(np.array([1, 0, 0, 0], dtype=np.float32), 2)
    assert found[0] == ("a", pytest.approx(1.0)) and found[1][1] == pytest.approx(0.0)
    skew = np.array([[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32)
    skewed = PhrasingMatcher.build(["a", "b", "c", "d"], vectors, skew).query(
        np.array([0, 1, 0, 0], dtype=np.float32), 1)
    assert skewed[0][0] == "b" and skewed[0][1] == pytest.approx(1.0)


def test_an_unreadable_or_wrong_adapter_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "adapter-g1.npz"
    assert adapter.load(path, 4) is None  # none yet
    vectors = np.eye(4, dtype=np.float32)[:2]
    adapter.save(path, np.eye(4), ["g1-c1:qa", "g1-c2:qb"], vectors)
    saved = adapter.load(path, 4)
    assert saved is not None and np.array_equal(saved.matrix, np.eye(4, dtype=np.float32))
    assert saved.ids == ("g1-c1:qa", "g1-c2:qb") and np.array_equal(saved.vectors, vectors)
    assert adapter.load(path, 8) is None  # another model's size
    adapter.save(path, np.eye(4), ["only one id"], vectors)  # phrasings that do not add up
    broken = adapter.load(path, 4)
    assert broken is not None and broken.ids == () and broken.vectors is None  # the matrix still serves
    adapter.save(path, np.full((4, 4), np.nan))
    assert adapter.load(path, 4) is None
    path.write_bytes(b"\x00garbage")
    assert adapter.load(path, 4) is None
    assert not list(tmp_path.glob(".*.tmp"))  # saving leaves no temp files behind


def test_the_section_model_weighs_all_of_a_sections_phrasings() -> None:
    rng = np.random.default_rng(2)
    centres = rng.normal(size=(12, 8))
    xtr, ytr = _points(rng, centres, 12)
    xte, yte = _points(rng, centres, 4)
    model = adapter.fit_sections(xtr, [f"c{y}" for y in ytr])
    assert model is not None and model.valid(xtr.shape[1]) and len(model.labels) == 12
    picks = [max((p := model.proba(x)), key=p.__getitem__) for x in xte]
    accuracy = float(np.mean([pick == f"c{y}" for pick, y in zip(picks, yte, strict=True)]))
    # It beats the nearest single phrasing, which one noisy neighbour can mislead.
    assert accuracy > _nearest_accuracy(xtr, ytr, xte, yte) + 0.2, accuracy
    assert sum(model.proba(xte[0]).values()) == pytest.approx(1.0)
    assert adapter.fit_sections(xtr, ["one"] * len(xtr)) is None  # one section: nothing to choose
    two = adapter.fit_sections(xtr[:24], ["a"] * 12 + ["b"] * 12)  # sklearn's binary case
    assert two is not None and two.weights.shape == (2, xtr.shape[1]) and two.valid(xtr.shape[1])


def test_the_section_model_is_saved_with_the_adapter_and_a_broken_one_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "adapter-g1-v2.npz"
    model = adapter.SectionModel(("g1-c1", "g1-c2"), np.eye(2, 4, dtype=np.float32),
                                 np.zeros(2, dtype=np.float32))
    adapter.save(path, np.eye(4), ["g1-c1:qa"], np.eye(4, dtype=np.float32)[:1], sections=model)
    saved = adapter.load(path, 4)
    assert saved is not None and saved.sections is not None
    assert saved.sections.labels == model.labels and np.array_equal(saved.sections.weights, model.weights)
    matcher = PhrasingMatcher.build(saved.ids, saved.vectors, saved.matrix, saved.sections)
    proba = matcher.section_proba(np.array([1, 0, 0, 0], dtype=np.float32))
    assert max(proba, key=proba.__getitem__) == "g1-c1"
    bad = adapter.SectionModel(("g1-c1", "g1-c2"), np.full((2, 4), np.nan, dtype=np.float32),
                               np.zeros(2, dtype=np.float32))
    adapter.save(path, np.eye(4), sections=bad)
    kept = adapter.load(path, 4)
    assert kept is not None and kept.sections is None  # the matrix still serves
    assert PhrasingMatcher.build([], np.zeros((0, 4)), np.eye(4)).section_proba(np.ones(4)) == {}


@pytest.fixture
def banked(tmp_path: Path) -> Settings:
    """Three real documents with their real question banks, indexed into a temp folder."""
    folder = tmp_path / "corpus"
    (folder / "questions").mkdir(parents=True)
    for doc in DOCS:
        shutil.copy(CORPUS / f"{doc}.md", folder / f"{doc}.md")
        shutil.copy(CORPUS / "questions" / f"{doc}.yaml", folder / "questions" / f"{doc}.yaml")
    return Settings(data_dir=tmp_path / "data", corpus_dir=folder)


def test_ingest_fits_the_adapter_and_the_search_uses_it(banked: Settings, embedder) -> None:
    summary = Ingestor(banked, embedder=embedder).run()
    path = adapter_path(banked, summary.generation)
    assert path.exists()
    bot = Assistant(settings=banked)
    bot.warm_up()
    matcher = bot.search.matcher(summary.generation)
    assert matcher is not None and len(matcher.ids) > 20
    # The search's phrasing matches are the adapted ones.
    q = embedder.embed_query("what is nplate")
    assert bot.search._phrasing_hits(q)[:5] == matcher.query(q, bot.search.candidates * 3)[:5]
    # The phrasings came from the adapter file, exactly as the index holds them.
    from qa.index.phrasings import chunk_of, indexed
    ids, vectors, _ = indexed(bot.reader.store, summary.generation)
    assert set(matcher.ids) == set(ids) and len(matcher.ids) == len(ids)
    row = {pid: i for i, pid in enumerate(ids)}
    expected = adapter.adapt(vectors[[row[pid] for pid in matcher.ids]], matcher.matrix)
    assert np.allclose(matcher.vectors, expected, atol=1e-6)
    # The section model came with it, over the sections that have phrasings, and the search's
    # hits carry its probabilities.
    assert matcher.sections is not None and set(matcher.sections.labels) <= {chunk_of(p) for p in ids}
    hits = bot.search.search("what is nplate", k=3)
    assert all(0.0 <= h.section <= 1.0 for h in hits) and max(h.section for h in hits) > 0.0
    # A changed corpus makes a new generation; the old adapter file goes with the old generation.
    (banked.corpus_dir / "what-is-itp.md").write_text(
        (banked.corpus_dir / "what-is-itp.md").read_text(encoding="utf-8") + "\nOne more line.\n",
        encoding="utf-8")
    again = Ingestor(banked, embedder=embedder).run()
    assert again.generation != summary.generation
    assert adapter_path(banked, again.generation).exists() and not path.exists()


def test_an_unchanged_corpus_refits_an_older_layouts_adapter_and_drops_the_old_file(
        banked: Settings, embedder) -> None:
    summary = Ingestor(banked, embedder=embedder).run()
    path = adapter_path(banked, summary.generation)
    older = path.with_name(f"adapter-{summary.generation}-v2.npz")
    path.rename(older)
    again = Ingestor(banked, embedder=embedder).run()
    assert again.unchanged and again.generation == summary.generation
    assert path.exists() and not older.exists()


def test_a_missing_adapter_is_fitted_in_the_background_while_phrasings_match_unadapted(
        banked: Settings, embedder) -> None:
    summary = Ingestor(banked, embedder=embedder).run()
    path = adapter_path(banked, summary.generation)
    path.unlink()
    bot = Assistant(settings=banked)
    search = HybridSearch(bot.reader, embedder, banked.candidates)
    assert search.matcher(summary.generation) is None  # not there yet: Chroma's plain cosine
    assert search.search("what is romiplostim?", k=3)  # and answers go on meanwhile
    deadline = time.monotonic() + 120
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.exists()
    assert search.matcher(summary.generation) is not None
