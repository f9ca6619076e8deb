"""A claim (a piece of a reply and the sources it cites) and the sentence split replies use."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r"(?<=[.!?:])[\"')\]]*\s+(?=[\"'(]?[A-Z0-9])")


@dataclass(frozen=True)
class Claim:
    """A piece of a reply and the source numbers its marker(s) cite."""

    text: str
    refs: tuple[int, ...]


def sentences(text: str) -> list[str]:
    """Split text at paragraph breaks and after ". ! ? :" before a capital or digit.

    >>> sentences("Normal is 150 to 450 x10^9/L. Experts agreed in 2009. Tips include: Rest.")
    ['Normal is 150 to 450 x10^9/L.', 'Experts agreed in 2009.', 'Tips include:', 'Rest.']
    """
    out = []
    for para in re.split(r"\n\s*\n", text):
        out += [s.strip() for s in _BOUNDARY.split(para.strip()) if any(ch.isalnum() for ch in s)]
    return out
