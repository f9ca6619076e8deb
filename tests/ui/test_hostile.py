"""The hostile-input suite (tests/ui/hostile_cases.yaml) against a real `itpqa serve` process.

It passes when no case gets a 5xx (or a Gradio event that fails on the server), every answer to a
question route carries the disclaimer, the server's memory (VmRSS) grows by less than
`RSS_GROWTH_MB`, nothing reaches the feedback store, the log holds no traceback and no question,
and the server still answers and reports healthy. Figures go to test-output/hostile.json.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from qa.disclaimer import DISCLAIMER
from tests.served import free_port
from tests.ui.gradio_protocol import GradioPage
from tests.ui.raw_http import chunked, send

HERE = Path(__file__).parent
REPO = HERE.parents[1]
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "hostile_cases.yaml").read_text("utf-8"))
RSS_GROWTH_MB = 150
SECRETS = "SECRET-HOSTILE"
QUESTION_ROUTES = ("/api/ask", "/gradio_api/queue/join", "/gradio_api/run/predict")


@dataclass
class Served:
    """A running `itpqa serve`: its URL, process and log."""

    url: str
    process: subprocess.Popen
    log: Path
    feedback_db: Path
    rss_before_mb: float = 0.0
    feedback_before: int = 0
    started: float = field(default_factory=time.monotonic)
    results: list[dict[str, Any]] = field(default_factory=list)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")


def _feedback_rows(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        has = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'feedback'").fetchone()[0]
        return conn.execute("SELECT count(*) FROM feedback").fetchone()[0] if has else 0


@pytest.fixture(scope="module")
def served(built_settings, assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # The learned triage is fitted (or its fit in the background finished) and cached now, so the
    # server loads it instead of fitting it while the cases run, which would count as growth.
    assistant.triage.prepare()
    port = free_port()
    log = tmp_path_factory.mktemp("hostile") / "serve.log"
    env = {**os.environ, "ITPQA_DATA_DIR": str(built_settings.data_dir),
           "ITPQA_CORPUS_DIR": str(built_settings.corpus_dir), "ITPQA_RATE_LIMIT": "100000",
           "ITPQA_PORT": str(port), "ITPQA_HOST": "127.0.0.1"}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve"], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Served(f"http://127.0.0.1:{port}", process, log, built_settings.feedback_db)
    deadline = time.monotonic() + 180
    while b"Ready:" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"itpqa serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    for _ in range(3):  # warm: model, index, Gradio's queue; then the baseline
        httpx.post(f"{server.url}/api/ask", json={"question": "Is ITP contagious?"}, timeout=60)
        GradioPage(server.url).ask("What is ITP?")
    server.rss_before_mb = server.rss_mb()
    server.feedback_before = _feedback_rows(server.feedback_db)
    server.started = time.monotonic()
    yield server
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# --- building requests ------------------------------------------------------------------------


def _nest(spec: Any) -> str:
    depth, before, after = (spec, "", "") if isinstance(spec, int) else (
        spec["depth"], spec.get("before", ""), spec.get("after", ""))
    return before + "[" * depth + "]" * depth + after


def body_of(case: dict[str, Any]) -> bytes | None:
    if "json" in case:
        return json.dumps(case["json"]).encode()
    if "text" in case:
        return case["text"].encode(case.get("encoding", "utf-8"))
    if "hex" in case:
        return bytes.fromhex(case["hex"])
    if "fill" in case:
        f = case["fill"]
        return (f.get("before", "") + f["unit"] * f["times"] + f.get("after", "")).encode()
    if "nest" in case:
        return _nest(case["nest"]).encode()
    if "random_bytes" in case:
        return random.Random(case["id"]).randbytes(case["random_bytes"])
    return None


def _fill(value: Any) -> Any:
    """FILL<n> in a case's data stands for n letters (kept out of the YAML for size)."""
    if isinstance(value, str) and value.startswith("FILL") and value[4:].isdigit():
        return "x" * int(value[4:])
    if isinstance(value, list):
        return [_fill(v) for v in value]
    return value


def _headers(case: dict[str, Any], body: bytes | None) -> dict[str, str]:
    headers = {"content-type": "application/json"} if body is not None else {}
    headers.update({k.lower(): v for k, v in (case.get("headers") or {}).items()})
    return headers


