"""The section ranker: a logistic model over match features, fitted on the question bank.

`qa/understanding/ranker.yaml` holds its weights, written by `itpqa eval fit-ranker` (fitted on the bank's
train phrasings with cross-validation, never on the held-out phrasings or any eval suite).
Without the file the composer falls back to its hand-set weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

WEIGHTS = Path(__file__).with_name("ranker.yaml")
FEATURES: tuple[str, ...] = (
    "heading",      # question vs the section heading (cosine)
    "dense",        # question vs the passage (cosine)
    "question",     # question vs the section's best question-bank phrasing (cosine)
    "section",      # the section model's probability for the section (qa/index/adapter.py)
    "best_sentence",  # question vs the passage's best sentence (cosine)
    "coverage",     # share of the question's words the passage uses
    "aspect",       # share of what is asked (not the entities) that the heading names
    "entity",       # share of the medicines/treatments asked about that the passage names
    "topic",        # share of the topics asked about (vaccines, travel) the passage names
    "lexical",      # bm25 relative to the best hit
    "fused",        # reciprocal-rank fusion score relative to the best hit
    "audience",     # the passage is written for who is asking (child, teen, pregnancy)
    # How far each hit is behind the best hit of the same question (0 for the best): ranking
    # is relative, and a pointwise model sees that only through these.
    "heading_gap", "dense_gap", "question_gap", "best_sentence_gap", "lexical_gap", "section_gap",
    "question_top",  # 1 for the hit whose phrasings match best
)
GAPPED = ("heading", "dense", "question", "best_sentence", "lexical", "section")


def add_relative(features: list[dict[str, float]]) -> None:
    """Add each hit's distance from the best hit (in place) for the GAPPED features."""
    if not features:
        return
    for name in GAPPED:
        top = max(f[name] for f in features)
        for f in features:
            f[f"{name}_gap"] = f[name] - top
    best = max(range(len(features)), key=lambda i: features[i]["question"])
    for i, f in enumerate(features):
        f["question_top"] = 1.0 if i == best and f["question"] > 0 else 0.0


@dataclass(frozen=True)
class Ranker:
    """Scores a hit from its features: the log-odds that its section answers the question."""

    weights: Mapping[str, float]
    bias: float
    meta: Mapping[str, object]

    def score(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def probability(self, features: Mapping[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.score(features)))))

    def save(self, path: Path = WEIGHTS) -> None:
        body = {"weights": {k: round(float(v), 6) for k, v in self.weights.items()},
                "bias": round(float(self.bias), 6), "fitted": dict(self.meta)}
        header = ("# Section ranker weights, written by `itpqa eval fit-ranker` (do not edit by hand).\n"
                  "# A logistic model over qa/understanding/ranker.py FEATURES, fitted on the question bank's train\n"
                  "# phrasings with cross-validation; the held-out phrasings and eval suites never\n"
                  "# take part.\n")
        path.write_text(header + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
        _load.cache_clear()  # a later load() in this process reads what was just written


def load(path: Path = WEIGHTS) -> Ranker | None:
    """The fitted ranker, or None when none was fitted (or the file names unknown features)."""
    return _load(str(path))


@lru_cache(maxsize=4)
def _load(path: str) -> Ranker | None:
    p = Path(path)
    if not p.exists():
        return None
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    weights = {str(k): float(v) for k, v in (data.get("weights") or {}).items()}
    if not weights or not set(weights) <= set(FEATURES):
        return None
    return Ranker(weights, float(data.get("bias", 0.0)), dict(data.get("fitted") or {}))


def feature_vector(features: Mapping[str, float], names: Sequence[str] = FEATURES) -> list[float]:
    return [float(features.get(n, 0.0)) for n in names]
