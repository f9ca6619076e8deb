"""Calibrate the citation-support rule on labelled pairs: `python -m eval.calibrate [FILE]`."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from eval.metrics.citations import Claim
from eval.metrics.support import THRESHOLD, WEIGHT, Evidence, is_supported, support_score

DEFAULT_FILE = Path(__file__).resolve().parent / "calibration" / "support.yaml"
WEIGHTS = tuple(round(w / 10, 1) for w in range(11))


@dataclass(frozen=True)
class Pair:
    """A labelled claim and the passage it cites."""

    id: str
    claim: str
    passage: str
    supported: bool


@dataclass(frozen=True)
class Calibration:
    """The chosen rule and how well it separates the labelled pairs."""

    weight: float
    threshold: float
    accuracy: float  # on all pairs, with the chosen rule
    loo_accuracy: float  # leave-one-out: choose the rule without a pair, then classify it
    pairs: int
    errors: tuple[str, ...]  # ids misclassified by the chosen rule


def load_pairs(path: str | Path = DEFAULT_FILE) -> list[Pair]:
    """Read `passages:` and `pairs:` from a calibration file (labels: supported/unsupported)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    passages = data["passages"]
    out = []
    for p in data["pairs"]:
        if p["label"] not in ("supported", "unsupported"):
            raise ValueError(f"{path}: pair {p['id']}: label must be supported or unsupported")
        if p["passage"] not in passages:
            raise ValueError(f"{path}: pair {p['id']}: unknown passage {p['passage']!r}")
        out.append(Pair(p["id"], p["claim"], passages[p["passage"]], p["label"] == "supported"))
    return out


def measure(pairs: Sequence[Pair], scorer=None) -> list[Evidence]:
    """Evidence for every pair (embeds with the bundled model unless a scorer is given)."""
    from eval.support_model import default_scorer

    scorer = scorer or default_scorer()
    return [scorer.evidence([Claim(p.claim, (1,))], {1: p.passage})[0] for p in pairs]


def accuracy(evidence: Sequence[Evidence], labels: Sequence[bool], weight: float, threshold: float) -> float:
    """Share of pairs the rule (weight, threshold) labels correctly."""
    right = sum(is_supported(e, threshold, weight) == y for e, y in zip(evidence, labels, strict=True))
    return right / len(labels)


def best_rule(evidence: Sequence[Evidence], labels: Sequence[bool]) -> tuple[float, float, float]:
    """The (weight, threshold) with the best accuracy; ties go to the widest margin.

    Thresholds are midpoints between consecutive scores, so the rule sits in a gap, not on a pair.
    """
    best: tuple[float, float, float, float] | None = None  # (accuracy, margin, weight, threshold)
    for w in WEIGHTS:
        scores = sorted({round(support_score(e.lexical, e.semantic, w), 6) for e in evidence})
        cuts = [(a + b) / 2 for a, b in itertools.pairwise(scores)] or scores
        for i, t in enumerate(cuts):
            margin = scores[i + 1] - scores[i] if i + 1 < len(scores) else 0.0
            acc = accuracy(evidence, labels, w, t)
            key = (acc, margin, w, t)
            if best is None or key[:2] > best[:2]:
                best = key
    assert best is not None
    return best[2], round(best[3], 3), best[0]


def calibrate(pairs: Sequence[Pair], evidence: Sequence[Evidence]) -> Calibration:
    """Choose the rule on all pairs and estimate its accuracy on unseen pairs by leave-one-out."""
    labels = [p.supported for p in pairs]
    weight, threshold, acc = best_rule(evidence, labels)
    loo_right = 0
    for i in range(len(pairs)):
        rest_e = [e for j, e in enumerate(evidence) if j != i]
        rest_y = [y for j, y in enumerate(labels) if j != i]
        w, t, _ = best_rule(rest_e, rest_y)
        loo_right += is_supported(evidence[i], t, w) == labels[i]
    errors = tuple(p.id for p, e in zip(pairs, evidence, strict=True)
                   if is_supported(e, threshold, weight) != p.supported)
    return Calibration(weight, threshold, acc, loo_right / len(pairs), len(pairs), errors)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else DEFAULT_FILE
    pairs = load_pairs(path)
    evidence = measure(pairs)
    cal = calibrate(pairs, evidence)
    labels = [p.supported for p in pairs]
    print(f"{cal.pairs} pairs ({sum(labels)} supported) from {path}")
    print(f"best rule: weight={cal.weight} threshold={cal.threshold} accuracy={cal.accuracy:.3f} "
          f"(leave-one-out {cal.loo_accuracy:.3f})")
    print(f"in use:    weight={WEIGHT} threshold={THRESHOLD} "
          f"accuracy={accuracy(evidence, labels, WEIGHT, THRESHOLD):.3f}")
    if cal.errors:
        print("misclassified by the best rule: " + ", ".join(cal.errors))
    for p, e in zip(pairs, evidence, strict=True):
        s = support_score(e.lexical, e.semantic, cal.weight)
        print(f"  {p.id:12} {'S' if p.supported else 'U'} lex={e.lexical:.2f} sem={e.semantic:.2f} "
              f"num={'ok' if e.numbers_ok else 'NO'} score={s:.3f}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