def _over_http(url: str, method: str, path: str, case: dict[str, Any], body: bytes | None) -> tuple[int, str, bytes]:
    """Send with httpx, or by hand when chunked (httpx would not stop at the server's 413)."""
    headers = _headers(case, body)
    if case.get("chunked"):
        head = "\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked",
                          *(f"{k}: {v}" for k, v in headers.items())])
        r = send(url, head, chunked(body or b""))
        ctype = next((line.split(":", 1)[1].strip() for line in r.head.splitlines()
                      if line.lower().startswith("content-type:")), "")
        return r.status, ctype, r.body
    resp = httpx.request(method, url + path, content=body, headers=headers, timeout=60)
    return resp.status_code, resp.headers.get("content-type", ""), resp.content


# --- running one case -------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int | str
    question_route: bool  # an answer to a question: it must carry the disclaimer
    disclaimer: bool
    problems: list[str] = field(default_factory=list)


def _json_disclaimer(ctype: str, body: bytes) -> tuple[bool, Any]:
    if "json" not in ctype:
        return False, None
    data = json.loads(body)
    return isinstance(data, dict) and data.get("disclaimer") == DISCLAIMER, data


def run_api(server: Served, case: dict[str, Any], path: str) -> Outcome:
    status, ctype, body = _over_http(server.url, "POST", path, case, body_of(case))
    out = Outcome(status, True, False)
    if status == 200 and path.endswith("/stream"):
        blocks = [b for b in body.decode().strip().split("\n\n") if b]
        event, _, data = blocks[-1].partition("\ndata: ")
        last = json.loads(data)
        out.disclaimer = last.get("disclaimer") == DISCLAIMER and (
            event == "event: error" or last["text"].endswith(DISCLAIMER))
        if event != "event: reply":
            out.problems.append(f"the stream ended with {event}")
        reply = last
    else:
        out.disclaimer, reply = _json_disclaimer(ctype, body)
        if status == 200:
            out.disclaimer = out.disclaimer and reply["text"].endswith(DISCLAIMER)
    if status == 200 and case.get("kind") and reply.get("kind") != case["kind"]:
        out.problems.append(f"kind {reply.get('kind')}, expected {case['kind']}")
    return out


def run_gradio(server: Served, case: dict[str, Any]) -> Outcome:
    surface = case.get("surface", "")
    page = GradioPage(server.url + surface, headers={k.lower(): v for k, v in (case.get("headers") or {}).items()})
    route = case.get("route", "run/predict" if case.get("event") == "rate" else "queue/join")
    query = f"?{case['query']}" if case.get("query") else ""
    path = f"{surface}/gradio_api/{route}{query}"
    body = body_of(case)
    if body is None:
        call: dict[str, Any] = {"fn_index": case["fn_index"] if "fn_index" in case else page.fn(case["event"]),
                                "event_data": case.get("event_data"), "trigger_id": None,
                                "session_hash": _fill(case.get("session", page.session))}
        if "data_text" in case:  # JSON text as written (escapes no encoder makes)
            text = json.dumps({**call, "data": "@DATA@"}).replace('"@DATA@"', case["data_text"])
        else:
            text = json.dumps({**call, "data": _fill(case.get("data", []))})
        body = text.encode()
    status, ctype, raw = _over_http(server.url, "POST", path, case, body)
    out = Outcome(status, True, False)
    if status != 200:
        out.disclaimer, _ = _json_disclaimer(ctype, raw)
        return out
    if route != "queue/join":
        out.disclaimer = True  # no reply in a direct event (rate, greeting): nothing to carry it
        out.question_route = False
        return out
    done = page.wait(json.loads(raw)["event_id"])
    if not done.success:
        out.status = "event failed"
        out.problems.append(f"the event failed on the server: {done.messages[-1]}")
        return out
    chat = done.data[0] if done.data else []
    replies = [m for m in chat if isinstance(m, dict) and m.get("role") == "assistant"]
    text = json.dumps(replies[-1]) if replies else ""
    out.status = "reply" if replies else "reply-or-empty"
    out.disclaimer = DISCLAIMER in text if replies else True
    out.question_route = bool(replies)
    return out


