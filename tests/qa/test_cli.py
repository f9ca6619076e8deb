"""The `itpqa` CLI: the JSON contract for all four kinds, clean errors, exit codes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from qa import DISCLAIMER

REPO = Path(__file__).resolve().parents[2]


def itpqa(*args: str, data_dir: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, ITPQA_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=timeout)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Is ITP contagious?", "answer"),
        ("I hit my head and my platelets are 9", "urgent"),
        ("best stocks to buy?", "decline"),
        ("how much prednisone should I take, I weigh 80 kg", "abstain"),
    ],
)
def test_ask_json_contract(built_settings, question: str, kind: str) -> None:
    out = itpqa("ask", "--json", question, data_dir=built_settings.data_dir)
    assert out.returncode == 0, out.stderr
    reply = json.loads(out.stdout)
    assert reply["kind"] == kind
    assert reply["text"].endswith(DISCLAIMER)
    assert reply["disclaimer"] == DISCLAIMER
    assert isinstance(reply["citations"], list)
    for c in reply["citations"]:
        assert {"n", "title", "source", "url", "section", "text"} <= set(c)


def test_ask_with_history(built_settings) -> None:
    history = json.dumps([{"role": "user", "content": "what is romiplostim?"}])
    out = itpqa("ask", "--json", "--history", history, "how is it given?", data_dir=built_settings.data_dir)
    assert json.loads(out.stdout)["question"] == "how is romiplostim given?"


def test_missing_index_is_one_clean_line(tmp_path: Path) -> None:
    out = itpqa("ask", "Is ITP contagious?", data_dir=tmp_path / "nothing")
    assert out.returncode == 1
    assert out.stderr.strip() == "Error: no index found — run `itpqa ingest` (or `make run`) first"


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert itpqa("ask", data_dir=tmp_path).returncode == 2
    assert itpqa("no-such-command", data_dir=tmp_path).returncode == 2
    bad_history = itpqa("ask", "--history", "not json", "hi", data_dir=tmp_path)
    assert bad_history.returncode == 2 and "history must be JSON" in bad_history.stderr


def test_bad_setting_is_named(tmp_path: Path) -> None:
    env = dict(os.environ, ITPQA_DATA_DIR=str(tmp_path), ITPQA_TOP_K="many")
    out = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "hi"], capture_output=True, text=True, env=env, cwd=REPO)
    assert out.returncode == 1 and "ITPQA_TOP_K" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(("spec", "said"), [
    ("gpt-4o", "gpt-4o"),  # no back end named
    ("openai:gpt-4o-mini", "ITPQA_LLM_API_KEY"),  # a hosted API without a key
    ("llamacpp:/nowhere/model.gguf", "/nowhere/model.gguf"),
])
def test_bad_generator_is_one_clean_line(built_settings, spec: str, said: str) -> None:
    out = itpqa("ask", "--generator", spec, "Is ITP contagious?", data_dir=built_settings.data_dir)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("Error: ") and said in line and "unexpected" not in line


def test_chat_keeps_history(built_settings) -> None:
    env = dict(os.environ, ITPQA_DATA_DIR=str(built_settings.data_dir))
    out = subprocess.run([sys.executable, "-m", "qa.cli", "chat"], input="what is romiplostim?\nhow is it given?\nquit\n",
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(DISCLAIMER) == 2
    assert "once a week" in out.stdout


def test_ingest_reports_unchanged(built_settings) -> None:
    out = itpqa("ingest", "-q", str(REPO / "corpus"), data_dir=built_settings.data_dir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Index up to date")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(("question", "code", "said"), [
    ("Is ITP contagious?", 1, "Error: cannot open the Chroma store at "),
    # An emergency still gets its advice; the store error is one log line, not a traceback.
    ("I hit my head and my platelets are 9", 0, "ERROR qa: no sources for a urgent reply: cannot open the Chroma store"),
])
def test_chroma_server_down_is_one_clean_line(tmp_path: Path, question: str, code: int, said: str) -> None:
    env = dict(os.environ, ITPQA_DATA_DIR=str(tmp_path / "data"),
               ITPQA_CHROMA_URL=f"http://127.0.0.1:{_closed_port()}")
    out = subprocess.run([sys.executable, "-m", "qa.cli", "ask", question], capture_output=True,
                         text=True, env=env, cwd=REPO, timeout=300)
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr
    [line] = [ln for ln in out.stderr.splitlines() if ln.startswith(("Error", "ERROR"))]
    assert line.startswith(said)
    assert not [ln for ln in out.stderr.splitlines() if ln.startswith(" ")], out.stderr
    if code == 0:
        assert "emergency" in out.stdout and DISCLAIMER in out.stdout
