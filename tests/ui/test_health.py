"""`/healthz` of a real `itpqa serve` tells the truth about the lexical cache, which heals itself.

(A read that meets damage nothing on disk announced is tested in tests/qa/index/test_lexical_repair.py:
a server's warm connections may hold every page of a small file in SQLite's cache.)
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qa.index.ingest import Ingestor
from qa.index.lexical import cache_problem
from qa.index.reader import lexical_path
from qa.index.store import ChromaStore
from qa.settings import Settings
from tests.served import free_port, wait_until_healthy

# Run alone, setup builds the session index and fits the learned triage first (minutes on
# a busy machine); in the whole suite those are shared and long done.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
ITPQA = Path(sys.executable).with_name("itpqa")


@pytest.fixture
def served(tmp_path: Path, embedder, fitted_triage: Path) -> Iterator[tuple[str, Path]]:
    """(url, lexical file) of `itpqa serve` over a small real index in its own data dir."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("what-is-itp.md", "romiplostim.md"):
        shutil.copy(REPO / "corpus" / name, corpus / name)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    Ingestor(settings, embedder=embedder).run()  # `fitted_triage`: the server need not fit it
    info = ChromaStore(settings).active()
    assert info is not None
    port = free_port()
    env = dict(os.environ, ITPQA_DATA_DIR=str(settings.data_dir))
    proc = subprocess.Popen([str(ITPQA), "serve", "--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, url)
        yield url, lexical_path(settings, info.generation)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _damage(path: Path) -> None:
    """Overwrite the middle half of the file (what issue 14 did to a running server)."""
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(st.st_size // 4)
        fh.write(os.urandom(st.st_size // 2))


def _ask(url: str, question: str) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120)


def test_healthz_is_degraded_until_the_damaged_cache_is_rebuilt(served: tuple[str, Path]) -> None:
    url, path = served
    assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
    _damage(path)
    r = httpx.get(f"{url}/healthz", timeout=30)
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "degraded" and path.name in body["reason"]
    deadline = time.monotonic() + 120
    while (r := httpx.get(f"{url}/healthz", timeout=30)).status_code != 200:
        assert time.monotonic() < deadline, r.text
        time.sleep(0.5)
    assert r.json()["status"] == "ok"
    assert cache_problem(path, full=True) is None
    reply = _ask(url, "Is ITP contagious?")
    assert reply.status_code == 200 and reply.json()["kind"] == "answer"

