"""Words the library never uses: how far a message strays from what the sources talk about.

An off-topic request is full of them ("explain pythagoras to her simply"); a real question mostly
is not, even in lay words, once a one-letter typo is forgiven. On the banks' train split, 12% of
the messages to decline have none, against 52% of the on-topic near-misses and 78% of the corpus
question-bank phrasings (which are not part of the vocabulary). Urgent messages have many too
(symptoms in everyday words), so the count is a feature the fitted heads weigh, never a rule.

The vocabulary is the documents' own text (front matter included), read from the corpus folder
without the index, so triage still needs nothing but files; the fitted model keeps a copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from qa.text.words import STOPWORDS, TOKEN, edits1, stem

MIN_TYPO_LENGTH = 5  # shorter words have too many real neighbours one letter away
MAX_TYPO_LENGTH = 30  # a longer "word" is unknown as it stands (its one-letter edits are too many)
BANDS = ("unknown_words_0", "unknown_words_1", "unknown_words_2", "unknown_words_3_or_more")


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower().replace("'", "").replace("\u2019", ""))


@dataclass(frozen=True)
class Library:
    """The words of the library's documents (empty: the feature is off)."""

    words: frozenset[str] = frozenset()
    _stems: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())

    @classmethod
    def from_corpus(cls, corpus_dir: Path) -> Library:
        """The words of every Markdown document in `corpus_dir` (not its question bank)."""
        words: set[str] = set()
        try:
            for path in sorted(corpus_dir.glob("*.md")):
                words.update(_tokens(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            return cls()
        return cls(frozenset(words))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_stems", frozenset(stem(w) for w in self.words))

    def unknown(self, text: str) -> list[str]:
        """The content words of `text` the library never uses, typos one letter off forgiven."""
        out: list[str] = []
        for tok in _tokens(text):
            if len(tok) < 3 or tok in STOPWORDS or any(ch.isdigit() for ch in tok):
                continue
            if tok in self.words or stem(tok) in self._stems:
                continue
            if MIN_TYPO_LENGTH <= len(tok) <= MAX_TYPO_LENGTH and not edits1(tok).isdisjoint(self.words):
                continue
            out.append(tok)
        return out

    def band(self, text: str) -> list[str]:
        """The feature term for how many unknown words `text` has ([] when the feature is off)."""
        if not self.words:
            return []
        return [BANDS[min(len(self.unknown(text)), len(BANDS) - 1)]]

    def digest(self) -> str:
        """A hash of the vocabulary (part of a fitted model's cache key)."""
        return hashlib.sha256("\n".join(sorted(self.words)).encode()).hexdigest()[:16]
