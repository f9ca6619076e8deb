"""A claim (a piece of a reply and the sources it cites) and the sentence split replies use."""

from __future__ import annotations

from dataclasses import dataclass

from qa.text.sentences import split_sentences


@dataclass(frozen=True)
class Claim:
    """A piece of a reply and the source numbers its marker(s) cite."""

    text: str
    refs: tuple[int, ...]


def sentences(text: str) -> list[str]:
    """A reply's claims: the library's one sentence splitter, also ending a claim at ":".

    >>> sentences("Normal is 150 to 450 x10^9/L. Experts agreed in 2009. Tips include: Rest.")
    ['Normal is 150 to 450 x10^9/L.', 'Experts agreed in 2009.', 'Tips include:', 'Rest.']
    """
    return split_sentences(text, at_colons=True)
