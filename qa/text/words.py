"""Words of a text: the tokenizer, the stop words and the one light stemmer every measure shares."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "im",
        "ive",
        "id",
        "dont",
        "doesnt",
        "cant",
        "wont",
        "isnt",
        "arent",
        "whats",
        "hows",
        "get",
        "got",
        "getting",
        "really",
        "also",
        "still",
        "ok",
        "okay",
        "please",
        "thanks",
        "thank",
        "hi",
        "hello",
        "tell",
        "know",
        "much",
        "many",
        "lot",
        "lots",
        "ever",
        "thing",
        "things",
        "go",
        "going",
        "one",
    ]
)
TOKEN = re.compile(r"[a-z0-9]+")
_SUFFIX = re.compile(r"(ing|ed|ly|es|s)$")


def query_terms(text: str) -> list[str]:
    """Content words of a question, lowercased, stop words removed, order kept, no repeats.

    >>> query_terms("Can I fly with ITP? I'm flying soon")
    ['fly', 'itp', 'flying', 'soon']
    """
    seen: list[str] = []
    for tok in TOKEN.findall(text.lower().replace("'", "")):
        if tok not in STOPWORDS and (len(tok) > 1 or tok.isdigit()) and tok not in seen:
            seen.append(tok)
    return seen


def stem(word: str) -> str:
    """A light stemmer: one of -ing, -ed, -ly, -es, -s off a word longer than four letters.

    >>> [stem(w) for w in ("platelets", "bleeding", "uses", "gently")]
    ['platelet', 'bleed', 'uses', 'gent']
    """
    return _SUFFIX.sub("", word) if len(word) > 4 else word


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def edits1(word: str) -> set[str]:
    """Every string one deleted, swapped, changed or added letter away from `word`.

    >>> "platelet" in edits1("platlet"), "platelet" in edits1("plalet")
    (True, False)
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)
