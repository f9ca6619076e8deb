"""Input cleaning (qa/text/clean.py) and the engine's own use of it."""

from __future__ import annotations

import json

import pytest

from qa.disclaimer import DISCLAIMER
from qa.text.clean import MAX_DEPTH, TooDeep, clean_text, clean_turns, clean_value


@pytest.mark.parametrize(("raw", "clean"), [
    ("Is ITP contagious?", "Is ITP contagious?"),
    ("is itp \ud800", "is itp "),
    ("\udfff\udbff? a\udc80b", "? ab"),  # lone halves, and a surrogate-escaped byte of a CLI arg
    ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
    ("windows\r\nand mac\rline ends", "windows\nand mac\nline ends"),
    ("nul\x00 bell\x07 esc\x1b[2J del\x7f c1\x85", "nul bell esc[2J del c1"),
    ("cafe\u0301 and e\u0308", "caf\u00e9 and \u00eb"),  # NFC
    ("\U0001F600 emoji and \u200d joiners stay", "\U0001F600 emoji and \u200d joiners stay"),
])
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert clean_text(clean) == clean  # once is enough
    clean.encode("utf-8")  # always encodable


def test_clean_value_walks_json_and_refuses_deep_nesting() -> None:
    value = {"question": "a\ud800", "history": [{"role": "user\x00", "content": "b\udfff"}], "k\ud800": 1}
    assert clean_value(value) == {"question": "a", "history": [{"role": "user", "content": "b"}], "k": 1}
    json.dumps(clean_value(value), ensure_ascii=False).encode("utf-8")
    deep: list = []
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(TooDeep):
        clean_value(deep)
    assert clean_turns("not turns") == "not turns"
    assert clean_turns([{"role": "user", "content": "x\ud800"}, "junk"]) == [{"role": "user", "content": "x"}, "junk"]


@pytest.mark.parametrize(("question", "history"), [
    ("is itp \ud800", None),
    ("is itp contagious?", [{"role": "user", "content": "what is itp \ud800"},
                            {"role": "assistant", "content": "ITP is \udfff"}]),
    ("\ud800\x00\x1b", None),  # nothing left: the empty-question reply
])
def test_the_engine_cleans_its_own_input(assistant, question: str, history) -> None:
    reply = assistant.ask(question, history)  # was a TypeError from the tokenizer
    assert reply.text.endswith(DISCLAIMER)
    json.dumps(reply.to_dict(), ensure_ascii=False).encode("utf-8")
    events = list(assistant.stream(question, history))
    assert events[-1].reply is not None and events[-1].reply.text.endswith(DISCLAIMER)
