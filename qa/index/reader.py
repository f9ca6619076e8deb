"""The query-side view of the active index generation: Chroma vectors + the local lexical file."""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.index.embedder import DIM
from qa.index.lexical import LexicalIndex, LexicalWriter, NewRow, cache_problem
from qa.index.lexical_files import seal_path
from qa.index.store import ChromaStore, IndexInfo
from qa.settings import Settings

log = logging.getLogger("qa")


class IndexMissing(RuntimeError):
    """There is no index yet."""

    def __init__(self) -> None:
        super().__init__("no index found — run `itpqa ingest` (or `make run`) first")


class IndexDamaged(IndexMissing):
    """The index exists, but its local lexical cache is damaged and could not be rebuilt yet."""

    def __init__(self, detail: str) -> None:
        RuntimeError.__init__(self, detail)


@dataclass(frozen=True)
class Health:
    """What `/healthz` reports.

    `status` is "ok", "degraded" (answers would fail now: `reason` says why) or "unavailable"
    (no index was ever built).
    """

    status: str
    reason: str = ""
    generation: str = ""


def lexical_path(settings: Settings, generation: str) -> Path:
    return settings.index_dir / f"lexical-{generation}.sqlite3"


def adapter_path(settings: Settings, generation: str) -> Path:
    """The generation's query adapter and section model (`qa.index.adapter`), a local file like
    its lexical index. "-v3" files hold the mean of three seeds' adapters and the section model
    fitted on it: an older layout's file is not read, so both are fitted again."""
    return settings.index_dir / f"adapter-{generation}-v3.npz"


def chunk_metadata_to_row(
    cid: str, text: str, meta: dict, chunk_vec: np.ndarray, head_vec: np.ndarray,
    sentences: list[str], sent_vecs: np.ndarray,
) -> NewRow:
    return NewRow(
        chunk_id=cid, doc_id=str(meta.get("doc_id", "")), title=str(meta.get("title", "")),
        section=str(meta.get("section", "")), text=text, source=str(meta.get("source", "")),
        url=str(meta.get("url", "")), last_reviewed=str(meta.get("last_reviewed", "")),
        refs_json=str(meta.get("refs", "[]")), sentences=tuple(sentences),
        position=int(meta.get("position", 0)), chunk_vec=chunk_vec, head_vec=head_vec,
        sent_vecs=sent_vecs, reviewed_by=str(meta.get("reviewed_by", "")),
    )


def fetch_rows(store: ChromaStore, generation: str, chunk_ids: list[str]) -> list[NewRow]:
    """Rebuild local rows for these chunks from Chroma (chunk and sentence collections)."""
    chunks = store.get(generation, "chunks", chunk_ids)
    sent_ids = [
        f"{cid}:{i}"
        for cid, meta in zip(chunks.ids, chunks.metadatas, strict=True)
        for i in range(int(meta.get("n_sentences", 0)))
    ]
    sents = store.get(generation, "sentences", sent_ids)
    heads = store.get(generation, "headings", chunks.ids)
    head_by_id = {hid: heads.embeddings[k] for k, hid in enumerate(heads.ids)}
    by_id = {sid: (doc, sents.embeddings[k]) for k, (sid, doc) in enumerate(zip(sents.ids, sents.documents, strict=True))}
    rows = []
    for k, (cid, text, meta) in enumerate(zip(chunks.ids, chunks.documents, chunks.metadatas, strict=True)):
        n = int(meta.get("n_sentences", 0))
        pairs = [by_id[f"{cid}:{i}"] for i in range(n) if f"{cid}:{i}" in by_id]
        vecs = np.vstack([v for _, v in pairs]) if pairs else np.zeros((0, DIM), np.float32)
        head = head_by_id.get(cid, chunks.embeddings[k])
        rows.append(chunk_metadata_to_row(cid, text, meta, chunks.embeddings[k], head,
                                          [d for d, _ in pairs], vecs))
    return rows


def build_local_cache(store: ChromaStore, settings: Settings, info: IndexInfo) -> Path:
    """Write the lexical file for a generation from what Chroma holds (e.g. a Chroma server)."""
    writer = LexicalWriter(lexical_path(settings, info.generation))
    try:
        ids = store.all_ids(info.generation, "chunks")
        for i in range(0, len(ids), 1000):
            writer.insert(fetch_rows(store, info.generation, ids[i : i + 1000]))
        writer.set_info(generation=info.generation, fingerprint=info.fingerprint)
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


