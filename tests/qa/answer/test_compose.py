"""The extractive generator over the session's real index, and the aspect words it weighs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from qa.answer.compose import ExtractiveGenerator, aspect_terms
from qa.answer.generate import Request
from qa.chain import Turn

MakeRequest = Callable[..., Request]


@pytest.fixture(scope="module")
def generator(assistant) -> ExtractiveGenerator:
    return ExtractiveGenerator(min_passage=assistant.settings.min_answer_score)


@pytest.fixture(scope="module")
def make_request(assistant) -> MakeRequest:
    """`make_request(question, max_sentences=5)`: the request the assistant would compose from."""

    def make(question: str, max_sentences: int = 5, mode: str = "answer") -> Request:
        turn = assistant.pipeline.retrieve(Turn(message=question, question=question))
        return Request(question=turn.question, original=question, hits=turn.hits, vector=turn.vector,
                       max_sentences=max_sentences, mode=mode, expanded=turn.expanded,
                       vocabulary=assistant.reader.current()[1].vocabulary())

    return make


@pytest.mark.parametrize("question", ["Is ITP contagious?", "how do I take eltrombopag?",
                                      "what are the side effects of romiplostim?"])
def test_every_sentence_is_verbatim_from_the_hit_it_cites(
        generator: ExtractiveGenerator, make_request: MakeRequest, question: str) -> None:
    """An answer only copies sentences: each is one of the sentences of the hit it cites."""
    request = make_request(question)
    chosen = generator.generate(request).sentences
    assert chosen
    for sentence in chosen:
        assert len(sentence.cites) == 1
        assert sentence.text in request.hits[sentence.cites[0]].row.sentences
    assert len({s.text for s in chosen}) == len(chosen)


def test_max_sentences_caps_the_answer(generator: ExtractiveGenerator, make_request: MakeRequest) -> None:
    """1, 2, 3 sentences when asked for; a brief context reply under a template takes two at most."""
    request = make_request("how do I take eltrombopag?")
    assert len(generator.select(request)) > 3  # the section has more to say than the caps below
    for limit in (1, 2, 3):
        assert len(generator.select(replace(request, max_sentences=limit))) == limit
    assert len(generator.select(replace(request, mode="context"))) == 2


@pytest.mark.parametrize("dose", ["50 mg", "1 mcg/kg", "5 ml", "2.5 milligrams"])
def test_a_sentence_stating_a_dose_is_never_chosen(
        generator: ExtractiveGenerator, make_request: MakeRequest, dose: str) -> None:
    """The lead section's opening sentence is chosen as it is, dropped once it states an amount."""
    request = make_request("how do I take eltrombopag?")
    lead = generator.rank(request)[0]
    row = request.hits[lead].row
    plain = "Eltrombopag is a tablet your doctor prescribes once a day."
    dosed = f"Eltrombopag is a tablet of {dose} your doctor prescribes once a day."

    def first_sentence_as(text: str) -> Request:
        hits = list(request.hits)
        hits[lead] = replace(hits[lead], row=replace(row, sentences=(text, *row.sentences[1:])))
        return replace(request, hits=hits)

    assert plain in [s.text for s in generator.select(first_sentence_as(plain))]
    chosen = [s.text for s in generator.select(first_sentence_as(dosed))]
    assert chosen and dosed not in chosen


def test_a_question_the_sources_do_not_cover_gets_no_sentences(
        generator: ExtractiveGenerator, make_request: MakeRequest) -> None:
    """Weak matches that mention nothing asked about (a price, a capital city): nothing chosen."""
    assert generator.select(make_request("how much does romiplostim cost in Canada?")) == []
    assert generator.select(make_request("what is the capital of France?")) == []
    assert generator.select(replace(make_request("Is ITP contagious?"), hits=[])) == []


def test_aspect_terms_drop_the_medicine_and_keep_what_is_asked() -> None:
    """The entity (by name or brand) and generic words go; the asked-about words stay, stemmed."""
    assert set(aspect_terms("what are the side effects of eltrombopag?")) == {"side", "effect"}
    assert set(aspect_terms("How often is Nplate injected in people with ITP?")) == {"often", "inject"}
    assert aspect_terms("tell me about romiplostim") == {}


def test_aspect_terms_weigh_rare_words_above_common_ones() -> None:
    """1 / log(2 + frequency): a word the sources rarely use counts for more."""
    weights = aspect_terms("is ibuprofen safe for a headache?", {"safe": 200, "headache": 2})
    assert set(weights) == {"safe", "headache"}
    assert weights["headache"] > weights["safe"] > 0
