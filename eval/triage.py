"""`itpqa eval triage`: the triage detector on the frozen validation sets, per red flag.

Five frozen sets, none ever used for fitting or tuning:
- the banks' validation split (20%, `qa.understanding.triage.banks.split_of`),
- `eval/suites/frozen/triage.yaml`, written before the learned triage existed,
- `eval/suites/frozen/triage-context.yaml`, written before context statements ("I'm 28 weeks
  pregnant with ITP", "I have no spleen") were taught as near-misses, and
- `eval/suites/frozen/triage-fresh.yaml`, 180 new messages written before the sixth session's
  triage changes, and
- `eval/suites/frozen/triage-time.yaml`, 150 messages on time and framing (an emergency earlier
  today or an old knock with a new symptom; a sign long over, planned for or asked about in
  general), written before the rules learned to read a sign as planned for or long over.

Each case is asked through the whole `Assistant` (earlier turns first, as a conversation), so the
figures are what a patient would get, not what one component would say.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

GATED = ("urgent", "abstain", "decline")
NOT_IN_SOURCES = "not_in_sources"  # the answer path's reason when the library has nothing
FROZEN_SUITE = Path(__file__).parent / "suites" / "frozen" / "triage.yaml"
# Written before the context-statement change ("I'm 28 weeks pregnant with ITP" made urgent).
CONTEXT_SUITE = Path(__file__).parent / "suites" / "frozen" / "triage-context.yaml"
# Written 2026-12-02 before that session's triage changes (banks abstain-c, decline-d).
FRESH_SUITE = Path(__file__).parent / "suites" / "frozen" / "triage-fresh.yaml"
# Written 2026-12-04 before the rules' "not now" reading (a sign planned for or long over).
TIME_SUITE = Path(__file__).parent / "suites" / "frozen" / "triage-time.yaml"
FROZEN_SUITES = (FROZEN_SUITE, CONTEXT_SUITE, FRESH_SUITE, TIME_SUITE)


@dataclass(frozen=True)
class TriageCase:
    """One message to triage. `expected` is a kind, or "not-urgent" for an urgent near-miss."""

    id: str
    turns: tuple[str, ...]
    expected: str
    group: str = ""  # red-flag id, decision type or category (from tags or the bank group)


@dataclass
class Outcome:
    kind: str
    reason: str
    text: str = ""


@dataclass(frozen=True)
class TriageResult:
    """Recall and false-positive rate per gated kind, and per red flag."""

    n: int
    recall: dict[str, float | None]
    false_rate: dict[str, float | None]
    per_flag: dict[str, dict[str, Any]]
    misses: list[dict[str, str]] = field(default_factory=list)

    def metrics(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for k in GATED:
            out[f"{k}_recall"] = self.recall[k]
            out[f"false_{k}_rate"] = self.false_rate[k]
        return out


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def score(cases: Sequence[TriageCase], outcomes: Sequence[Outcome]) -> TriageResult:
    """Pure scoring of triage outcomes.

    Recall for kind K: cases expecting K that got K. False-K rate: cases not expecting K (an
    urgent near-miss counts only against urgent) that got K. Per red flag: recall over that
    flag's urgent cases, near-misses of that flag made urgent, and other cases made urgent with
    that flag as the reason.

    "Not in my sources" is what the answer path says when the library has nothing: triage let
    the message through, so it counts as an answer here (the answers suites score it), not as
    a referral of a personal decision.
    """
    if len(cases) != len(outcomes):
        raise ValueError("cases and outcomes differ in length")
    hit: Counter[str] = Counter()
    pos: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    neg: Counter[str] = Counter()
    flags: dict[str, Counter[str]] = defaultdict(Counter)
    misses = []
    for case, out in zip(cases, outcomes, strict=True):
        if out.kind == "abstain" and out.reason == NOT_IN_SOURCES:
            out = replace(out, kind="answer")
        for k in GATED:
            if case.expected == k:
                pos[k] += 1
                hit[k] += out.kind == k
            elif case.expected != "not-urgent" or k == "urgent":
                neg[k] += 1
                fp[k] += out.kind == k
        if case.expected == "urgent":
            flags[case.group]["cases"] += 1
            flags[case.group]["caught"] += out.kind == "urgent"
        elif case.expected == "not-urgent":
            flags[case.group]["near_misses"] += 1
            flags[case.group]["near_misses_urgent"] += out.kind == "urgent"
        if case.expected != "urgent" and out.kind == "urgent":
            flags[out.reason]["false_urgent_reason"] += 1
        wrong = (out.kind != case.expected) if case.expected != "not-urgent" else out.kind == "urgent"
        if wrong:
            misses.append({"id": case.id, "expected": case.expected, "got": out.kind,
                           "reason": out.reason, "group": case.group, "message": case.turns[-1]})
    per_flag = {
        f: {"recall": _ratio(c["caught"], c["cases"]), "cases": c["cases"],
            "near_miss_false_urgent": _ratio(c["near_misses_urgent"], c["near_misses"]),
            "near_misses": c["near_misses"], "false_urgent_with_this_reason": c["false_urgent_reason"]}
        for f, c in sorted(flags.items()) if f
    }
    return TriageResult(len(cases), {k: _ratio(hit[k], pos[k]) for k in GATED},
                        {k: _ratio(fp[k], neg[k]) for k in GATED}, per_flag, misses)


# -- case sources -----------------------------------------------------------------------------
def bank_cases(split: str = "validation") -> list[TriageCase]:
    """The banks' rows of one split; negatives expect "answer" (or "not-urgent" for urgent ones)."""
    from qa.understanding.triage.banks import load_banks

    out = []
    for i, ex in enumerate(load_banks()):
        if ex.split != split:
            continue
        expected = ex.kind if ex.positive else ("not-urgent" if ex.kind == "urgent" else "answer")
        out.append(TriageCase(f"{ex.source}:{ex.group}:{i}", (*ex.history, ex.text), expected, ex.group))
    return out


