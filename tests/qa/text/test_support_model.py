"""Citation support measured with the real bundled embedder: quoted, paraphrased, contradicted,
wrong numbers and unresolved citations each show in the evidence."""

from __future__ import annotations

import pytest

from qa.text.claims import Claim
from qa.text.support_model import SupportScorer

PASSAGE = ("A normal platelet count is 150 to 400 x10^9/L. ITP is not contagious. "
           "Bleeding gums and nosebleeds are common signs.")


@pytest.fixture(scope="module")
def scorer(embedder) -> SupportScorer:
    return SupportScorer(embedder)


def test_a_quoted_claim_is_fully_supported(scorer: SupportScorer) -> None:
    [ev] = scorer.evidence([Claim("ITP is not contagious.", (1,))], {1: PASSAGE})
    assert ev.quoted and ev.resolved and ev.numbers_ok and ev.polarity_ok
    assert ev.semantic > 0.99 and ev.lexical == 1.0


def test_a_paraphrase_is_close_and_an_unrelated_claim_is_not(scorer: SupportScorer) -> None:
    [near, far] = scorer.evidence([Claim("You cannot catch ITP from another person.", (1,)),
                                   Claim("Romiplostim is injected once a week.", (1,))], {1: PASSAGE})
    assert near.semantic > far.semantic + 0.2 and not near.quoted


def test_a_changed_number_and_a_flipped_claim_are_caught(scorer: SupportScorer) -> None:
    [number, flipped] = scorer.evidence([Claim("A normal platelet count is 50 to 100 x10^9/L.", (1,)),
                                         Claim("ITP is contagious.", (1,))], {1: PASSAGE})
    assert not number.numbers_ok
    assert not flipped.polarity_ok


def test_a_citation_with_no_source_is_unresolved(scorer: SupportScorer) -> None:
    [missing, partial] = scorer.evidence([Claim("ITP is not contagious.", (2,)),
                                          Claim("ITP is not contagious.", (1, 2))], {1: PASSAGE})
    assert not missing.resolved and missing.semantic == 0.0
    assert not partial.resolved and partial.semantic > 0.99


def test_texts_are_embedded_once(scorer: SupportScorer, embedder) -> None:
    calls: list[int] = []

    class Counting:
        def embed_texts(self, texts):
            calls.append(len(texts))
            return embedder.embed_texts(texts)

    counted = SupportScorer(Counting())
    counted.prepare([PASSAGE])
    counted.evidence([Claim("ITP is not contagious.", (1,))], {1: PASSAGE})
    assert len(calls) == 1  # the claim is one of the passage's sentences: nothing new to embed
