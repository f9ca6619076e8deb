"""Flesch–Kincaid reading grade, computed offline with a small syllable heuristic."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")  # "don't" and "don\u2019t" are one word
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Readability:
    """Counts behind a reading grade.

    >>> reading_stats("The cat sat. The dog ran.").words
    6
    """

    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """Flesch–Kincaid grade level (0.0 for empty text)."""
        if not self.words or not self.sentences:
            return 0.0
        return (
            0.39 * (self.words / self.sentences) + 11.8 * (self.syllables / self.words) - 15.59
        )


def count_syllables(word: str) -> int:
    """Estimate the syllables in one English word (at least 1 for any word with a letter; 0 for "").

    Args:
        word: a single word; case and a trailing possessive are ignored.
    Returns:
        The estimated syllable count.
    """
    w = word.lower().replace("\u2019", "'").strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    # A silent final "e" ("rate") does not add a syllable, but "-le" after a consonant does
    # ("table"; not "while", "scale").
    if w.endswith("e") and not (re.search(r"[^aeiouy]le$", w) or w.endswith(("ee", "ye"))):
        w = w[:-1]
    elif w.endswith(("es", "ed")) and not re.search(r"(t|d)ed$|(s|x|z|ch|sh|c|g)es$", w):
        w = w[:-2]
    groups = _VOWEL_GROUPS.findall(w)
    return max(1, len(groups))


def reading_stats(text: str) -> Readability:
    """Count words, sentences and syllables in plain text.

    Args:
        text: prose; a trailing fragment without final punctuation counts as a sentence.
    Returns:
        A `Readability` whose `grade` is the Flesch–Kincaid grade.
    """
    words = _WORD.findall(text)
    if not words:
        return Readability(0, 0, 0)
    stripped = text.strip()
    sentences = len(_SENTENCE_END.findall(stripped))
    if stripped and stripped[-1] not in ".!?":
        sentences += 1
    syllables = sum(count_syllables(w) for w in words)
    return Readability(len(words), max(1, sentences), syllables)


def reading_grade(text: str) -> float:
    """Flesch–Kincaid grade of `text` (0.0 when it has no words)."""
    return reading_stats(text).grade


def markdown_body_text(markdown: str) -> str:
    """Body prose of a Markdown document: no front matter, headings, or list markers."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    lines = []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        s = re.sub(r"^([-*+]|\d+\.)\s+", "", s)
        if s and s[-1] not in ".!?:":
            s += "."
        lines.append(s)
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a convenience for corpus writers
    for name in sys.argv[1:]:
        body = markdown_body_text(Path(name).read_text(encoding="utf-8"))
        st = reading_stats(body)
        print(f"{name}: grade {st.grade:.1f} ({st.words} words, {st.sentences} sentences)")
