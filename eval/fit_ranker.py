"""`itpqa eval fit-ranker`: fit the section ranker (qa/understanding/ranker.yaml) on the bank's train phrasings.

Each train phrasing is asked as a question with its own vector left out of the phrasing index
(leave-one-out), so the "question" feature is what an unseen question would get. The features
of every retrieved hit, labelled by whether its section is the phrasing's, fit a logistic model;
the L2 strength is chosen by grouped 5-fold cross-validation on top-1 section accuracy. The
held-out phrasings and the eval suites never take part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np

from qa.corpus.questions import load_question_bank
from qa.index.adapter import PhrasingMatcher
from qa.index.phrasings import fit_matcher, indexed, section_key, split_of
from qa.understanding.ranker import FEATURES, Ranker, feature_vector
from qa.understanding.retrieve import HybridSearch

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)


FOLDS = 5


def fold_of(phrasing_suffix: str) -> int:
    """The cross-validation fold of a phrasing, from the hash in its id (":q<hash>")."""
    return int(phrasing_suffix.rsplit(":q", 1)[-1], 16) % FOLDS


class LeaveOneOut(HybridSearch):
    """The engine's search with one phrasing's own vector hidden from the phrasing index.

    The query adapter and section model were fitted on every train phrasing, the hidden one
    included, so here each phrasing is matched through an adapter and section model fitted
    without its fold (out-of-fold), as an unseen question would be.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden = ""  # the ":q<hash>" suffix of the phrasing being asked
        self.folds: dict[int, PhrasingMatcher] = {}

    def _fold_matcher(self) -> PhrasingMatcher | None:
        """The matcher fitted without the hidden phrasing's fold (None when nothing is hidden)."""
        return self.folds.get(fold_of(self.hidden)) if self.hidden else None

    def current_matcher(self) -> PhrasingMatcher | None:
        matcher = self._fold_matcher()
        return matcher if matcher is not None else super().current_matcher()

    def _phrasing_hits(self, qvec: np.ndarray) -> list[tuple[str, float]]:
        matcher = self._fold_matcher()
        found = (matcher.query(qvec, self.candidates * 3 + 1) if matcher is not None
                 else super()._phrasing_hits(qvec))
        return [(pid, sim) for pid, sim in found if not (self.hidden and pid.endswith(self.hidden))]


def fold_matchers(store: Any, generation: str) -> dict[int, PhrasingMatcher]:
    """One matcher per fold, its adapter and section model fitted without that fold's phrasings."""
    found = indexed(store, generation)
    out: dict[int, PhrasingMatcher] = {}
    for k in range(FOLDS):
        def in_fold(pid: str, k: int = k) -> bool:
            return fold_of(pid) == k

        matcher = fit_matcher(store, generation, leave_out=in_fold, phrasings=found)
        if matcher is not None:
            out[k] = matcher
    return out


def examples(bot: Any) -> Iterator[tuple[int, list[list[float]], list[int]]]:
    """(group, features per hit, labels per hit) for every train phrasing."""
    import hashlib

    search = LeaveOneOut(bot.reader, bot.embedder, bot.settings.candidates)
    info, _ = bot.reader.current()
    search.folds = fold_matchers(bot.reader.store, info.generation)
    pipeline = replace_search(bot.pipeline, search)
    bank = load_question_bank(bot.settings.corpus_dir / "questions")
    group = 0
    for entry in bank:
        for text in entry.phrasings:
            if split_of(text) != "train":
                continue
            search.hidden = f":q{hashlib.sha1(text.encode()).hexdigest()[:10]}"
            turn = pipeline.retrieve(pipeline.understand(bot._check_input(text, [])[0]))
            if not turn.hits or turn.vector is None:
                continue
            request = pipeline._request(turn, "answer")
            scores = bot.generator._score_all(request)
            labels = [int(section_key(h.row.passage.doc_id, h.row.passage.section) == entry.key)
                      for h in turn.hits]
            if not any(labels):
                continue  # retrieval missed the section: nothing for the ranker to choose
            yield group, [feature_vector(f) for f in scores.features], labels
            group += 1


def replace_search(pipeline: Any, search: HybridSearch) -> Any:
    clone = object.__new__(type(pipeline))
    clone.__dict__.update(pipeline.__dict__)
    clone.search = search
    return clone


def top1(groups: np.ndarray, y: np.ndarray, scores: np.ndarray) -> float:
    hits = total = 0
    for g in np.unique(groups):
        idx = np.where(groups == g)[0]
        total += 1
        hits += int(y[idx[np.argmax(scores[idx])]] == 1)
    return hits / total if total else 0.0


def fit(bot: Any) -> tuple[Ranker, dict[str, Any]]:
    """Fit and return the ranker, with what cross-validation measured."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    rows, labels, groups = [], [], []
    for g, feats, ys in examples(bot):
        rows += feats
        labels += ys
        groups += [g] * len(ys)
    x, y, grp = np.array(rows), np.array(labels), np.array(groups)
    cv: dict[float, float] = {}
    for c in C_GRID:
        pred = np.zeros(len(y))
        for train, test in GroupKFold(5).split(x, y, grp):
            clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x[train], y[train])
            pred[test] = clf.decision_function(x[test])
        cv[c] = top1(grp, y, pred)
    best = max(cv, key=lambda c: cv[c])
    clf = LogisticRegression(C=best, max_iter=5000, class_weight="balanced").fit(x, y)
    meta = {"date": dt.date.today().isoformat(), "phrasings": len(np.unique(grp)),
            "pairs": len(y), "C": best, "cv_top1": {str(c): round(v, 4) for c, v in cv.items()}}
    ranker = Ranker(dict(zip(FEATURES, map(float, clf.coef_[0]), strict=True)),
                    float(clf.intercept_[0]), meta)
    return ranker, meta


__all__ = ["fit"]
