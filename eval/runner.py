"""Run a suite's cases against anything with `ask(question, history)`, or replay a replies file."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from tqdm import tqdm

from eval.replies import Observed, RepliesError, observe
from eval.suite import Case

Retrieve = Callable[[str], Sequence[str]]


class Askable(Protocol):
    """The `Assistant.ask` contract: returns an object (or dict) with text, kind, citations."""

    def ask(self, question: str, history: Sequence[dict] | None = None) -> Any: ...


class RunnerError(RuntimeError):
    """The target could not answer at all (every case failed): a tool problem, not a quality one."""


@dataclass
class CaseRun:
    """The replies one case produced (one per turn), or the error that stopped it."""

    case: Case
    replies: list[Observed] = field(default_factory=list)
    error: str = ""

    @property
    def final(self) -> Observed | None:
        """The scored reply: the last turn's, when every turn was answered."""
        if self.error or len(self.replies) != len(self.case.turns):
            return None
        return self.replies[-1]


def _item(hit: Any) -> str:
    """A hit (engine `Hit`, LangChain document, dict or string) as "doc-id#section"."""
    if isinstance(hit, str):
        return hit
    passage = getattr(hit, "passage", None) or hit
    meta = getattr(passage, "metadata", None)
    get = (lambda k: meta.get(k, "")) if isinstance(meta, Mapping) else (
        (lambda k: passage.get(k, "")) if isinstance(passage, Mapping) else (lambda k: getattr(passage, k, "")))
    doc_id, section = str(get("doc_id") or ""), str(get("section") or "")
    return f"{doc_id}#{section}" if section else doc_id


def default_retrieve(target: Any, k: int) -> Retrieve | None:
    """How to see what the target retrieves for a question, if it lets us.

    Prefers a public `target.retrieve(question, k=...)`, then `target.search.search(question, k=...)`
    (the engine's `HybridSearch`); None when the target offers neither.
    """
    fn = getattr(target, "retrieve", None)
    if callable(fn):
        return lambda q: [_item(h) for h in fn(q, k=k)]
    search = getattr(getattr(target, "search", None), "search", None)
    if callable(search):
        return lambda q: [_item(h) for h in search(q, k=k)]
    return None


class Runner:
    """Asks every case's turns in order (earlier replies become history) and records the replies.

    >>> runs = Runner(Assistant(), k=6).run(load_suite("eval/suites/dev.yaml").cases)  # doctest: +SKIP
    """

    def __init__(self, target: Askable, *, k: int = 6, retrieve: Retrieve | None = None,
                 progress: bool = True, description: str = "eval") -> None:
        if not callable(getattr(target, "ask", None)):
            raise TypeError("the target must have an ask(question, history) method")
        self.target = target
        self.k = k
        self.retrieve = retrieve if retrieve is not None else default_retrieve(target, k)
        self.progress = progress
        self.description = description

    def warm_up(self) -> None:
        """Let the target load its model and index first, so the first case's latency is fair."""
        warm = getattr(self.target, "warm_up", None)
        if callable(warm):
            warm()

    def run_case(self, case: Case) -> CaseRun:
        run = CaseRun(case)
        history: list[dict] = []
        for i, turn in enumerate(case.turns):
            start = time.perf_counter()
            try:
                raw = self.target.ask(turn, list(history))
            except Exception as exc:
                run.error = f"turn {i + 1}: {exc.__class__.__name__}: {exc}"
                return run
            ms = (time.perf_counter() - start) * 1000
            try:
                obs = observe(raw, f"case '{case.id}' turn {i + 1}", latency_ms=ms)
            except RepliesError as exc:
                run.error = str(exc)
                return run
            run.replies.append(obs)
            history += [{"role": "user", "content": turn},
                        {"role": "assistant", "content": obs.answer or obs.text}]
        final = run.replies[-1]
        if self.retrieve is not None and final.retrieved is None:
            try:
                ranked = tuple(self.retrieve(final.question or case.question))[: self.k]
            except Exception as exc:
                run.error = f"retrieval: {exc.__class__.__name__}: {exc}"
                return run
            run.replies[-1] = replace(final, retrieved=ranked)
        return run

    def run(self, cases: Sequence[Case]) -> list[CaseRun]:
        """Run the cases (with a progress bar on stderr unless `progress` is off).

        Raises:
            RunnerError: when every case failed with an error.
        """
        self.warm_up()
        runs = [self.run_case(c) for c in tqdm(cases, desc=self.description, unit="case",
                                               disable=not self.progress, leave=False)]
        if runs and all(r.error for r in runs):
            raise RunnerError(f"every case failed; the first: {runs[0].case.id}: {runs[0].error}")
        return runs


def replay(cases: Sequence[Case], replies: Mapping[str, Sequence[Observed]]) -> list[CaseRun]:
    """Runs from a replies file: each case gets its recorded replies (the last one is scored).

    A case missing from the file is an error case (so a partial file cannot look good).
    """
    runs = []
    for case in cases:
        got = list(replies.get(case.id, []))
        if not got:
            runs.append(CaseRun(case, [], "no reply for this case in the replies file"))
            continue
        if len(got) not in (1, len(case.turns)):
            runs.append(CaseRun(case, [], f"the replies file has {len(got)} replies for a "
                                          f"{len(case.turns)}-turn case (give 1 or {len(case.turns)})"))
            continue
        # Only the final reply is scored: pad single-reply entries so `final` is the given one.
        padded = got if len(got) == len(case.turns) else [got[-1]] * len(case.turns)
        runs.append(CaseRun(case, padded))
    return runs
