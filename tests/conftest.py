"""Shared fixtures: a real index (Chroma in a temp dir, the bundled embedder) built once per run."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from qa.offline import enforce_offline

enforce_offline()
REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session", autouse=True)
def _shared_triage_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One fitted triage detector for the whole run (a fit takes about a minute on 2 cores):
    every data dir, and every `itpqa` process a test starts, shares it via ITPQA_TRIAGE_DIR."""
    path = tmp_path_factory.mktemp("triage")
    old = os.environ.get("ITPQA_TRIAGE_DIR")
    os.environ["ITPQA_TRIAGE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ITPQA_TRIAGE_DIR", None)
    else:
        os.environ["ITPQA_TRIAGE_DIR"] = old


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes to the developer's .data: ITPQA_DATA_DIR points at the test's tmp dir."""
    monkeypatch.setenv("ITPQA_DATA_DIR", str(tmp_path / "data"))
    from qa.settings import get_settings

    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedder():
    """The real bundled all-MiniLM-L6-v2, loaded once."""
    from qa.index.embedder import shared_embedder

    return shared_embedder()


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator:
    """Settings whose data dir holds an index of the real corpus (built once per session)."""
    from qa.index.ingest import Ingestor
    from qa.settings import Settings

    data = tmp_path_factory.mktemp("index")
    settings = Settings(data_dir=data, corpus_dir=CORPUS)
    Ingestor(settings, embedder=embedder).run([CORPUS])
    old = os.environ.get("ITPQA_DATA_DIR")
    yield settings
    if old is not None:
        os.environ["ITPQA_DATA_DIR"] = old


@pytest.fixture(scope="session")
def assistant(built_settings, embedder):
    """An `Assistant` over the real corpus index."""
    from qa.assistant import Assistant

    bot = Assistant(built_settings, embedder=embedder)
    bot.warm_up()
    return bot


@pytest.fixture(scope="session")
def fitted_triage(assistant) -> Path:
    """The folder of the session assistant's fitted learned triage (fitting takes minutes):
    tests that start `itpqa` processes on a fresh data dir copy it into `<data dir>/triage`."""
    assistant.triage.prepare()
    return assistant.settings.triage_cache


# -- the one allowed fake: a chat model (an outside service) with scripted answers ------------


class Script:
    """Answers a fake chat model gives, in order; counts how often the model was called."""

    def __init__(self, answers: Sequence[str | BaseException]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __iter__(self) -> Iterator[AIMessage]:
        return self

    def __next__(self) -> AIMessage:
        self.calls += 1
        if not self.answers:
            raise AssertionError("the chat model was called more often than scripted")
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return AIMessage(content=answer)


@pytest.fixture
def scripted() -> Callable[..., tuple[GenericFakeChatModel, Script]]:
    """`scripted("answer 1", ...)` -> (a GenericFakeChatModel, its script)."""

    def make(*answers: str | BaseException) -> tuple[GenericFakeChatModel, Script]:
        script = Script(answers)
        return GenericFakeChatModel(messages=script), script

    return make
