"""Past one machine: the index in a `chroma run` server, ingest and answers in separate processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.index.ingest import Ingestor
from qa.index.reader import IndexReader, lexical_path
from qa.index.store import ChromaStore
from qa.settings import Settings
from tests.served import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "corpus"
DOCS = ["what-is-itp.md", "romiplostim.md", "medicines-to-avoid-with-itp.md"]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on loopback, stopped after the module."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        pytest.skip("the `chroma` CLI (from the chromadb package) is not installed")
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    with open(folder / "server.log", "wb") as log:
        proc = subprocess.Popen(
            [str(exe), "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start:\n{(folder / 'server.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in DOCS:
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture
def collection() -> str:
    """A collection prefix of its own, so tests sharing the server do not see each other."""
    return f"t{time.time_ns() % 10**12}"


def _env(data_dir: Path, url: str, collection: str) -> dict[str, str]:
    return dict(os.environ, ITPQA_DATA_DIR=str(data_dir), ITPQA_CHROMA_URL=url,
                ITPQA_COLLECTION=collection)


def _ingest(corpus: Path, data_dir: Path, url: str, collection: str) -> dict:
    """`itpqa ingest` in its own process, against the server (the separate ingest job)."""
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "ingest", "--json", str(corpus)],
                          cwd=REPO, env=_env(data_dir, url, collection), capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _ingest_here(corpus: Path, data_dir: Path, url: str, collection: str, embedder) -> dict:
    """The same ingest job in this process (its own client to the server): quicker to repeat."""
    settings = Settings(data_dir=data_dir, chroma_url=url, collection=collection)
    return Ingestor(settings, embedder=embedder).run([corpus]).to_dict()


def _share_model(src_data: Path, dest_data: Path) -> None:
    """An app image would ship the ONNX file the ingest job exported (else it exports once)."""
    (dest_data / "models").mkdir(parents=True, exist_ok=True)
    for f in (src_data / "models").glob("*.onnx"):
        shutil.copy(f, dest_data / "models" / f.name)


def test_ingest_in_one_process_answer_from_another(
    chroma_url: str, corpus: Path, tmp_path: Path, collection: str
) -> None:
    ingest_dir, app_dir = tmp_path / "ingest-job", tmp_path / "app-1"
    summary = _ingest(corpus, ingest_dir, chroma_url, collection)
    assert summary["documents"] == 3 and summary["embedded"] == summary["chunks"] > 0
    _share_model(ingest_dir, app_dir)
    code = (
        "import json, sys\n"
        "from qa.assistant import Assistant\n"
        "bot = Assistant()\n"
        "reply = bot.ask('Is ITP contagious?')\n"
        "info, _ = bot.reader.current()\n"
        "print(json.dumps({'kind': reply.kind, 'titles': [c.title for c in reply.citations],\n"
        "                  'generation': info.generation, 'backend': bot.embedder.query_backend,\n"
        "                  'torch': 'torch' in sys.modules}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO,
                          env=_env(app_dir, chroma_url, collection), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["kind"] == "answer" and out["titles"]
    assert out["generation"] == summary["generation"]
    assert out["backend"] == "onnx" and not out["torch"]
    # The app's lexical cache was rebuilt from the server, in the app's own data dir.
    assert (app_dir / "index" / f"lexical-{summary['generation']}.sqlite3").exists()
    assert not (app_dir / "index" / "chroma").exists()  # nothing embedded locally


def test_a_running_app_follows_new_generations(
    chroma_url: str, corpus: Path, tmp_path: Path, collection: str, embedder
) -> None:
    ingest_dir = tmp_path / "ingest-job"
    first = _ingest_here(corpus, ingest_dir, chroma_url, collection, embedder)
    settings = Settings(data_dir=tmp_path / "app", chroma_url=chroma_url, collection=collection)
    reader = IndexReader(settings, recheck_seconds=0)
    bot = Assistant(settings, embedder=embedder, reader=reader)
    assert bot.ask("How often is romiplostim given?").kind == "answer"

    doc = corpus / "romiplostim.md"
    doc.write_text(doc.read_text().replace("Romiplostim is given once a week",
                                           "Romiplostim is usually given once a week"))
    second = _ingest_here(corpus, ingest_dir, chroma_url, collection, embedder)
    assert 0 < second["embedded"] < second["chunks"]
    # The previous generation stays in the server for readers that have not switched yet.
    assert set(ChromaStore(settings).generations()) == {first["generation"], second["generation"]}

    # The app keeps answering from the generation it has open while it caches the new one.
    assert bot.ask("How often is romiplostim given?").kind == "answer"
    if reader._building is not None:
        reader._building.join(timeout=120)
    reply = bot.ask("How often is romiplostim given?")
    assert reader.current()[0].generation == second["generation"]
    assert "usually given once a week" in reply.text
    assert lexical_path(settings, second["generation"]).exists()


def test_a_generation_dropped_under_a_reader_is_followed(
    chroma_url: str, corpus: Path, tmp_path: Path, collection: str, embedder
) -> None:
    ingest_dir = tmp_path / "ingest-job"
    first = _ingest_here(corpus, ingest_dir, chroma_url, collection, embedder)
    settings = Settings(data_dir=tmp_path / "app", chroma_url=chroma_url, collection=collection)
    reader = IndexReader(settings, recheck_seconds=3600)  # would not notice on its own for an hour
    bot = Assistant(settings, embedder=embedder, reader=reader)
    assert bot.ask("Is ITP contagious?").kind == "answer"

    # Two more ingests: the generation the app has open is dropped from the server.
    shutil.copy(CORPUS / "ivig.md", corpus / "ivig.md")
    _ingest_here(corpus, ingest_dir, chroma_url, collection, embedder)
    (corpus / "what-is-itp.md").unlink()
    third = _ingest_here(corpus, ingest_dir, chroma_url, collection, embedder)
    assert first["generation"] not in ChromaStore(settings).generations()

    reply = bot.ask("What is IVIG?")
    assert reply.kind == "answer"
    assert reader.current()[0].generation == third["generation"]
    assert any("IVIG" in c.title or "immunoglobulin" in c.title.lower() for c in reply.citations)
    # The app's local file of the generation it just left stays (requests in flight may read
    # it) and goes at the next switch, once that generation is gone from the server.
    assert lexical_path(settings, first["generation"]).exists()
    shutil.copy(CORPUS / "what-is-itp.md", corpus / "what-is-itp.md")
    fourth = _ingest_here(corpus, ingest_dir, chroma_url, collection, embedder)
    reader.refresh()
    assert reader.current()[0].generation == fourth["generation"]
    assert not lexical_path(settings, first["generation"]).exists()
    assert lexical_path(settings, third["generation"]).exists()
