"""Check a model's answer sentence by sentence: markers, support, numbers and drug names.

A sentence reaches the patient only if it cites passages the model was given, every number and
medicine it names appears in those passages, it does not read like a dose, and the eval's offline
support measure (`qa.text.support`) finds it supported by them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answer.generate import Sentence
from qa.answer.llm_prompt import CANARY, NOT_COVERED, RULES
from qa.index.embedder import Embedder
from qa.text.claims import Claim
from qa.text.dose import DOSE_AMOUNT
from qa.text.support import (
    THRESHOLD,
    WEIGHT,
    Evidence,
    is_supported,
    numbers_consistent,
    support_score,
)
from qa.text.support_model import SupportScorer
from qa.understanding.lexicon import find_mentions
from qa.understanding.retrieve import Hit

log = logging.getLogger("qa.answer.verify")

REASONS = ("uncited", "bad_marker", "not_covered", "leak", "dose", "drug", "number", "unsupported",
           "negation")

_MARK = r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]"
_MARKS = re.compile(_MARK)
# A sentence ends at . ! ? (markers may follow) or at a marker group; the next sentence must have
# started, so a stream never cuts before the markers that belong to the sentence arrive.
_END = rf"(?:[.!?]+[\"')]*(?:\s*{_MARK})*|(?:\s*{_MARK})+(?:\s*[.!?]+[\"')]*)?)"
_BOUNDARY = re.compile(rf"{_END}(?=[ \t]+[\"'(]?[A-Z0-9])|\n\s*(?=[^\s\[])")
_LEADING = re.compile(r"^\s*(?:(?:[-*+•#>]+|\d+[.)])\s+)?(?:answer|response)\s*:\s*|^\s*(?:[-*+•#>]+|\d+[.)])\s+", re.I)
# Full stops that do not end a sentence: abbreviations and list numbers ("2. Steroids ...").
_NOT_AN_END = re.compile(r"\b(?:e\.g|i\.e|etc|vs|dr|approx|incl)\.$|(?:^|\n)\s*\d+[.)]$", re.I)
_NAMED_MARK = re.compile(r"\[\s*(?:sources?|passages?|refs?|references?)\s*(?=\d)", re.I)
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
# A tag the model has begun but not closed (`<source n="3" title="What is ITP? A`): never text.
_OPEN_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}\Z")
_EMPHASIS = re.compile(r"\*\*|__|`+|~~")
# Medicine names the lexicon does not know still look like medicines (-mab, -nib, -pag, ...).
_DRUG_LIKE = re.compile(
    r"\b[a-z]{3,}(?:mab|tinib|nib|pag|stim|sone|solone|olone|prine|mide|cillin|mycin|azole|pril"
    r"|olol|sartan|statin|parin|farin|platin|taxel|ciclovir|ovir|porin|limus)\b", re.I)
_NOT_DRUGS = frozenset({"watch and wait", "alcohol", "supplements"})


@dataclass(frozen=True)
class Proposed:
    """A sentence as the model wrote it: cleaned text and the passage numbers it cites (1-based)."""

    text: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class Verdict:
    """What verification decided about one proposed sentence."""

    proposed: Proposed
    sentence: Sentence | None  # the sentence to show (cites are hit indexes), None if removed
    reason: str  # "ok" or one of REASONS
    score: float | None = None  # support score against the cited passages, when computed
    dropped_markers: int = 0  # markers pointing at passages the model was not given

    @property
    def ok(self) -> bool:
        return self.sentence is not None


def clean_output(text: str) -> str:
    """Strip what must never reach the patient as markup: think blocks, tags, Markdown emphasis."""
    text = _THINK.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return _NAMED_MARK.sub("[", text)


def sentences_so_far(buffer: str) -> tuple[list[Proposed], str]:
    """The complete sentences of a streamed answer so far, and the rest to keep buffering.

    An unclosed tag at the end is held back whole, so a "?" in its title cannot end a sentence.

    >>> done, rest = sentences_so_far('ITP is rare [1]. It is not catching. <source n="2" title="Is ITP? A')
    >>> done, rest
    ([Proposed(text='ITP is rare.', markers=(1,))], ' It is not catching. <source n="2" title="Is ITP? A')
    """
    text = clean_output(buffer)
    tag = _OPEN_TAG.search(text)
    head, tail = (text[: tag.start()], text[tag.start():]) if tag else (text, "")
    done, rest = cut(head, final=False)
    return done, rest + tail


def _marker_numbers(group: str) -> list[int]:
    nums: list[int] = []
    for part in re.split(r"[,;]", group.strip("[] ")):
        bounds = [int(x) for x in re.findall(r"\d+", part)]
        if len(bounds) == 2 and re.search(r"[–-]", part) and 0 < bounds[1] - bounds[0] < 10:
            nums += range(bounds[0], bounds[1] + 1)
        else:
            nums += bounds
    return nums


def parse_piece(piece: str) -> Proposed:
    """One sentence of model output -> its text without markers and the numbers it cites."""
    markers = tuple(dict.fromkeys(n for m in _MARKS.finditer(piece) for n in _marker_numbers(m.group())))
    text = _MARKS.sub(" ", piece)
    text = re.sub(r"[\[\]]", " ", text)  # a stray bracket ("help. [ [1]") is not shown either
    text = _LEADING.sub("", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return Proposed(text, markers)


def cut(buffer: str, final: bool) -> tuple[list[Proposed], str]:
    """Split off the complete sentences of `buffer`.

    Args:
        buffer: cleaned model output so far.
        final: the output is complete (the tail is a sentence too).
    Returns:
        (complete sentences, the unfinished rest).
    """
    out: list[Proposed] = []
    pos = 0
    pieces = []
    for m in _BOUNDARY.finditer(buffer):
        if _NOT_AN_END.search(buffer[pos : m.end()].rstrip()):
            continue
        pieces.append(buffer[pos : m.end()])
        pos = m.end()
    rest = buffer[pos:]
    if final:
        pieces.append(rest)
        rest = ""
    for piece in pieces:
        p = parse_piece(piece)
        if any(ch.isalnum() for ch in p.text):
            out.append(p)
        elif p.markers and out:  # markers on a line of their own belong to the sentence before
            out[-1] = Proposed(out[-1].text, tuple(dict.fromkeys(out[-1].markers + p.markers)))
    return out, rest


def split_output(text: str) -> list[Proposed]:
    """All sentences of a complete model answer (a tag cut off at the end is dropped).

    >>> split_output("ITP is not contagious [1]. You can't catch it. [1][2]")
    [Proposed(text='ITP is not contagious.', markers=(1,)), Proposed(text="You can't catch it.", markers=(1, 2))]
    >>> split_output('ITP is rare. [1]\\n<source n="3" title="Infections and ITP:')
    [Proposed(text='ITP is rare.', markers=(1,))]
    """
    return cut(_OPEN_TAG.sub(" ", clean_output(text)), final=True)[0]


def drug_names(text: str) -> set[str]:
    """Medicines and treatments a text names: lexicon entities plus drug-like words, lowercased."""
    names = {m.name.lower() for m in find_mentions(text)
             if m.kind in ("medicine", "treatment") and m.name not in _NOT_DRUGS}
    return names | {w.lower() for w in _DRUG_LIKE.findall(text)}


def _shingles(text: str, n: int = 7) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


_RULE_SHINGLES = _shingles(RULES)


def leaks_prompt(text: str) -> bool:
    """Does the text repeat the canary or any seven-word run of the rules?"""
    return CANARY.lower() in text.lower() or bool(_shingles(text) & _RULE_SHINGLES)


class Verifier:
    """Decides, sentence by sentence, what of a model's answer may be shown.

    Support is the eval's measure (`qa.text.support_model.SupportScorer`), so what the verifier lets
    through is exactly what the eval would count as supported.

    >>> v = Verifier(shared_embedder())                                  # doctest: +SKIP
    >>> [d.reason for d in v.check(split_output("ITP is rare. [9]"), hits, given=6)]  # doctest: +SKIP
    ['bad_marker']
    """

    def __init__(self, embedder: Embedder, threshold: float = THRESHOLD, weight: float = WEIGHT) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.weight = weight

    def scorer(self) -> SupportScorer:
        """A support scorer for one answer (it caches every text it embeds, so one per answer)."""
        return SupportScorer(self.embedder)

    def check(self, proposed: Sequence[Proposed], hits: Sequence[Hit], given: int,
              scorer: SupportScorer | None = None) -> list[Verdict]:
        """Verify sentences against the hits they cite.

        Args:
            proposed: the model's sentences.
            hits: the request's hits; marker n means `hits[n - 1]`.
            given: how many hits the model was shown (markers above it are invalid).
            scorer: reuse one scorer across the sentences of a streamed answer.
        Returns:
            One verdict per sentence, in order.
        """
        given = min(given, len(hits))
        verdicts: list[Verdict] = []
        pending: list[tuple[int, Proposed, tuple[int, ...], int]] = []
        for p in proposed:
            cites = tuple(dict.fromkeys(m - 1 for m in p.markers if 1 <= m <= given))
            dropped = sum(1 for m in p.markers if not 1 <= m <= given)
            reason = self._precheck(p, cites, hits)
            verdicts.append(Verdict(p, None, reason or "pending", dropped_markers=dropped))
            if not reason:
                pending.append((len(verdicts) - 1, p, cites, dropped))
        if pending:
            # One scorer call: each sentence against each cited passage alone, and against all.
            claims = [Claim(p.text, refs) for _, p, cites, _ in pending
                      for refs in [*((c + 1,) for c in cites), tuple(c + 1 for c in cites)]]
            sources = {n: hits[n - 1].passage.text for n in range(1, given + 1)}
            evidence = iter((scorer or self.scorer()).evidence(claims, sources))
            for i, p, cites, dropped in pending:
                alone = [next(evidence) for _ in cites]
                together = next(evidence)
                verdicts[i] = self._decide(p, cites, alone, together, dropped, hits)
        for v in verdicts:
            if not v.ok:
                log.debug("removed (%s, score %s): %r cites %s", v.reason, v.score, v.proposed.text,
                          v.proposed.markers)
        return verdicts

    def _precheck(self, p: Proposed, cites: tuple[int, ...], hits: Sequence[Hit]) -> str:
        if leaks_prompt(p.text):
            return "leak"
        if NOT_COVERED.lower() in p.text.lower():
            return "not_covered"
        if not p.markers:
            return "uncited"
        if not cites:
            return "bad_marker"
        if DOSE_AMOUNT.search(p.text):
            return "dose"
        if not self._names_ok(p, cites, hits):
            return "drug"
        if not numbers_consistent(p.text, [hits[c].passage.text for c in cites]):
            return "number"
        return ""

    @staticmethod
    def _names_ok(p: Proposed, cites: Sequence[int], hits: Sequence[Hit]) -> bool:
        """Every medicine the sentence names appears in the passages it cites."""
        cited = " ".join(hits[c].passage.text for c in cites)
        lower = cited.lower()
        return not {d for d in drug_names(p.text) - drug_names(cited) if d not in lower}

    def _decide(self, p: Proposed, cites: tuple[int, ...], alone: list[Evidence], together: Evidence,
                dropped: int, hits: Sequence[Hit]) -> Verdict:
        # Keep only the cited passages that support the sentence on their own (and name its
        # medicines); if none does, the sentence may still combine what they say together.
        own = [(c, ev) for c, ev in zip(cites, alone, strict=True)
               if is_supported(ev, self.threshold, self.weight) and self._names_ok(p, (c,), hits)]
        if own:
            score = max(support_score(ev.lexical, ev.semantic, self.weight) for _, ev in own)
            return Verdict(p, Sentence(p.text, tuple(c for c, _ in own)), "ok", score, dropped)
        score = support_score(together.lexical, together.semantic, self.weight)
        if is_supported(together, self.threshold, self.weight):
            return Verdict(p, Sentence(p.text, cites), "ok", score, dropped)
        polarity_only = score >= self.threshold and not together.polarity_ok
        return Verdict(p, None, "negation" if polarity_only else "unsupported", score, dropped)
