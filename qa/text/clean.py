"""Text from outside, made safe to process once: NFC, no lone surrogates, no control characters.

A lone surrogate (JSON `"\\ud800"`, or an undecodable byte of a command-line argument) cannot be
encoded as UTF-8, so it breaks the tokenizer and every JSON encoder; control characters other
than newline and tab have no place in a question. The web server cleans every JSON body at the
edge (ui/security.py); the engine cleans what it is given too, for callers that are not the web.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

MAX_DEPTH = 32  # our requests nest a few levels; deeper JSON is refused, not walked

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all of Cc but \t and \n


class TooDeep(ValueError):
    """JSON nested more than `MAX_DEPTH` levels."""


def clean_text(text: str) -> str:
    """`text` in NFC with lone surrogates and control characters (except newline, tab) removed.

    >>> clean_text("is itp\\x00 \\ud800contagious?\\r\\n")
    'is itp contagious?\\n'
    >>> clean_text("cafe\\u0301") == "caf\\u00e9"
    True
    """
    if text.isascii() and text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROLS.sub("", _SURROGATES.sub("", text)))


def clean_value(value: Any, depth: int = 0) -> Any:
    """A JSON value with every string in it (keys too) passed through `clean_text`.

    Raises:
        TooDeep: the value nests more than `MAX_DEPTH` levels.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise TooDeep(f"the JSON nests more than {MAX_DEPTH} levels")
        return [clean_value(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise TooDeep(f"the JSON nests more than {MAX_DEPTH} levels")
        return {clean_text(str(k)): clean_value(v, depth + 1) for k, v in value.items()}
    return value


def clean_turns(history: Any) -> Any:
    """Earlier turns with their text cleaned; anything that is not a list of turns is left for
    the history check to refuse."""
    if not isinstance(history, list | tuple):
        return history
    return [
        {**t, "content": clean_text(t["content"])}
        if isinstance(t, dict) and isinstance(t.get("content"), str) else t
        for t in history
    ]