def run_http(server: Served, case: dict[str, Any]) -> Outcome:
    path = case["path"]
    status, ctype, body = _over_http(server.url, case.get("method", "GET"), path, case, body_of(case))
    asks = any(path.endswith(r) for r in QUESTION_ROUTES) and "json" in ctype
    disclaimer, _ = _json_disclaimer(ctype, body) if asks else (True, None)
    return Outcome(status, asks, disclaimer)


def run_raw(server: Served, case: dict[str, Any]) -> Outcome:
    r = send(server.url, case["head"], [p.encode() for p in case.get("parts", [])], pause=case.get("pause", 0),
             timeout=40)
    target = case["head"].split("\n", 1)[0].split()[1]
    asks = target in QUESTION_ROUTES and "application/json" in r.head
    disclaimer, _ = _json_disclaimer("json", r.body) if asks else (True, None)
    return Outcome(r.status, asks, disclaimer)


def run_case(server: Served, case: dict[str, Any]) -> Outcome:
    to = case["to"]
    if to == "api":
        return run_api(server, case, "/api/ask")
    if to == "stream":
        return run_api(server, case, "/api/ask/stream")
    if to == "gradio":
        return run_gradio(server, case)
    if to == "http":
        return run_http(server, case)
    return run_raw(server, case)


def _expected(case: dict[str, Any], outcome: Outcome) -> bool:
    expect = case["expect"]
    allowed = expect if isinstance(expect, list) else [expect]
    if outcome.status in allowed:
        return True
    return "reply-or-empty" in allowed and outcome.status == "reply"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_hostile_case(served: Served, case: dict[str, Any]) -> None:
    started = time.monotonic()
    outcome = run_case(served, case)
    served.results.append({"id": case["id"], "to": case["to"], "status": outcome.status,
                           "question_route": outcome.question_route, "disclaimer": outcome.disclaimer,
                           "seconds": round(time.monotonic() - started, 3), "problems": outcome.problems})
    assert not (isinstance(outcome.status, int) and outcome.status >= 500), outcome
    assert outcome.status != 0, "the server closed the connection without answering"
    assert _expected(case, outcome), f"got {outcome.status}, expected {case['expect']}: {outcome}"
    assert outcome.disclaimer, f"no disclaimer: {outcome}"
    assert not outcome.problems, outcome.problems


def test_the_server_came_through(served: Served) -> None:
    """Runs after the cases: memory, storage, log and health, and the suite's figures."""
    rss_after = served.rss_mb()
    health = httpx.get(f"{served.url}/healthz", timeout=30)
    reply = httpx.post(f"{served.url}/api/ask", json={"question": "Is ITP contagious?"}, timeout=60).json()
    log = served.log.read_text("utf-8", "replace")
    results = served.results
    answers = [r for r in results if r["question_route"]]
    figures = {
        "cases": len(CASES), "run": len(results),
        "5xx": sum(1 for r in results if isinstance(r["status"], int) and r["status"] >= 500),
        "failed_events": sum(1 for r in results if r["status"] == "event failed"),
        "question_route_answers": len(answers),
        "with_disclaimer": sum(1 for r in answers if r["disclaimer"]),
        "rss_before_mb": round(served.rss_before_mb, 1), "rss_after_mb": round(rss_after, 1),
        "seconds": round(time.monotonic() - served.started, 1),
        "feedback_rows_added": _feedback_rows(served.feedback_db) - served.feedback_before,
        "statuses": {s: sum(1 for r in results if str(r["status"]) == s) for s in sorted({str(r["status"]) for r in results})},
    }
    out = REPO / "test-output"
    out.mkdir(exist_ok=True)
    (out / "hostile.json").write_text(json.dumps({"figures": figures, "results": results}, indent=2))
    print("\nhostile suite:", json.dumps(figures))
    assert len(results) == len(CASES), "run the whole module: the figures need every case"
    assert figures["5xx"] == 0 and figures["failed_events"] == 0
    assert figures["with_disclaimer"] == figures["question_route_answers"]
    assert rss_after - served.rss_before_mb < RSS_GROWTH_MB, figures
    assert figures["feedback_rows_added"] == 0
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert reply["kind"] == "answer" and reply["text"].endswith(DISCLAIMER)
    assert served.process.poll() is None
    assert "Traceback" not in log, log[-3000:]
    assert SECRETS not in log
