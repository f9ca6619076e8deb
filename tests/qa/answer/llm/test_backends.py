"""Choosing a back end from `settings.generator`: specs, install hints, clean errors."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time

import pytest

from qa.answer.compose import ExtractiveGenerator
from qa.answer.llm import LLMConfigError, LLMGenerator, make_llm_generator
from qa.assistant import make_generator
from qa.settings import Settings

HAVE = {m: importlib.util.find_spec(m) is not None for m in ("langchain_openai", "langchain_ollama")}
needs_llm_extra = pytest.mark.skipif(not all(HAVE.values()),
                                     reason="the llm extra is not installed: pip install 'itp-qa[llm]'")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_timeout=2.0)


@pytest.mark.parametrize("spec", ["gpt-4o", "claude:opus", "openai:", "ollama:  ", "llamacpp:"])
def test_bad_specs_are_config_errors(settings, spec):
    with pytest.raises(LLMConfigError):
        make_llm_generator(spec, settings)


def test_hosted_openai_needs_a_key(tmp_path):
    with pytest.raises(LLMConfigError, match="ITPQA_LLM_API_KEY"):
        make_llm_generator("openai:gpt-4o-mini", Settings(data_dir=tmp_path))


@needs_llm_extra
def test_openai_and_ollama_use_the_settings(settings, embedder):
    gen = make_llm_generator("openai:qwen2.5-7b", settings, embedder=embedder)
    assert isinstance(gen, LLMGenerator) and gen.name == "openai:qwen2.5-7b"
    assert gen.model.model_name == "qwen2.5-7b" and gen.model.request_timeout == 2.0
    assert str(gen.model.openai_api_base) == "http://127.0.0.1:9/v1"
    gen = make_llm_generator("ollama:llama3.2", settings, embedder=embedder)
    assert gen.model.model == "llama3.2" and gen.model.base_url == "http://127.0.0.1:9/v1"


@needs_llm_extra
def test_make_generator_defaults_to_extractive(settings):
    assert isinstance(make_generator(settings), ExtractiveGenerator)
    assert isinstance(make_generator(settings.model_copy(update={"generator": " "})),
                      ExtractiveGenerator)
    llm = make_generator(settings.model_copy(update={"generator": "ollama:llama3.2"}))
    assert isinstance(llm, LLMGenerator)


@needs_llm_extra
def test_missing_packages_name_the_extra(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_openai", None)
    with pytest.raises(ImportError, match=r"itp-qa\[llm\]"):
        make_llm_generator("openai:m", settings)


def test_missing_gguf_file(settings, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.gguf"):
        make_llm_generator(f"llamacpp:{tmp_path / 'nope.gguf'}", settings)


@needs_llm_extra
def test_unreachable_ollama_falls_back(settings, embedder, request_for):
    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = settings.model_copy(update={"llm_base_url": f"http://127.0.0.1:{port}"})
    gen = make_llm_generator("ollama:llama3.2", settings, embedder=embedder)
    req = request_for("Is ITP contagious?")
    draft = gen.generate(req)
    assert draft.sentences == ExtractiveGenerator().generate(req).sentences
    assert draft.info["fallback"].startswith("error:")


def test_llamacpp_chat_model_messages_and_deadline(monkeypatch):
    """The wrapper's plumbing, fast (the real GGUF runs in test_llamacpp.py)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from qa.answer import llm_llamacpp

    class TokenSource:  # stands in for llama_cpp.Llama.create_chat_completion(stream=True)
        def create_chat_completion(self, messages, stream, **kw):
            self.messages = messages
            for word in ("ITP ", "is ", "rare."):
                time.sleep(0.05)
                yield {"choices": [{"delta": {"content": word}}]}

    source = TokenSource()
    monkeypatch.setattr(llm_llamacpp, "_load", lambda *a: (source, threading.Lock()))
    model = llm_llamacpp.ChatLlamaCpp(model_path="model.gguf")
    assert model.invoke([SystemMessage("rules"), HumanMessage("q")]).text == "ITP is rare."
    assert source.messages == [{"role": "system", "content": "rules"}, {"role": "user", "content": "q"}]
    model.timeout = 0.07
    with pytest.raises(TimeoutError):
        model.invoke("q")
