"""Micro-batching: questions that arrive together are embedded in one model call.

Under concurrent load each request thread would otherwise call the model on its own, and the
calls would fight over the same cores. One worker thread takes whatever is waiting (no added
delay when only one question is in flight) and embeds it as one batch.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _Job:
    text: str
    done: threading.Event = field(default_factory=threading.Event)
    vector: np.ndarray | None = None
    error: BaseException | None = None


class QueryBatcher:
    """Embeds single texts, batching the ones that are waiting at the same time.

    >>> b = QueryBatcher(lambda texts: np.ones((len(texts), 2)))
    >>> b.embed("hello").tolist()
    [1.0, 1.0]
    >>> b.batches, b.texts
    (1, 1)
    """

    def __init__(self, encode: Callable[[Sequence[str]], np.ndarray], max_batch: int = 32) -> None:
        self._encode = encode
        self._max = max_batch
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._start_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.batches = 0  # model calls made
        self.texts = 0  # texts embedded through them
        self.largest = 0  # the biggest batch so far

    def embed(self, text: str) -> np.ndarray:
        """The vector of `text` (blocks until its batch is done; re-raises the model's error)."""
        self._ensure_worker()
        job = _Job(text)
        self._queue.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.vector is not None
        return job.vector

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            with self._start_lock:
                if self._worker is None or not self._worker.is_alive():
                    self._worker = threading.Thread(target=self._run, name="itpqa-embed",
                                                    daemon=True)
                    self._worker.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                vectors = self._encode([j.text for j in batch])
            except BaseException as exc:  # the callers re-raise it; the worker keeps serving
                for job in batch:
                    job.error = exc
                    job.done.set()
                continue
            self.batches += 1
            self.texts += len(batch)
            self.largest = max(self.largest, len(batch))
            for job, vec in zip(batch, vectors, strict=True):
                job.vector = vec
                job.done.set()
