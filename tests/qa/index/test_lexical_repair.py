"""A damaged lexical cache is found and rebuilt from Chroma: on open, on a read, by ingest."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.index.ingest import Ingestor
from qa.index.lexical import cache_problem
from qa.index.lexical_files import remove_leftovers
from qa.index.reader import IndexReader, lexical_path
from qa.index.store import ChromaStore
from qa.settings import Settings

CORPUS = Path(__file__).resolve().parents[3] / "corpus"
DOCS = ["what-is-itp.md", "romiplostim.md"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """A small real index (Chroma + lexical file), built once; tests work on copies."""
    root = tmp_path_factory.mktemp("repair")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in DOCS:
        shutil.copy(CORPUS / name, corpus / name)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    Ingestor(settings, embedder=embedder).run()
    return settings


@pytest.fixture
def settings(built: Settings, tmp_path: Path) -> Settings:
    shutil.copytree(built.data_dir, tmp_path / "data")
    return built.model_copy(update={"data_dir": tmp_path / "data"})


def _lexical(settings: Settings) -> Path:
    info = ChromaStore(settings).active()
    assert info is not None
    return lexical_path(settings, info.generation)


def damage(path: Path, keep_mtime: bool = False) -> None:
    """Overwrite the middle half of the file, as a disk or a careless `dd` would."""
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(st.st_size // 4)
        fh.write(os.urandom(st.st_size // 2))
    if keep_mtime:  # bit rot: nothing on disk says the file changed
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _sqlite_check(path) != "ok"


def _sqlite_check(path: Path) -> str:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return str(conn.execute("PRAGMA quick_check").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)


def whole(path: Path) -> bool:
    return _sqlite_check(path) == "ok" and cache_problem(path, full=True) is None


def test_a_damaged_file_is_rebuilt_when_opened(settings: Settings, embedder) -> None:
    path = _lexical(settings)
    damage(path)
    assert cache_problem(path) is not None  # the stat changed: the checksum is compared
    reply = Assistant(settings, embedder=embedder).ask("Is ITP contagious?")
    assert reply.kind == "answer" and reply.citations  # not "database disk image is malformed"
    assert whole(path)


def test_a_read_that_finds_damage_waits_for_one_rebuild(settings: Settings, embedder, caplog) -> None:
    bot = Assistant(settings, embedder=embedder)
    assert bot.ask("Is ITP contagious?").kind == "answer"  # the file is open now
    path = _lexical(settings)
    damage(path, keep_mtime=True)
    assert cache_problem(path) is None  # opening would not see it: the reads must
    replies: list = []
    caplog.set_level(logging.WARNING, logger="qa")
    threads = [threading.Thread(target=lambda q=q: replies.append(bot.ask(q)))
               for q in ("Is ITP contagious?", "How is romiplostim given?", "What is ITP?")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert [r.kind for r in replies] == ["answer"] * 3
    assert whole(path)
    rebuilt = [r for r in caplog.records if "rebuilt from Chroma" in r.getMessage()]
    assert len(rebuilt) == 1


def test_ingest_of_an_unchanged_corpus_repairs_the_file(settings: Settings, embedder) -> None:
    path = _lexical(settings)
    damage(path, keep_mtime=True)
    summary = Ingestor(settings, embedder=embedder).run()
    assert summary.unchanged and summary.embedded == 0
    assert whole(path)


def test_ingest_of_a_changed_corpus_does_not_carry_damage_over(settings: Settings, embedder) -> None:
    damage(_lexical(settings), keep_mtime=True)
    extra = settings.corpus_dir / "ivig.md"
    shutil.copy(CORPUS / "ivig.md", extra)
    try:
        summary = Ingestor(settings, embedder=embedder).run()
    finally:
        extra.unlink()
    assert not summary.unchanged and summary.reused > 0
    assert whole(_lexical(settings))


def test_health_is_degraded_while_the_file_cannot_be_rebuilt(settings: Settings, embedder) -> None:
    reader = IndexReader(settings, recheck_seconds=0.0)
    assert reader.health().status == "ok"
    path = _lexical(settings)
    info = reader.store.active()
    assert info is not None
    # Chroma lost the generation's rows: nothing to rebuild the file from.
    reader.store.drop(info.generation)
    damage(path)
    health = reader.health()
    assert health.status == "degraded" and path.name in health.reason and "checksum" in health.reason
    if reader._repairing is not None:
        reader._repairing.join(timeout=120)
    health = reader.health()
    assert health.status == "degraded" and "could not be rebuilt" in health.reason


def test_health_recovers_once_the_file_is_rebuilt(settings: Settings) -> None:
    reader = IndexReader(settings, recheck_seconds=0.0)
    assert reader.health().status == "ok"
    path = _lexical(settings)
    damage(path)
    assert reader.health().status == "degraded"
    if reader._repairing is not None:
        reader._repairing.join(timeout=120)
    assert reader.health().status == "ok"
    assert whole(path)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_ingest_removes_leftovers_of_dead_builds_only(settings: Settings, embedder) -> None:
    index = settings.index_dir
    dead = _dead_pid()
    leftovers = [index / f"lexical-g1.{dead}.building", index / f"lexical-g1.{dead}.building-journal",
                 index / "lexical-g0.sqlite3.seal"]
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        kept = [index / f"lexical-g2.{live.pid}.building", index / f"lexical-g2.{live.pid}.building-journal"]
        for path in leftovers + kept:
            path.write_bytes(b"half a build")
        summary = Ingestor(settings, embedder=embedder).run()
        assert summary.unchanged
        assert not [p for p in leftovers if p.exists()]
        assert all(p.exists() for p in kept)  # another process may still be writing those
        assert remove_leftovers(index) == []
    finally:
        live.kill()
        live.wait()
    assert sorted(p.name for p in remove_leftovers(index)) == sorted(p.name for p in kept)
