"""Ingest on real Chroma with the real embedder: idempotent, incremental, crash-safe, forgiving."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.index.embedder import Embedder
from qa.index.ingest import IngestError, Ingestor
from qa.index.reader import IndexReader, lexical_path
from qa.index.store import ChromaStore
from qa.settings import Settings

CORPUS = Path(__file__).resolve().parents[3] / "corpus"
DOCS = ["what-is-itp.md", "romiplostim.md", "medicines-to-avoid-with-itp.md"]


class CountingEmbedder(Embedder):
    """The real embedder, counting how many texts it embeds (and able to fail on demand)."""

    def __init__(self, real: Embedder, fail_after: int | None = None) -> None:
        super().__init__()
        self._real = real
        self.embedded = 0
        self.fail_after = fail_after

    def embed_texts(self, texts, batch_size=64, progress=None):
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise KeyboardInterrupt("simulated Ctrl-C mid-ingest")
        self.embedded += len(texts)
        return self._real.embed_texts(texts, batch_size=batch_size, progress=progress)

    def embed_query(self, text):
        return self._real.embed_query(text)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus)


def test_reingest_of_unchanged_corpus_embeds_nothing(settings: Settings, corpus: Path, embedder) -> None:
    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    assert first.documents == 3 and first.embedded == first.chunks > 0
    counting = CountingEmbedder(embedder)
    second = Ingestor(settings, embedder=counting).run()
    assert second.unchanged and counting.embedded == 0
    assert second.generation == first.generation
    assert "up to date" in second.line()


def test_changed_added_and_deleted_documents(settings: Settings, corpus: Path, embedder) -> None:
    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    doc = corpus / "romiplostim.md"
    doc.write_text(doc.read_text().replace(
        "Romiplostim is given once a week", "Romiplostim is usually given once a week"))
    (corpus / "what-is-itp.md").unlink()
    shutil.copy(CORPUS / "ivig.md", corpus / "ivig.md")
    counting = CountingEmbedder(embedder)
    second = Ingestor(settings, embedder=counting).run()
    assert second.documents == 3
    assert 0 < second.embedded < second.chunks  # only the changed section and the new document
    assert second.reused > 0 and second.removed > 0
    reader = IndexReader(settings, recheck_seconds=0)
    _, lexical = reader.current()
    assert set(lexical.doc_ids()) == {"romiplostim", "medicines-to-avoid-with-itp", "ivig"}
    # Old generations and their local files are cleaned up.
    store = ChromaStore(settings)
    assert store.generations() == [second.generation]
    assert not lexical_path(settings, first.generation).exists()
    bot = Assistant(settings, embedder=embedder, reader=reader)
    reply = bot.ask("How often is romiplostim given?")
    assert "usually given once a week" in reply.text


def test_interrupted_ingest_leaves_previous_index_usable(settings: Settings, corpus: Path, embedder) -> None:
    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    shutil.copy(CORPUS / "ivig.md", corpus / "ivig.md")
    with pytest.raises(KeyboardInterrupt):
        Ingestor(settings, embedder=CountingEmbedder(embedder, fail_after=1)).run()
    store = ChromaStore(settings)
    active = store.active()
    assert active is not None and active.generation == first.generation
    assert store.generations() == [first.generation]  # the half-built generation was dropped
    assert not list(settings.index_dir.glob("*.building"))
    reply = Assistant(settings, embedder=embedder).ask("Is ITP contagious?")
    assert reply.kind == "answer" and reply.citations


def test_bad_files_are_skipped_with_reasons(settings: Settings, corpus: Path, embedder) -> None:
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "junk.txt").write_bytes(bytes(range(256)) * 10)
    (corpus / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    summary = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    assert summary.documents == 3
    assert len(summary.errors) == 3
    assert "3 file(s) skipped" in summary.line()


def test_empty_corpus_is_refused_and_keeps_the_index(settings: Settings, corpus: Path, tmp_path: Path, embedder) -> None:
    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IngestError, match="no usable documents"):
        Ingestor(settings, embedder=CountingEmbedder(embedder)).run([empty])
    assert ChromaStore(settings).active().generation == first.generation


def test_second_writer_is_refused(settings: Settings, embedder) -> None:
    import fcntl

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / "ingest.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(IngestError, match="another ingest"):
            Ingestor(settings, embedder=CountingEmbedder(embedder)).run()


def test_saved_web_page_is_answerable(settings: Settings, tmp_path: Path, embedder) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "fixtures" / "saved_news_page.html", folder)
    Ingestor(settings, embedder=CountingEmbedder(embedder)).run([folder])
    reply = Assistant(settings, embedder=embedder).ask("what is a typical platelet count for adults?")
    assert reply.kind == "answer"
    assert "150 and 450" in reply.text
    assert reply.citations[0].url == "https://bloodhealth.example/itp/platelet-counts-explained/"
    assert "Related articles" not in reply.citations[0].text


def _downgrade(path: Path) -> None:
    """Make a lexical file look like one an older itp-qa wrote (no `words` table, version 0)."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE words")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()


