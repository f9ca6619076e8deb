"""`itpqa ingest`: load, chunk, embed only what changed, build a new generation, then swap."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.corpus.chunking import chunk_documents
from qa.corpus.loaders import LoadError, discover, load_file
from qa.index.embedder import Embedder, shared_embedder
from qa.index.lexical import LexicalWriter, NewRow
from qa.index.lexical_files import remove_leftovers, seal_path
from qa.index.phrasings import Phrasing, bank_for, fit_and_save_adapter, phrasings_for
from qa.index.phrasings import write as write_phrasings
from qa.index.reader import adapter_path, ensure_local_cache, fetch_rows, lexical_path
from qa.index.store import ChromaStore
from qa.settings import Settings
from qa.types import Chunk, Document

log = logging.getLogger(__name__)


class IngestError(RuntimeError):
    """Ingest could not run; the previous index is untouched."""


@dataclass
class IngestSummary:
    """What one ingest did."""

    files: int = 0
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks embedded now
    reused: int = 0  # chunks carried over from the previous generation
    removed: int = 0  # chunks dropped (changed or deleted documents)
    unchanged: bool = False
    generation: str = ""
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        if self.unchanged:
            head = f"Index up to date: {self.documents} documents, {self.chunks} chunks, nothing to embed"
        else:
            head = (
                f"Indexed {self.documents} documents into {self.chunks} chunks: "
                f"{self.embedded} embedded, {self.reused} reused, {self.removed} removed"
            )
        tail = f" ({self.seconds:.1f}s)"
        if self.errors:
            tail += f"; {len(self.errors)} file(s) skipped"
        return head + tail

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@contextlib.contextmanager
def writer_lock(settings: Settings) -> Iterator[None]:
    """One writer per store: a lock file in the data dir (held for the whole ingest)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "ingest.lock"
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestError(
                "another ingest is already writing this index; wait for it to finish"
            ) from None
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fingerprint(chunk_ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(chunk_ids)).encode()).hexdigest()[:32]


def _chunk_meta(chunk: Chunk, doc: Document) -> dict:
    refs = [dataclasses.asdict(r) for r in doc.references]
    return {
        "doc_id": doc.doc_id, "title": doc.title, "section": chunk.section, "source": doc.source,
        "url": doc.url, "last_reviewed": doc.last_reviewed, "refs": json.dumps(refs),
        "n_sentences": len(chunk.sentences), "position": chunk.position,
        "reviewed_by": doc.reviewed_by,
    }