def suite_cases(path: Path) -> list[TriageCase]:
    """Cases of an eval suite file, includes followed (its `kind` and, for urgent ones, the
    red-flag tag; a tag like "head-injury" is read as the flag "head_injury")."""
    from eval.suite import load_suite
    from qa.understanding.triage.flags import red_flags

    flags = set(red_flags())
    out = []
    for c in load_suite(path).cases:
        tags = [str(t).replace("-", "_") for t in c.tags]
        group = next((t for t in tags if t in flags), "")
        if not group:
            group = next((t for t in tags if t not in ("triage", "frozen", "near_miss", c.kind)), "")
        out.append(TriageCase(str(c.id), tuple(c.turns), str(c.kind), group))
    return out


def run(bot: Any, cases: Sequence[TriageCase]) -> list[Outcome]:
    """Ask each case as a conversation and record the last reply's kind and reason."""
    outcomes = []
    for case in cases:
        history: list[dict] = []
        reply = None
        for turn in case.turns:
            reply = bot.ask(turn, list(history))
            history += [{"role": "user", "content": turn}, {"role": "assistant", "content": reply.answer}]
        assert reply is not None
        outcomes.append(Outcome(reply.kind, reply.reason, reply.text))
    return outcomes


def report(name: str, result: TriageResult) -> str:
    """A plain-text table: overall rates, then recall and false positives per red flag."""
    def pct(v: float | None) -> str:
        return "  –  " if v is None else f"{v:5.3f}"

    lines = [f"{name}: {result.n} cases"]
    lines.append("  " + "  ".join(f"{k} recall {pct(result.recall[k])} / false {pct(result.false_rate[k])}"
                                  for k in GATED))
    lines.append(f"  {'red flag':<24} {'recall':>7} {'cases':>6} {'near-miss→urgent':>17} {'false urgent (reason)':>22}")
    for f, row in result.per_flag.items():
        if not row["cases"] and not row["near_misses"] and not row["false_urgent_with_this_reason"]:
            continue
        nm = "" if row["near_miss_false_urgent"] is None else f"{row['near_miss_false_urgent']:.3f} of {row['near_misses']}"
        lines.append(f"  {f:<24} {pct(row['recall']):>7} {row['cases']:>6} {nm:>17} {row['false_urgent_with_this_reason']:>22}")
    return "\n".join(lines)
