"""`itpqa eval triage-cv`: the whole triage (rules and learned detector) cross-validated on the
banks' train split, the only place triage may be tuned.

Each fold fits the detector on the other folds (and on the other folds' question-bank phrasings,
its ordinary-question negatives), then triages every held-out row exactly as the app does
(`Triage.check`: pieces, rules, thresholds, conversation turns). The frozen sets, the banks'
validation split and `eval/suites/frozen/triage.yaml`, are never read here.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eval.triage import Outcome, TriageCase, TriageResult, score
from qa.understanding.triage.banks import Example
from qa.understanding.triage.detector import Triage
from qa.understanding.triage.model import fit
from qa.understanding.triage.unknown_words import Library


def _fold(text: str, folds: int) -> int:
    return int.from_bytes(hashlib.sha256(f"cv\x00{text.lower()}".encode()).digest()[:4], "big") % folds


def _case(i: int, ex: Example) -> TriageCase:
    expected = ex.kind if ex.positive else ("not-urgent" if ex.kind == "urgent" else "answer")
    return TriageCase(f"{ex.source}:{ex.group}:{i}", (*ex.history, ex.text), expected, ex.group)


@dataclass(frozen=True)
class CrossValidation:
    banks: TriageResult  # held-out bank rows
    questions: TriageResult  # held-out question-bank phrasings (every one must be answered)
    folds: int


def cross_validate(examples: Sequence[Example], answerable: Sequence[str], embedder: object,
                   embed: Callable[[Sequence[str]], object], folds: int = 5,
                   questions_per_fold: int = 200, progress: Callable[[str], None] | None = None,
                   library: Library | None = None) -> CrossValidation:
    """Fit on k-1 folds of the train split, triage the held-out fold, pool the outcomes.

    Args:
        examples: bank rows; validation rows are dropped here whatever the caller passes.
        answerable: ordinary questions (the corpus question bank).
        embedder: what `Triage` embeds messages with (`embed_query`, `embed_queries`).
        embed: texts -> vectors for fitting (usually a `VectorCache` over the embedder).
        questions_per_fold: held-out phrasings triaged per fold (a seeded sample).
        library: the documents' words (`Library.from_corpus`), as the app fits with them.
    """
    train = [ex for ex in examples if ex.split == "train"]
    bank_cases: list[TriageCase] = []
    bank_out: list[Outcome] = []
    q_cases: list[TriageCase] = []
    q_out: list[Outcome] = []
    rng = random.Random(11)
    for k in range(folds):
        fit_rows = [ex for ex in train if _fold(ex.text, folds) != k]
        held = [(i, ex) for i, ex in enumerate(train) if _fold(ex.text, folds) == k]
        fit_q = [q for q in answerable if _fold(q, folds) != k]
        held_q = [q for q in answerable if _fold(q, folds) == k]
        held_q = rng.sample(held_q, min(questions_per_fold, len(held_q)))
        model = fit(fit_rows, embed, fit_q, library)  # type: ignore[arg-type]
        triage = Triage(embedder, None)
        triage._model = model
        for i, ex in held:
            history = [{"role": "user", "content": h} for h in ex.history]
            gate = triage.check(ex.text, history)
            bank_cases.append(_case(i, ex))
            bank_out.append(Outcome(gate.kind if gate else "answer", gate.reason if gate else ""))
        for j, q in enumerate(held_q):
            gate = triage.check(q)
            q_cases.append(TriageCase(f"question:{k}:{j}", (q,), "answer", "question_bank"))
            q_out.append(Outcome(gate.kind if gate else "answer", gate.reason if gate else ""))
        if progress:
            progress(f"fold {k + 1}/{folds}: {len(held)} rows, {len(held_q)} questions")
    return CrossValidation(score(bank_cases, bank_out), score(q_cases, q_out), folds)
