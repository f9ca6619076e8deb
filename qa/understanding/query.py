"""Query understanding without an LLM: typo repair, brand → generic names, lay words, count ranges."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from qa.text.english import is_english
from qa.text.sentences import split_sentences
from qa.text.words import STOPWORDS, edits1
from qa.understanding.lexicon import find_mentions
from qa.understanding.triage.rules import parse_count

# Lay words → the words our sources use. Only added to the lexical query; never shown to users.
LAY_TERMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b(?:{pattern})\b", re.I), expansion)
    for pattern, expansion in [
        (r"pee|wee|peeing|urinate|urinating", "urine"),
        (r"poo|poop|pooping|bowel movements?", "stool stools"),
        (r"catch|catching|catchy|infectious|spread it", "contagious"),
        (r"pass\w*\b[^.?!]{0,12}\bon|hereditary|genetic|run in (the )?famil(y|ies)|inherit\w*", "inherited genes families"),
        (r"shots?|jabs?", "injection vaccine"),
        (r"fly|flying|plane|flights?|airplane|aeroplane", "travel flying"),
        (r"keep track|track|log|record|write down|note down", "diary"),
        (r"cope|coping|stressed|overwhelmed|depressed", "emotional anxiety support"),
        (r"parents?|mum|mom|dad|caregivers?|carers?", "parents caregivers"),
        (r"blood tests?|bloods|blood work|bloodwork|checks?|checked", "count checked monitoring tests"),
        (r"tooth pulled|teeth pulled|pulled (a )?tooth|extraction", "extraction dental"),
        (r"operation|op|surgical", "surgery"),
        (r"painkillers?|pain killers?|pain relief|headache tablets", "pain painkiller"),
        (r"tired|exhausted|worn out|no energy|wiped out", "fatigue tired"),
        (r"dots|spots|rash|pinpricks?", "petechiae spots"),
        (r"cure|cured|go away|goes away|get better|grow out", "remission recover"),
        (r"rename|renamed|name change|called|old name", "name"),
        (r"heavy periods?|period|periods|menstrual", "periods heavy menstrual"),
        (r"abroad|holidays?|vacation|trip|travell?ing|overseas", "travel"),
        (r"have (a )?bab(y|ies)|get pregnant|getting pregnant|having (a )?bab(y|ies)|start a family|conceive", "pregnancy pregnant"),
        (r"get (them |it |my platelets |the count )?up|go up|boost|raise|increase|higher", "raise raised"),
        (r"booze|drinking|drinks|beer|wine", "alcohol"),
        (r"smoke|smoking|cigarettes|vape|vaping", "smoking"),
        (r"food|eat|eating|diet|foods", "diet food"),
        (r"sport|sports|football|soccer|rugby|hockey|boxing|martial arts", "sports contact"),
        (r"stop working|stopped working|doesn't work|not working", "response relapse"),
    ]
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Longer words are not repaired: no source word is that long, and the candidates of one word grow
# with its length (a 2,000-letter "word" made 200,000 of them, 250 ms per question).
_MAX_TYPO_LENGTH = 30


def count_band(count: float) -> str:
    """Words our sources use for a platelet count range, so "my count is 45" finds them."""
    if count < 10:
        return "count below 10"
    if count < 20:
        return "count below 20"
    if count < 30:
        return "count below 20 or 30"
    if count < 50:
        return "count between 20 and 50"
    if count < 100:
        return "count above 50"
    if count < 150:
        return "count 100 to 150 mild"
    return "normal count range 150 450"


def correct_spelling(text: str, vocabulary: Mapping[str, int], min_length: int = 5) -> str:
    """Repair one-letter typos ("predisone", "secnd") against the words the sources use.

    Args:
        text: the question.
        vocabulary: word → frequency in the indexed sources.
        min_length: shorter words are left alone (too many near neighbours).
    Returns:
        The text with unknown words replaced by the most frequent source word one edit away;
        everyday English words (`qa.text.english`) are never unknown.
    """
    if not vocabulary:
        return text

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if not min_length <= len(low) <= _MAX_TYPO_LENGTH or low in vocabulary or low in STOPWORDS or "'" in low:
            return word
        if is_english(low):  # a real word the sources never use ("thinking") is no typo of one
            return word
        # A letter dropped from a short word often makes another real word ("spain" → "pain"),
        # so short words are only repaired by adding, changing or swapping a letter.
        candidates = [w for w in edits1(low) if w in vocabulary and (len(w) >= len(low) or len(low) >= 7)]
        if not candidates:
            return word
        return max(candidates, key=lambda w: (vocabulary[w], w))

    return _WORD.sub(fix, text)


@dataclass(frozen=True)
class Query:
    """A question prepared for search: `dense` for the embedder, `lexical` for bm25."""

    text: str  # spelling repaired; what composition scores sentences against
    dense: str
    lexical: str


def focus(text: str, min_words: int = 25) -> str:
    """The asking part of a long message: its questions, plus what the rest names.

    "I was diagnosed last week and my count is 8. They started dexamethasone. How fast does it
    work?" is about how fast dexamethasone works; the story around it is context, not the query.
    """
    if len(text.split()) < min_words:
        return text
    sentences = split_sentences(text.replace("?", "? "))
    asks = [s for s in sentences if s.rstrip().endswith("?")] or sentences[-1:]
    if not asks or len(" ".join(asks).split()) >= len(text.split()) * 0.8:
        return text
    named = [m.name for m in find_mentions(text) if m.name.lower() not in " ".join(asks).lower()]
    return " ".join([*asks, *dict.fromkeys(named)])


def prepare(question: str, vocabulary: Mapping[str, int]) -> Query:
    """Build the search queries for a stand-alone question."""
    text = correct_spelling(question, vocabulary)
    asked = focus(text)
    canon = [m.name for m in find_mentions(asked) if m.name.lower() != m.surface.lower()]
    dense = " ".join([asked, *canon])
    extra = [exp for pattern, exp in LAY_TERMS if pattern.search(text)]
    count = parse_count(text)
    if count is not None:
        extra.append(count_band(count))
    return Query(text=asked, dense=dense, lexical=" ".join([dense, *extra]))
