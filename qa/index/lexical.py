"""SQLite FTS5 lexical index (bm25), plus the passage rows and sentence vectors queries need.

One file per index generation, next to (or, with a Chroma server, cached from) the vector index.
An ingest copies the previous file and applies only the changes, then seals it (a checksum, see
`qa.index.lexical_files`) and renames it into place. A read that finds the file damaged asks its owner
(the `IndexReader`) to rebuild it from Chroma, then reads once more.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import numpy as np

from qa.index import lexical_files
from qa.index.embedder import DIM
from qa.text.words import query_terms
from qa.types import Passage, SourceRef

# Bump when the file layout changes: files of another version are rebuilt from Chroma, never read.
SCHEMA_VERSION = 3  # 3: reviewed_by

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    chunk_id TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL,
    title TEXT NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    last_reviewed TEXT NOT NULL,
    reviewed_by TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL,
    sentences TEXT NOT NULL,
    position INTEGER NOT NULL,
    chunk_vec BLOB NOT NULL,
    head_vec BLOB NOT NULL,
    sent_vecs BLOB NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, section, text, content='chunks', content_rowid='rowid', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO fts(rowid, title, section, text) VALUES (new.rowid, new.title, new.section, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO fts(fts, rowid, title, section, text)
    VALUES ('delete', old.rowid, old.title, old.section, old.text);
END;
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""

# From this many chunks on, bm25 leaves out query terms that carry no weight (see `_informative`).
BIG_INDEX = 5000
_WORDS = re.compile(r"[a-z][a-z-]{2,}")


@dataclass(frozen=True)
class Row:
    """One chunk as stored locally: everything a query needs besides the vector search."""

    passage: Passage
    sentences: tuple[str, ...]
    chunk_vec: np.ndarray
    head_vec: np.ndarray
    sent_vecs: np.ndarray  # (n_sentences, DIM)


def _pack(vecs: np.ndarray) -> bytes:
    return np.asarray(vecs, dtype=np.float16).tobytes()


def schema_current(path: Path) -> bool:
    """Does the file at `path` exist and have this code's layout (`SCHEMA_VERSION`)?"""
    if not path.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION
        finally:
            conn.close()
    except sqlite3.Error:  # truncated or not SQLite at all: rebuild it
        return False


def cache_problem(path: Path, full: bool = False) -> str | None:
    """Why the file at `path` cannot serve queries as it is, or None when it can.

    Args:
        path: a generation's lexical file.
        full: compare its checksum even when it looks untouched since it was built (slow for a
            big index: ingest does this, opening for queries does not).
    """
    if not path.exists():
        return "it is missing"
    if not schema_current(path):
        return "it is unreadable or has another version's layout"
    return lexical_files.check(path, full=full)


# SQLite's primary result codes for a file that is damaged or gone: CORRUPT, CANTOPEN, NOTADB.
_DAMAGED = {11, 14, 26}


def damaged(exc: sqlite3.Error) -> bool:
    """Does this error mean the file itself is damaged (rather than a bad query)?"""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGED


P = ParamSpec("P")
R = TypeVar("R")
# Called as on_damage(index, epoch, reason): rebuild `index.path` and `index.reopen()` it, once
# for every read that failed in that epoch (or raise).
OnDamage = Callable[["LexicalIndex", int, str], None]


def _healing(method: Callable[Concatenate[LexicalIndex, P], R]) -> Callable[Concatenate[LexicalIndex, P], R]:
    """A read that, on a damaged file, has the file rebuilt and then runs once more."""

    @functools.wraps(method)
    def read(self: LexicalIndex, /, *args: P.args, **kwargs: P.kwargs) -> R:
        epoch = self.epoch
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if self.on_damage is None or not damaged(exc):
                raise
            self.on_damage(self, epoch, f"{type(exc).__name__}: {exc}")
            return method(self, *args, **kwargs)

    return read


def _unpack(blob: bytes, rows: int) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(rows, DIM)


