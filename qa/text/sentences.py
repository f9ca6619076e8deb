"""Sentence splitting tuned for patient-education prose (abbreviations, bullets, numbers)."""

from __future__ import annotations

import re

_ABBREVIATIONS = (
    "e.g", "i.e", "etc", "vs", "dr", "mr", "mrs", "ms", "prof", "approx", "no", "fig", "st",
    "u.s", "u.k", "a.m", "p.m", "al", "mg", "min", "max", "inc", "ltd", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)


def _boundary(ends: str) -> re.Pattern[str]:
    """After one of `ends` (and up to two closing quotes or brackets, which stay with their
    sentence), before a capital or a digit. Python's look-behinds are fixed-width: one each."""
    close = "\"')\\]"
    after_end = "|".join(rf"(?<=[{ends}]{f'[{close}]{{{n}}}' if n else ''})" for n in range(3))
    return re.compile(rf"(?:{after_end})\s+(?=[\"'(\[]?[A-Z0-9])")


_BOUNDARY = _boundary(".!?")
_COLON_BOUNDARY = _boundary(".!?:")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_SPACE = re.compile(r"\s+")


_LAST_WORD = re.compile(r"(?:^|[\s(])([\w.]+)\.$")  # a whole word: "x10^9/L." is no initial


def _ends_with_abbreviation(text: str) -> bool:
    # Only the tail can hold the last word: searching a buffer that grows with every piece made
    # a run of thousands of abbreviations quadratic ("e.g. " x 3000 took 2 s).
    m = _LAST_WORD.search(text[-80:])
    if not m:
        return False
    word = m.group(1).lower()
    return word in _ABBREVIATIONS or len(word) == 1


def split_sentences(text: str, *, at_colons: bool = False) -> list[str]:
    """Split prose into sentences; each bullet or line-broken item is its own sentence.

    Args:
        text: plain text, possibly with Markdown bullets and hard line breaks.
        at_colons: also end a sentence at ":" before a capital or digit (a reply's claims:
            "Tips include: Rest." is two claims, each to be cited).
    Returns:
        Sentences with whitespace folded; empty pieces dropped.
    """
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        items: list[str] = []
        for ln in lines:
            if _BULLET.match(ln) or not items:
                items.append(_BULLET.sub("", ln))
            else:
                items[-1] += " " + ln.strip()
        for item in items:
            item = _SPACE.sub(" ", item).strip()
            if not item:
                continue
            pieces = (_COLON_BOUNDARY if at_colons else _BOUNDARY).split(item)
            buf = ""
            for piece in pieces:
                buf = f"{buf} {piece}".strip() if buf else piece.strip()
                if not _ends_with_abbreviation(buf):
                    out.append(buf)
                    buf = ""
            if buf:
                out.append(buf)
    return [s for s in out if any(ch.isalnum() for ch in s)]
