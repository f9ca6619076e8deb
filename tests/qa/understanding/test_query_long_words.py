"""A very long single word costs about what a normal question costs (it once took 250-330 ms)."""

from __future__ import annotations

import random
import statistics
import time

from qa.disclaimer import DISCLAIMER
from qa.understanding.query import correct_spelling

VOCAB = {"prednisone": 40, "second": 30, "treatment": 50, "platelets": 90}


def _word(length: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))


def _median_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_spelling_repair_skips_words_no_source_word_is_near() -> None:
    long = "itp " + _word(1995)
    assert correct_spelling(long, VOCAB) == long
    assert _median_ms(lambda: correct_spelling(long, VOCAB)) < 20  # was about 240 ms
    assert correct_spelling("predisone and a treatmnt", VOCAB) == "prednisone and a treatment"


def test_a_1999_character_word_is_answered_about_as_fast_as_a_normal_question(assistant) -> None:
    normal, long = "Is ITP contagious?", "itp " + _word(1995)
    for q in (normal, long):
        assistant.ask(q)  # warm
    assert len(long) == 1999 and assistant.ask(long).text.endswith(DISCLAIMER)
    t_normal = _median_ms(lambda: assistant.ask(normal))
    t_long = _median_ms(lambda: assistant.ask(long))
    assert t_long < 3 * t_normal + 30, (t_normal, t_long)
