"""Citation support: is each cited claim backed by its passage? Lexical overlap + embedding similarity.

The method (calibrated on `eval/calibration/support.yaml`, see eval/README.md):

    lexical  = share of the claim's content words (stop words dropped, light stemming) that occur
               in the cited passage(s)
    semantic = highest cosine similarity between the claim and any sentence of the cited passage(s)
               or the whole passage (all-MiniLM-L6-v2 vectors, computed by `eval.support_model`)
    score    = WEIGHT * lexical + (1 - WEIGHT) * semantic
    polarity = the claim is negated ("not", "never", "cannot", "n't", ...) exactly when the passage
               sentence most similar to it is
    quoted   = the claim occurs word for word in a cited passage (at least 20 characters)
    supported = quoted, or: score >= THRESHOLD, every number in the claim occurs in the
                passage(s), and the polarity agrees

The functions here are pure: the embedding similarity is an input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.text.words import stem

# Calibrated by `python -m eval.calibrate` on eval/calibration/support.yaml (see eval/README.md).
WEIGHT = 0.4
THRESHOLD = 0.721

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:[.,]\d+)*")
_STOP_WORDS = """
a an the and or but if then than so of to in on at by for with from into onto about as is are was
were be been being am do does did doing have has had having it its it's this that these those there
here which who whom whose what when where why how can could may might must shall should will would
i you he she we they me him her us them my your his our their mine yours not no nor very just also
more most some any all each every such only own same too s t don
"""
_STOP = frozenset(_STOP_WORDS.split())
_NEGATION = re.compile(r"\b(?:not|no|never|cannot|nor|none|nothing|neither)\b|n't\b", re.I)
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "half": "half",
}


def content_words(text: str) -> set[str]:
    """Lowercased, stemmed words of `text` without stop words (numbers kept, commas removed).

    >>> sorted(content_words("Platelets help the blood to clot."))
    ['blood', 'clot', 'help', 'platelet']
    """
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    return {stem(w.replace(",", "")) for w in words if w not in _STOP}


def numbers(text: str) -> set[str]:
    """The numbers a text states ("100,000" -> "100000"; "two" -> "2").

    >>> sorted(numbers("Two in three people, about 100,000 of them, for 1.5 days"))
    ['1.5', '100000', '2', '3']
    """
    found = {m.group().replace(",", "") for m in _NUMBER.finditer(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return found - {"half"}


def negated(text: str) -> bool:
    """Does the sentence carry a negation cue?

    >>> negated("Do not tip your head back."), negated("Lean forward.")
    (True, False)
    """
    return bool(_NEGATION.search(text.replace("\u2019", "'")))


def polarity_agrees(claim: str, nearest: Sequence[str]) -> bool:
    """Is the claim negated exactly when one of its nearest passage sentences is? (True if none.)

    The eval passes the single most similar sentence (`eval.support_model`).
    """
    if isinstance(nearest, str):
        raise ValueError("nearest must be a list of sentences, not a string")
    return not nearest or any(negated(s) == negated(claim) for s in nearest)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().casefold()


def quoted(claim: str, passages: Sequence[str], min_chars: int = 20) -> bool:
    """Is the claim (without its final punctuation) a word-for-word quote from a passage?

    >>> quoted("ITP is not contagious.", ["Hello. ITP is not contagious. Bye."])
    True
    """
    if isinstance(passages, str):
        raise ValueError("passages must be a list of texts, not a string")
    needle = _flat(claim).rstrip(".!?:; ")
    return len(needle) >= min_chars and any(needle in _flat(p) for p in passages)


def lexical_support(claim: str, passages: Sequence[str]) -> float:
    """Share of the claim's content words found in the passages (1.0 for a claim with none).

    Args:
        claim: the cited sentence, markers removed.
        passages: the texts of the sources it cites.
    """
    if isinstance(passages, str):
        raise ValueError("passages must be a list of texts, not a string")
    want = content_words(claim)
    if not want:
        return 1.0
    have: set[str] = set()
    for p in passages:
        have |= content_words(p)
    return len(want & have) / len(want)


def numbers_consistent(claim: str, passages: Sequence[str]) -> bool:
    """Does every number in the claim occur in the passages?"""
    if isinstance(passages, str):
        raise ValueError("passages must be a list of texts, not a string")
    have: set[str] = set()
    for p in passages:
        have |= numbers(p)
    return numbers(claim) <= have


def support_score(lexical: float, semantic: float, weight: float = WEIGHT) -> float:
    """The combined score: weight * lexical + (1 - weight) * semantic."""
    for name, value in (("lexical", lexical), ("weight", weight)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
    if not -1.0 <= semantic <= 1.0:
        raise ValueError(f"semantic (a cosine similarity) must be between -1 and 1, got {semantic}")
    return weight * lexical + (1.0 - weight) * semantic


@dataclass(frozen=True)
class Evidence:
    """The measurements behind one cited claim."""

    claim: str
    refs: tuple[int, ...]
    lexical: float
    semantic: float
    numbers_ok: bool
    polarity_ok: bool = True
    quoted: bool = False
    resolved: bool = True  # False when a cited number has no returned source (never supported)


@dataclass(frozen=True)
class SupportCase:
    """Support of the cited claims of one reply."""

    scores: tuple[float, ...]
    supported: tuple[bool, ...]
    rate: float


@dataclass(frozen=True)
class SupportResult:
    """Supported claims over all cited claims, and replies whose claims are all supported."""

    support_rate: float | None
    all_supported_rate: float | None
    claims: int
    evaluated: int  # replies with at least one cited claim
    threshold: float
    weight: float
    per_case: list[SupportCase | None]


def is_supported(ev: Evidence, threshold: float = THRESHOLD, weight: float = WEIGHT) -> bool:
    """The decision rule for one claim (see the module docstring)."""
    if not ev.resolved:
        return False
    return ev.quoted or (ev.numbers_ok and ev.polarity_ok
                         and support_score(ev.lexical, ev.semantic, weight) >= threshold)


def citation_support(
    evidence: Sequence[Sequence[Evidence] | None], threshold: float = THRESHOLD, weight: float = WEIGHT
) -> SupportResult:
    """Decide support for every cited claim.

    Args:
        evidence: per case, the evidence for each cited claim (None or empty: no cited claims).
        threshold: the score a claim needs.
        weight: the weight of lexical overlap in the score.
    Returns:
        The share of supported claims (over all claims), the share of replies whose claims are
        all supported, and per-case scores.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be between 0 and 1, got {weight}")
    per_case: list[SupportCase | None] = []
    for case in evidence:
        if not case:
            per_case.append(None)
            continue
        scores = tuple(support_score(e.lexical, e.semantic, weight) for e in case)
        ok = tuple(is_supported(e, threshold, weight) for e in case)
        per_case.append(SupportCase(scores, ok, sum(ok) / len(ok)))
    done = [c for c in per_case if c is not None]
    n_claims = sum(len(c.supported) for c in done)
    return SupportResult(
        support_rate=sum(sum(c.supported) for c in done) / n_claims if n_claims else None,
        all_supported_rate=sum(all(c.supported) for c in done) / len(done) if done else None,
        claims=n_claims, evaluated=len(done), threshold=threshold, weight=weight,
        per_case=per_case,
    )