class LexicalIndex:
    """Read side of one generation's SQLite file (safe to share between threads).

    `on_damage` is called when a read finds the file damaged (see `OnDamage`); without it the
    error is raised as it is.
    """

    def __init__(self, path: Path, on_damage: OnDamage | None = None) -> None:
        self.path = path
        self.on_damage = on_damage
        self.epoch = 0  # bumped by `reopen`; each thread then opens the file again
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.epoch != self.epoch:
            conn.close()
            conn = None
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.conn, self._local.epoch = conn, self.epoch
        return conn

    def reopen(self) -> None:
        """Read the file at `path` anew (it was rebuilt): new connections, nothing cached."""
        for cached in ("_rows", "_df", "_vocab"):
            self.__dict__.pop(cached, None)
        self.epoch += 1

    @_healing
    def info(self, key: str) -> str:
        row = self._conn().execute("SELECT value FROM info WHERE key=?", (key,)).fetchone()
        return row[0] if row else ""

    @_healing
    def search(self, question: str, limit: int) -> list[tuple[str, float]]:
        """bm25 search; returns (chunk id, score) best first, score > 0 (higher is better)."""
        terms = self._informative(query_terms(question))
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        conn = self._conn()
        # Rank rowids first and look up chunk ids for the few kept: joining every match to
        # `chunks` before the sort costs a lookup per matching row.
        rows = conn.execute(
            "SELECT rowid, bm25(fts, 2.0, 3.0, 1.0) AS score FROM fts WHERE fts MATCH ? "
            "ORDER BY score LIMIT ?",
            (match, limit),
        ).fetchall()
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        ids = dict(conn.execute(f"SELECT rowid, chunk_id FROM chunks WHERE rowid IN ({marks})",
                                [r for r, _ in rows]))
        return [(ids[r], -float(score)) for r, score in rows if r in ids]

    def _informative(self, terms: list[str]) -> list[str]:
        """In a big index, leave out terms found in more than half the rows.

        FTS5 floors the bm25 IDF of such a term at 1e-6: it adds nothing to any score, only
        rows to rank (at 100k chunks, "itp" matches nearly all of them). Small indexes (the
        starter library) keep every term, so their ranking is exactly as before.
        """
        size = self._size()
        if size < BIG_INDEX or len(terms) < 2:
            return terms
        keep = [t for t in terms if self._doc_freq(t) <= size / 2]
        return keep or terms

    def _size(self) -> int:
        size = getattr(self, "_rows", None)
        if size is None:
            size = self._rows = self.count()
        return size

    @_healing
    def _doc_freq(self, term: str) -> int:
        cache: dict[str, int] = self.__dict__.setdefault("_df", {})
        n = cache.get(term)
        if n is None:
            n = int(self._conn().execute(
                "SELECT count(*) FROM fts WHERE fts MATCH ?", (f'"{term}"',)).fetchone()[0])
            if len(cache) < 100_000:
                cache[term] = n
        return n

    @_healing
    def rows(self, chunk_ids: Sequence[str]) -> dict[str, Row]:
        """The stored rows for these chunk ids (missing ids are left out)."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        cur = self._conn().execute(
            "SELECT chunk_id, doc_id, title, section, text, source, url, last_reviewed, reviewed_by, "
            f"refs, sentences, chunk_vec, head_vec, sent_vecs FROM chunks WHERE chunk_id IN ({marks})",
            list(chunk_ids),
        )
        out: dict[str, Row] = {}
        for (cid, doc_id, title, section, text, source, url, reviewed, reviewed_by, refs, sents,
             cvec, hvec, svecs) in cur:
            sentences = tuple(json.loads(sents))
            passage = Passage(
                chunk_id=cid, doc_id=doc_id, title=title, section=section, text=text,
                source=source, url=url, last_reviewed=reviewed, reviewed_by=reviewed_by,
                references=tuple(SourceRef(**r) for r in json.loads(refs)),
                n_sentences=len(sentences),
            )
            out[cid] = Row(passage, sentences, _unpack(cvec, 1)[0], _unpack(hvec, 1)[0],
                           _unpack(svecs, len(sentences)))
        return out

    @_healing
    def section_ids(self, doc_id: str, heading: str) -> list[str]:
        """Chunk ids of one section (`heading` is its own heading, the last of its path)."""
        cur = self._conn().execute(
            "SELECT chunk_id, section FROM chunks WHERE doc_id = ? ORDER BY rowid", (doc_id,))
        return [cid for cid, section in cur if section.split(" › ")[-1].strip() == heading.strip()]

    @_healing
    def vocabulary(self) -> dict[str, int]:
        """Every word the indexed text uses, with its frequency (for spelling repair)."""
        vocab = getattr(self, "_vocab", None)
        if vocab is None:
            vocab = dict(self._conn().execute("SELECT word, n FROM words"))
            self._vocab = vocab
        return vocab

    @_healing
    def doc_ids(self) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT DISTINCT doc_id FROM chunks")]

    @_healing
    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM chunks").fetchone()[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


@dataclass(frozen=True)
class NewRow:
    """A chunk to write, with its vectors."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    source: str
    url: str
    last_reviewed: str
    refs_json: str
    sentences: tuple[str, ...]
    position: int
    chunk_vec: np.ndarray
    head_vec: np.ndarray
    sent_vecs: np.ndarray
    reviewed_by: str = ""


