"""Chroma, embedded or a server, holding index generations behind one atomic pointer.

Each ingest writes a new *generation* (a chunk collection and a sentence collection), then flips
the pointer kept in the metadata of a small `<prefix>-meta` collection. A crash mid-ingest
leaves the previous generation active and whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import numpy as np

from qa.index.embedder import DIM
from qa.offline import enforce_offline
from qa.settings import Settings

_BATCH = 2000


class StoreError(RuntimeError):
    """The vector store cannot be reached or is in an unexpected state."""


@dataclass(frozen=True)
class IndexInfo:
    """What the active generation holds."""

    generation: str
    fingerprint: str
    chunks: int
    documents: int
    built_at: str


@dataclass
class Records:
    """Rows fetched from a collection."""

    ids: list[str]
    embeddings: np.ndarray
    documents: list[str]
    metadatas: list[dict[str, Any]]


class ChromaStore:
    """Access to the index collections; never lets Chroma embed anything itself."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._lock = threading.Lock()
        self._collections: dict[str, Any] = {}

    # -- connection ---------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        enforce_offline()
        import chromadb

        chroma_settings = chromadb.Settings(anonymized_telemetry=False)
        url = self.settings.chroma_url.strip()
        try:
            if url:
                parsed = urlparse(url if "://" in url else f"http://{url}")
                return chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(
                path=str(self.settings.chroma_dir), settings=chroma_settings
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError types
            where = url or str(self.settings.chroma_dir)
            raise StoreError(f"cannot open the Chroma store at {where}: {exc}") from exc

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_dir)

    def _name(self, suffix: str) -> str:
        return f"{self.settings.collection}-{suffix}"

    def _meta(self) -> Any:
        return self.client.get_or_create_collection(self._name("meta"), embedding_function=None)

    def _collection(self, generation: str, kind: str, create: bool = False) -> Any:
        name = self._name(f"{generation}-{kind}")
        col = self._collections.get(name)
        if col is None:
            if create:
                col = self.client.get_or_create_collection(
                    name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                )
            else:
                col = self.client.get_collection(name, embedding_function=None)
            self._collections[name] = col
        return col

    # -- the pointer --------------------------------------------------------------------------
    def active(self) -> IndexInfo | None:
        """The active generation, or None when nothing was ever ingested."""
        meta = self._meta().metadata or {}
        if not meta.get("active"):
            return None
        return IndexInfo(
            generation=str(meta["active"]),
            fingerprint=str(meta.get("fingerprint", "")),
            chunks=int(meta.get("chunks", 0)),
            documents=int(meta.get("documents", 0)),
            built_at=str(meta.get("built_at", "")),
        )

    def new_generation(self) -> str:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
        return f"g{stamp}{uuid.uuid4().hex[:6]}"

    def activate(self, generation: str, fingerprint: str, chunks: int, documents: int) -> None:
        """Make `generation` the one queries read (one metadata write: atomic)."""
        self._meta().modify(
            metadata={
                "active": generation,
                "fingerprint": fingerprint,
                "chunks": chunks,
                "documents": documents,
                "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
        )

    def generations(self) -> list[str]:
        """Every generation that has collections (active, stale or half-built)."""
        # Exactly "<prefix>-<generation>-<kind>": another deployment's longer prefix on the same
        # Chroma ("itpqa-staging" beside "itpqa") is never taken for a generation (and dropped).
        own = re.compile(re.escape(self._name("")) + r"(g\d{14}[0-9a-f]{6})-(?:chunks|sentences|headings|questions)")
        gens = set()
        for col in self.client.list_collections():
            name = col if isinstance(col, str) else col.name
            if m := own.fullmatch(name):
                gens.add(m.group(1))
        return sorted(gens)

    def drop(self, generation: str) -> None:
        """Delete a generation's collections (missing ones are ignored)."""
        for kind in ("chunks", "sentences", "headings", "questions"):
            name = self._name(f"{generation}-{kind}")
            self._collections.pop(name, None)
            with contextlib.suppress(Exception):  # already gone
                self.client.delete_collection(name)

    # -- writing ------------------------------------------------------------------------------
    def add(
        self,
        generation: str,
        kind: str,
        ids: Sequence[str],
        embeddings: np.ndarray,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        col = self._collection(generation, kind, create=True)
        for i in range(0, len(ids), _BATCH):
            col.add(
                ids=list(ids[i : i + _BATCH]),
                embeddings=embeddings[i : i + _BATCH],
                documents=list(documents[i : i + _BATCH]),
                metadatas=list(metadatas[i : i + _BATCH]),
            )

    # -- reading ------------------------------------------------------------------------------
    def get(self, generation: str, kind: str, ids: Sequence[str]) -> Records:
        """Fetch rows by id (in the order Chroma returns them)."""
        col = self._collection(generation, kind)
        ids_out: list[str] = []
        embs: list[np.ndarray] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        for i in range(0, len(ids), _BATCH):
            r = col.get(ids=list(ids[i : i + _BATCH]), include=["embeddings", "documents", "metadatas"])
            ids_out += r["ids"]
            embs.append(np.asarray(r["embeddings"], dtype=np.float32).reshape(-1, DIM))
            docs += r["documents"]
            metas += [dict(m or {}) for m in r["metadatas"]]
        emb = np.vstack(embs) if embs else np.zeros((0, DIM), dtype=np.float32)
        return Records(ids_out, emb, docs, metas)

    def iter_all(self, generation: str, kind: str, batch: int = _BATCH) -> Iterator[Records]:
        """Every row of a collection, in batches (used to rebuild a local cache)."""
        col = self._collection(generation, kind)
        offset = 0
        while True:
            r = col.get(limit=batch, offset=offset, include=["embeddings", "documents", "metadatas"])
            if not r["ids"]:
                return
            yield Records(
                list(r["ids"]),
                np.asarray(r["embeddings"], dtype=np.float32).reshape(-1, DIM),
                list(r["documents"]),
                [dict(m or {}) for m in r["metadatas"]],
            )
            offset += len(r["ids"])

    def all_ids(self, generation: str, kind: str) -> list[str]:
        col = self._collection(generation, kind)
        ids: list[str] = []
        offset = 0
        while True:
            r = col.get(limit=10_000, offset=offset, include=[])
            if not r["ids"]:
                return ids
            ids += r["ids"]
            offset += len(r["ids"])

    def query(self, generation: str, vector: np.ndarray, n: int, kind: str = "chunks") -> list[tuple[str, float]]:
        """Nearest rows of `kind` as (chunk id, cosine similarity), best first."""
        col = self._collection(generation, kind)
        r = col.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(r["ids"][0], r["distances"][0], strict=True)]
