"""Embeddings of training texts kept between fits, so a changed bank embeds only its new rows."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

from qa.npz import READ_ERRORS

log = logging.getLogger("qa")


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


class VectorCache:
    """A text → vector cache in one .npz file, used as `with VectorCache(path, embed) as embed:`.

    Vectors of texts not asked for in this run are dropped when it is saved, so the file holds
    what the current banks need and no more.
    """

    def __init__(self, path: Path | None, embed: Callable[[Sequence[str]], np.ndarray]) -> None:
        self.path = path
        self._embed = embed
        self._known: dict[str, np.ndarray] = {}
        self._used: set[str] = set()
        self.embedded = 0

    def __enter__(self) -> Callable[[Sequence[str]], np.ndarray]:
        if self.path is not None and self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    self._known = dict(zip([str(k) for k in data["keys"]], data["vectors"], strict=True))
            except READ_ERRORS as exc:
                log.warning("embedding cache %s unreadable (%s); starting afresh", self.path, exc)
        return self.__call__

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in self._known]
        if missing:
            unique = list(dict.fromkeys(missing))
            self._known.update(zip([_key(t) for t in unique], np.asarray(self._embed(unique), dtype=np.float32),
                                   strict=True))
            self.embedded += len(unique)
        self._used.update(keys)
        return np.vstack([self._known[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None or self.path is None or not self._used:
            return
        keys = sorted(self._used)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp.npz")
            np.savez(tmp, keys=np.array(keys), vectors=np.vstack([self._known[k] for k in keys]))
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("embedding cache not saved: %s", exc)
