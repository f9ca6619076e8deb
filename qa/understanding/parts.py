"""Messages that ask two things: two questions, "X and Y", or a comparison of two named things."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.text.sentences import split_sentences
from qa.text.words import query_terms
from qa.understanding.followup import resolve
from qa.understanding.lexicon import Mention, find_mentions

MAX_PARTS = 2
_QWORD = r"(?:what|what's|whats|how|is|are|can|could|does|do|did|will|would|should|why|when|which|where|any|anything|who)"
# "what is X and what are its side effects", "is this ITP, and is there anything that helps"
_AND_Q = re.compile(rf"\s*(?:,\s*|\s)(?:and|also|plus|&)\s+(?={_QWORD}\b)", re.I)
_QUESTION = re.compile(rf"^\s*(?:so|and|but|also|ok|okay|hi|please|um)?[,\s]*{_QWORD}\b|\?\s*$", re.I)
_COMPARE = re.compile(
    r"\b(?:vs\.?|versus|compared? (?:to|with)|difference between|differ(?:ent)? from|"
    r"better than|or)\b", re.I)
# "the side effects of IVIG and anti-D": two medicines asked the same thing (not together).
_BOTH = re.compile(r"\band\b", re.I)
_TOGETHER = re.compile(r"\b(together|with each other|at the same time|combin\w*|mix\w*|interact\w*|same day)\b", re.I)
_REFER_BACK = re.compile(r"\b(it|its|they|them|their)\b", re.I)


@dataclass(frozen=True)
class Plan:
    """How to answer a message: one question, two parts, or a comparison of two things."""

    parts: tuple[str, ...]
    comparison: tuple[str, str] | None = None  # the two things compared (their names)


def _is_question(text: str) -> bool:
    return bool(_QUESTION.search(text)) and len(text.split()) >= 3


def _comparison(text: str) -> tuple[Mention, Mention] | None:
    seen: dict[str, Mention] = {}
    for m in find_mentions(text):
        if m.kind in ("treatment", "medicine", "topic") and m.name not in seen:
            seen[m.name] = m
    named = list(seen.values())
    if len(named) != 2:
        return None
    if _COMPARE.search(text):
        return named[0], named[1]
    both_medicines = all(m.kind in ("treatment", "medicine") for m in named)
    if both_medicines and _BOTH.search(text) and not _TOGETHER.search(text):
        return named[0], named[1]
    return None


def _aspect(text: str, a: Mention, b: Mention) -> str:
    """What the comparison is about, with both names and the comparing words taken out."""
    rest = text
    for m in sorted((a, b), key=lambda m: -m.start):
        rest = rest[: m.start] + " " + rest[m.start + len(m.surface):]
    rest = re.sub(r"\b(vs\.?|versus|compared? (to|with)|difference between|differ(ent)? from|"
                  r"better than|and|or|the|which is|which one is)\b", " ", rest, flags=re.I)
    rest = re.sub(r"[?,.!]+", " ", rest)
    return " ".join(rest.split())


def plan(message: str) -> Plan:
    """Split a message into at most two questions, each standing alone.

    >>> plan("what is romiplostim and what are its side effects?").parts
    ('what is romiplostim', "what are romiplostim's side effects?")
    """
    text = " ".join(message.split())
    pair = _comparison(text)
    if pair:
        a, b = pair
        aspect = _aspect(text, a, b)
        generic = {"how", "is", "are", "what", "whats", "difference", "different", "which", "one"}
        if not [t for t in query_terms(aspect) if t not in generic]:
            return Plan((f"what is {a.surface}", f"what is {b.surface}"), (a.name, b.name))
        return Plan((f"{aspect} {a.surface}", f"{aspect} {b.surface}"), (a.name, b.name))
    questions = [s for s in split_sentences(text) if _is_question(s)]
    if len(questions) < 2:
        pieces = [p.strip(" ,") for p in _AND_Q.split(text) if p.strip(" ,")]
        questions = [p for p in pieces if len(p.split()) >= 3] if len(pieces) > 1 else []
    if len(questions) < 2:
        return Plan((text,))
    first, second = questions[:MAX_PARTS]
    # The second part may lean on the first ("what are its side effects"): name the thing.
    named = find_mentions(first)
    if named and not find_mentions(second):
        subject = named[0].surface
        second = _REFER_BACK.sub(lambda m: f"{subject}'s" if m.group(1).lower() in ("its", "their") else subject,
                                 second, count=1)
    elif _REFER_BACK.search(second):
        second = resolve(second, [{"role": "user", "content": first}]).question
    return Plan((first, second))