def test_an_old_lexical_layout_is_rebuilt_not_read(settings: Settings, embedder) -> None:
    from qa.index.lexical import SCHEMA_VERSION, schema_current

    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    path = lexical_path(settings, first.generation)
    assert schema_current(path)
    _downgrade(path)
    assert not schema_current(path)
    reply = Assistant(settings, embedder=embedder).ask("Is ITP contagious?")
    assert reply.kind == "answer" and reply.citations  # not "no such table: words"
    assert schema_current(path)
    import sqlite3

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == first.chunks
    conn.close()


def test_reingest_restores_a_lost_or_old_lexical_file_without_embedding(settings: Settings, embedder) -> None:
    from qa.index.lexical import schema_current

    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    path = lexical_path(settings, first.generation)
    path.unlink()
    counting = CountingEmbedder(embedder)
    again = Ingestor(settings, embedder=counting).run()
    assert again.unchanged and counting.embedded == 0 and schema_current(path)
    _downgrade(path)
    assert Ingestor(settings, embedder=counting).run().unchanged and schema_current(path)


def test_an_old_layout_is_not_carried_into_the_next_generation(settings: Settings, corpus: Path, embedder) -> None:
    import sqlite3

    from qa.index.lexical import schema_current

    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    _downgrade(lexical_path(settings, first.generation))
    (corpus / "romiplostim.md").write_text((corpus / "romiplostim.md").read_text() + "\n\nOne more line.\n")
    second = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    path = lexical_path(settings, second.generation)
    assert second.generation != first.generation and schema_current(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == second.chunks
    assert conn.execute("SELECT COUNT(*) FROM words").fetchone()[0] > 100
    conn.close()


def test_reviewed_by_reaches_the_passages_and_survives_a_rebuild_from_chroma(
        settings: Settings, corpus: Path, embedder) -> None:
    from qa.corpus.loaders import load_file
    from qa.index.lexical import LexicalIndex

    reviewed = {d: load_file(corpus / d, corpus).reviewed_by for d in DOCS}
    (corpus / "unreviewed.md").write_text(
        "---\nid: unreviewed\ntitle: Unreviewed\nlast_reviewed: 2026-01-02\n---\n# Unreviewed\n\n"
        "## Is ITP contagious?\nITP is not contagious.\n")
    reviewed["unreviewed.md"] = ""
    first = Ingestor(settings, embedder=CountingEmbedder(embedder)).run()
    path = lexical_path(settings, first.generation)

    def by_doc() -> dict[str, set[str]]:
        index = LexicalIndex(path)
        try:
            ids = [cid for cid, _ in index.search("ITP platelets romiplostim aspirin contagious", 500)]
            return {f"{r.passage.doc_id}.md": {r.passage.reviewed_by} for r in index.rows(ids).values()}
        finally:
            index.close()

    expected = {d: {r} for d, r in reviewed.items()}
    assert any(r for r in reviewed.values())  # the library documents carry reviewed_by
    assert by_doc() == expected
    path.unlink()  # the next ingest rebuilds the local file from Chroma's metadata
    assert Ingestor(settings, embedder=CountingEmbedder(embedder)).run().unchanged
    assert by_doc() == expected