def ensure_local_cache(store: ChromaStore, settings: Settings, info: IndexInfo) -> str | None:
    """Check the generation's lexical file in full and rebuild it from Chroma when it is not
    whole (`itpqa ingest` of an unchanged corpus); returns what was wrong, None if nothing."""
    path = lexical_path(settings, info.generation)
    problem = cache_problem(path, full=True)
    if problem is not None:
        log.warning("lexical cache %s: %s; rebuilding it from Chroma", path.name, problem)
        build_local_cache(store, settings, info)
    return problem


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class IndexReader:
    """Reads the active generation; notices when another process activates a new one.

    With a Chroma server, a new generation's local lexical file is built from the server in a
    background thread while queries go on against the generation already open; the switch
    happens once the file is ready. A generation dropped under our feet (Chroma `NotFound`)
    makes the reader re-read the pointer and retry once.

    A damaged lexical file is rebuilt from Chroma: when opening finds it so, when a read hits
    the damage (that read waits for the rebuild, then goes on), and when the file changed on
    disk since it was opened (noticed at the periodic re-check, rebuilt in the background).
    `health()` says `degraded` until it is whole again.
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None, recheck_seconds: float = 5.0) -> None:
        self.settings = settings
        self.store = store or ChromaStore(settings)
        self._recheck = recheck_seconds
        self._lock = threading.Lock()
        self._info: IndexInfo | None = None
        self._lexical: LexicalIndex | None = None
        self._checked = 0.0
        self._building: threading.Thread | None = None
        self._stamp: tuple[int, int, int] | None = None  # of the open lexical file
        self._bad_stamp: tuple[int, int, int] | None = None  # of the file last found damaged
        self._problem = ""  # why the open lexical file cannot serve, while it cannot
        self._repair_lock = threading.Lock()
        self._repairing: threading.Thread | None = None
        self._repair_tried = 0.0

    def _open(self, wait: bool = False) -> None:
        info = self.store.active()
        if info is None:
            raise IndexMissing()
        if self._info is not None and info.generation == self._info.generation:
            self._watch()
            return
        path = lexical_path(self.settings, info.generation)
        problem = cache_problem(path)  # missing, another version's layout, or damaged
        if problem is not None:
            if path.exists():
                log.warning("lexical cache %s: %s; rebuilding it from Chroma", path.name, problem)
            if self._info is not None and not wait:
                self._build_in_background(info)
                return
            build_local_cache(self.store, self.settings, info)
        old, previous = self._lexical, self._info
        self._lexical = LexicalIndex(path, on_damage=functools.partial(self._repair, info))
        self._info = info
        self._stamp, self._problem = _stamp(path), ""
        if old is not None and previous is not None:
            old.close()
            self._forget_dropped(keep={info.generation, previous.generation})

    def _watch(self) -> str:
        """Re-check the open lexical file if it changed on disk since it was opened; returns
        what is wrong with it ("" if nothing) and starts rebuilding it if anything is."""
        assert self._info is not None and self._lexical is not None
        lexical, path = self._lexical, self._lexical.path
        stamp = _stamp(path)
        if stamp in (self._stamp, self._bad_stamp):  # as opened, or already found damaged
            return ""
        problem = cache_problem(path)
        if problem is None:  # replaced by a whole file (another process rebuilt it): read that
            lexical.reopen()
            self._stamp = stamp
            return ""
        found = f"the lexical cache {path.name} is damaged ({problem}); rebuilding it"
        self._bad_stamp = stamp
        if not self._problem:
            log.warning("lexical cache %s: %s; rebuilding it from Chroma", path.name, problem)
            self._problem = found
        self._repair_in_background(self._info, lexical, problem)
        return found

    def _repair(self, info: IndexInfo, lexical: LexicalIndex, epoch: int, reason: str) -> None:
        """Rebuild a damaged lexical file from Chroma and reopen it: once for all the reads of
        `epoch` that found it damaged (the others wait here, then read the rebuilt file)."""
        with self._repair_lock:
            if lexical.epoch != epoch:
                return
            name = lexical.path.name
            self._problem = f"the lexical cache {name} is damaged ({reason}); rebuilding it"
            log.warning("lexical cache %s is damaged (%s); rebuilding it from Chroma", name, reason)
            try:
                build_local_cache(self.store, self.settings, info)
            except Exception as exc:
                self._problem = (f"the lexical cache {name} is damaged ({reason}) and could not "
                                 f"be rebuilt from Chroma: {type(exc).__name__}: {exc}")
                raise IndexDamaged(self._problem) from exc
            lexical.reopen()
            self._stamp, self._problem = _stamp(lexical.path), ""
            log.warning("lexical cache %s rebuilt from Chroma", name)

    def _repair_in_background(self, info: IndexInfo, lexical: LexicalIndex, reason: str) -> None:
        if self._repairing is not None and self._repairing.is_alive():
            return
        self._repair_tried = time.monotonic()

        def repair() -> None:
            try:
                self._repair(info, lexical, lexical.epoch, reason)
            except IndexDamaged as exc:  # health() says so; the next check tries again
                log.warning("%s", exc)

        self._repairing = threading.Thread(target=repair, name="itpqa-repair", daemon=True)
        self._repairing.start()

    def health(self) -> Health:
        """Can answers be computed now? Reads the pointer and stats the lexical file.

        Returns:
            `Health("ok")`, `Health("unavailable")` when nothing was ever ingested, or
            `Health("degraded", reason)` while the vector store cannot be read or the
            lexical cache is damaged (a rebuild is then tried at most every re-check period).
        """
        try:
            with self._lock:  # before `current()`, whose periodic re-check would find it silently
                found = self._watch() if self._info is not None else ""
            info, lexical = self.current()
            self.store.active()  # the store answers now, not only at the last re-check
        except IndexDamaged as exc:
            return Health("degraded", str(exc))
        except IndexMissing:
            return Health("unavailable", str(IndexMissing()))
        except Exception as exc:
            reason = " ".join(f"the index at {self.store.location} cannot be read: {exc}".split())
            return Health("degraded", reason)
        problem = found or self._problem  # found now: said even if the rebuild is already done
        if problem:
            if time.monotonic() - self._repair_tried > self._recheck:  # retry a failed rebuild
                self._repair_in_background(info, lexical, problem)
            return Health("degraded", problem, info.generation)
        return Health("ok", generation=info.generation)

    def _build_in_background(self, info: IndexInfo) -> None:
        if self._building is not None and self._building.is_alive():
            return

        def build() -> None:
            try:
                build_local_cache(self.store, self.settings, info)
            except Exception:  # the next check tries again; queries keep the open generation
                log.exception("could not cache generation %s locally", info.generation)
            self._checked = 0.0  # switch at the next query

        self._building = threading.Thread(target=build, name="itpqa-cache", daemon=True)
        self._building.start()

    def _forget_dropped(self, keep: set[str]) -> None:
        """Delete local files of generations gone from Chroma (the one just left stays a while:
        requests in flight may still read it)."""
        try:
            alive = set(self.store.generations()) | keep
        except Exception:
            return
        for path in self.settings.index_dir.glob("lexical-*.sqlite3"):
            if path.stem.removeprefix("lexical-") not in alive:
                path.unlink(missing_ok=True)
                seal_path(path).unlink(missing_ok=True)

    def current(self) -> tuple[IndexInfo, LexicalIndex]:
        """The active generation and its lexical index (opened or refreshed as needed)."""
        now = time.monotonic()
        if self._info is None or now - self._checked > self._recheck:
            with self._lock:
                if self._info is None or now - self._checked > self._recheck:
                    self._open()
                    self._checked = now
        assert self._info is not None and self._lexical is not None
        return self._info, self._lexical

    def refresh(self) -> None:
        """Re-read the pointer now and switch to the active generation before returning."""
        with self._lock:
            self._open(wait=True)
            self._checked = time.monotonic()

    def dense(self, vector: np.ndarray, n: int, kind: str = "chunks") -> list[tuple[str, float]]:
        """Nearest chunks by passage (`chunks`) or by section heading (`headings`)."""
        info, _ = self.current()
        try:
            return self.store.query(info.generation, vector, n, kind)
        except Exception as exc:
            if type(exc).__name__ != "NotFoundError":
                raise
            # Another process replaced and dropped this generation: follow the pointer.
            self.refresh()
            info, _ = self.current()
            return self.store.query(info.generation, vector, n, kind)