class LexicalWriter:
    """Builds a generation's file at a temporary path; `commit()` renames it into place."""

    def __init__(self, target: Path, base: Path | None = None) -> None:
        self.target = target
        # Per process: app processes sharing a data dir may cache the same generation at once.
        self.tmp = target.with_suffix(f".{os.getpid()}.building")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.unlink(missing_ok=True)
        lexical_files.BUILDING.add(self.tmp)
        # An older layout or a damaged file is not carried over (the rows come from Chroma).
        if base is not None and cache_problem(base, full=True) is None:
            shutil.copyfile(base, self.tmp)
        self.conn = sqlite3.connect(self.tmp)
        self.conn.executescript(_SCHEMA)
        self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def existing_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT chunk_id FROM chunks")}

    def delete(self, chunk_ids: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM chunks WHERE chunk_id=?", [(c,) for c in chunk_ids])

    def insert(self, rows: Iterable[NewRow]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO chunks (chunk_id, doc_id, title, section, text, source, url, "
            "last_reviewed, reviewed_by, refs, sentences, position, chunk_vec, head_vec, sent_vecs) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (r.chunk_id, r.doc_id, r.title, r.section, r.text, r.source, r.url,
                 r.last_reviewed, r.reviewed_by, r.refs_json, json.dumps(list(r.sentences)), r.position,
                 _pack(r.chunk_vec), _pack(r.head_vec), _pack(r.sent_vecs))
                for r in rows
            ],
        )

    def set_info(self, **values: str) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO info(key, value) VALUES (?, ?)", list(values.items())
        )

    def _count_words(self) -> None:
        counts: dict[str, int] = {}
        for title, section, text in self.conn.execute("SELECT title, section, text FROM chunks"):
            for w in _WORDS.findall(f"{title} {section} {text}".lower()):
                counts[w] = counts.get(w, 0) + 1
        self.conn.execute("DELETE FROM words")
        self.conn.executemany("INSERT INTO words(word, n) VALUES (?, ?)", counts.items())

    def commit(self) -> Path:
        self._count_words()
        self.conn.commit()
        self.conn.execute("INSERT INTO fts(fts) VALUES('optimize')")
        self.conn.commit()
        self.conn.close()
        lexical_files.install(self.tmp, self.target)
        lexical_files.BUILDING.discard(self.tmp)
        return self.target

    def abort(self) -> None:
        try:
            self.conn.close()
        finally:
            self.tmp.unlink(missing_ok=True)
            lexical_files.BUILDING.discard(self.tmp)