class Ingestor:
    """Builds the index from source files.

    >>> Ingestor(settings).run([Path("corpus")]).line()     # doctest: +SKIP
    'Indexed 48 documents into 300 chunks: 300 embedded, 0 reused, 0 removed (21.0s)'
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = store or ChromaStore(settings)
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder()
        return self._embedder

    def load(self, paths: Sequence[Path], summary: IngestSummary) -> list[Document]:
        files, errors = discover(paths)
        summary.files = len(files)
        summary.errors += [e.message if e.path == Path() else f"{e.path}: {e.message}" for e in errors]
        docs: list[Document] = []
        seen: dict[str, str] = {}
        for path, root in files:
            try:
                doc = load_file(path, root)
            except LoadError as exc:
                summary.errors.append(str(exc))
                continue
            if doc.doc_id in seen:
                summary.errors.append(
                    f"{path}: document id '{doc.doc_id}' is also used by {seen[doc.doc_id]}; "
                    "renamed to keep both"
                )
                doc = dataclasses.replace(doc, doc_id=f"{doc.doc_id}--{len(seen)}")
            seen[doc.doc_id] = str(path)
            docs.append(doc)
        return docs

    def run(self, paths: Sequence[Path] | None = None, progress: bool = False) -> IngestSummary:
        """Ingest `paths` (default: the corpus folder).

        Args:
            paths: files or folders to index; together they replace what the index holds.
            progress: show a progress bar while embedding.
        Returns:
            The summary. Unreadable files are listed in `errors` and skipped.
        Raises:
            IngestError: nothing usable was found, or another ingest holds the lock.
        """
        start = time.perf_counter()
        summary = IngestSummary()
        paths = list(paths or [self.settings.corpus_dir])
        with writer_lock(self.settings):
            remove_leftovers(self.settings.index_dir)  # of an ingest killed earlier
            docs = self.load(paths, summary)
            if not docs:
                where = ", ".join(str(p) for p in paths)
                detail = f" ({len(summary.errors)} file(s) could not be read)" if summary.errors else ""
                raise IngestError(
                    f"no usable documents found in {where}{detail}; the existing index was left as it was"
                    + ("\n  " + "\n  ".join(summary.errors) if summary.errors else "")
                )
            by_doc = {d.doc_id: d for d in docs}
            chunks = chunk_documents(docs)
            summary.documents, summary.chunks = len(docs), len(chunks)
            # The question bank's phrasings are vectors of the index too (they find sections).
            phrasings = phrasings_for(chunks, bank_for(paths))
            fp = fingerprint([c.chunk_id for c in chunks] + [p.id for p in phrasings])
            active = self.store.active()
            if active and active.fingerprint == fp:
                ensure_local_cache(self.store, self.settings, active)  # lost, old layout or damaged
                if not adapter_path(self.settings, active.generation).exists():
                    self._fit_adapter(active.generation)
                    self._drop_older_adapters(active.generation)
                summary.unchanged = True
                summary.generation = active.generation
                summary.seconds = time.perf_counter() - start
                return summary
            self._build(chunks, by_doc, fp, active.generation if active else None, summary, progress,
                        phrasings)
        summary.seconds = time.perf_counter() - start
        return summary

    def _build(self, chunks: list[Chunk], by_doc: dict[str, Document], fp: str,
               old_gen: str | None, summary: IngestSummary, progress: bool,
               phrasings: Sequence[Phrasing] = ()) -> None:
        store, settings = self.store, self.settings
        old_ids: set[str] = set(store.all_ids(old_gen, "chunks")) if old_gen else set()
        new_ids = {c.chunk_id for c in chunks}
        reuse = [c for c in chunks if c.chunk_id in old_ids]
        fresh = [c for c in chunks if c.chunk_id not in old_ids]
        summary.reused, summary.embedded = len(reuse), len(fresh)
        summary.removed = len(old_ids - new_ids)
        gen = store.new_generation()
        base = lexical_path(settings, old_gen) if old_gen else None
        writer = LexicalWriter(lexical_path(settings, gen), base if base and base.exists() else None)
        try:
            carried = writer.existing_ids()
            writer.delete(carried - new_ids)
            # Carry unchanged chunks over without embedding them again.
            for i in range(0, len(reuse), 1000):
                rows = fetch_rows(store, old_gen or "", [c.chunk_id for c in reuse[i : i + 1000]])
                self._write(gen, rows)
                writer.insert(r for r in rows if r.chunk_id not in carried)
            if fresh:
                rows = self._embed(fresh, by_doc, progress)
                self._write(gen, rows)
                writer.insert(rows)
            write_phrasings(store, gen, old_gen, phrasings, self.embedder.embed_texts)
            self._fit_adapter(gen)
            writer.set_info(generation=gen, fingerprint=fp)
            writer.commit()
            store.activate(gen, fp, len(chunks), len(by_doc))
        except BaseException:
            writer.abort()
            store.drop(gen)
            raise
        summary.generation = gen
        # With a Chroma server other app processes may still be reading the previous
        # generation until they notice the switch (within seconds): it is dropped next time.
        self._cleanup(keep={gen, old_gen} if old_gen and settings.chroma_url else {gen})

    def _drop_older_adapters(self, gen: str) -> None:
        """Drop `gen`'s adapter files of an older layout (refitted as the current one): with an
        unchanged corpus `_cleanup` does not run, and each older file would stay for good."""
        current = adapter_path(self.settings, gen)
        for path in self.settings.index_dir.glob(f"adapter-{gen}*.np[yz]"):
            if path != current:
                path.unlink(missing_ok=True)

    def _fit_adapter(self, gen: str) -> None:
        """Fit and save the generation's query adapter; without one, phrasings match unadapted."""
        try:
            fit_and_save_adapter(self.store, gen, adapter_path(self.settings, gen))
        except Exception:
            log.exception("the query adapter could not be fitted; phrasings will match without it")

    def _embed(self, chunks: list[Chunk], by_doc: dict[str, Document], progress: bool) -> list[NewRow]:
        sentences = [s for c in chunks for s in c.sentences]
        total = 2 * len(chunks) + len(sentences)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="text", desc="Embedding", leave=False)
        try:
            cb = bar.update if bar else None
            chunk_vecs = self.embedder.embed_texts([c.embed_text for c in chunks], progress=cb)
            head_vecs = self.embedder.embed_texts([c.head_text for c in chunks], progress=cb)
            sent_vecs = self.embedder.embed_texts(sentences, progress=cb)
        finally:
            if bar:
                bar.close()
        rows: list[NewRow] = []
        k = 0
        for i, c in enumerate(chunks):
            n = len(c.sentences)
            meta = _chunk_meta(c, by_doc[c.doc_id])
            rows.append(NewRow(
                chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, section=c.section, text=c.text,
                source=meta["source"], url=meta["url"], last_reviewed=meta["last_reviewed"],
                refs_json=meta["refs"], sentences=c.sentences, position=c.position,
                chunk_vec=chunk_vecs[i], head_vec=head_vecs[i], sent_vecs=sent_vecs[k : k + n],
                reviewed_by=meta["reviewed_by"],
            ))
            k += n
        return rows

    def _write(self, gen: str, rows: list[NewRow]) -> None:
        if not rows:
            return
        metas = [{
            "doc_id": r.doc_id, "title": r.title, "section": r.section, "source": r.source,
            "url": r.url, "last_reviewed": r.last_reviewed, "refs": r.refs_json,
            "n_sentences": len(r.sentences), "position": r.position, "reviewed_by": r.reviewed_by,
        } for r in rows]
        self.store.add(gen, "chunks", [r.chunk_id for r in rows],
                       np.vstack([r.chunk_vec for r in rows]), [r.text for r in rows], metas)
        self.store.add(gen, "headings", [r.chunk_id for r in rows],
                       np.vstack([r.head_vec for r in rows]), [r.section or r.title for r in rows],
                       [{"doc_id": r.doc_id} for r in rows])
        sent_ids = [f"{r.chunk_id}:{i}" for r in rows for i in range(len(r.sentences))]
        if sent_ids:
            self.store.add(
                gen, "sentences", sent_ids,
                np.vstack([r.sent_vecs for r in rows if len(r.sentences)]),
                [s for r in rows for s in r.sentences],
                [{"chunk_id": r.chunk_id, "i": i} for r in rows for i in range(len(r.sentences))],
            )

    def _cleanup(self, keep: set[str]) -> None:
        """Drop superseded generations and their local files."""
        for gen in self.store.generations():
            if gen not in keep:
                self.store.drop(gen)
        for path in self.settings.index_dir.glob("adapter-*.np[yz]"):  # .npy: an older layout
            if path not in {adapter_path(self.settings, g) for g in keep}:
                path.unlink(missing_ok=True)
        for path in self.settings.index_dir.glob("lexical-*.sqlite3"):
            if path not in {lexical_path(self.settings, g) for g in keep}:
                path.unlink(missing_ok=True)
                seal_path(path).unlink(missing_ok=True)
