"""A counting wrapper round the real embedder, for tests of what gets embedded (and how often)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Counted:
    """The real embedder's `embed_texts`, counting the texts it is given."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += list(texts)
        return self.embedder.embed_texts(list(texts))
