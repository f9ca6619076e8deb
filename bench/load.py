"""Serving throughput: many concurrent HTTP clients on `POST /api/ask` of a real `itpqa serve`.

`itpqa bench` runs this at each corpus size against a fresh server; `python -m bench.load --url`
drives any running deployment (mind its rate limit: `ITPQA_RATE_LIMIT`).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from bench.run import percentile

REPO = Path(__file__).resolve().parent.parent

# The targets of issue 7 (2 cores, 20 clients for 60 s).
LOAD_TARGETS = {"answers_per_s": 25.0, "p95_ms": 1000.0, "errors": 0, "peak_rss_mib": 1228.8}


@dataclass
class ClientLog:
    """What one simulated visitor saw."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    no_disclaimer: int = 0  # HTTP 200 replies that lacked the disclaimer (counted as errors)


def address(url: str) -> tuple[str, int | None]:
    """The host and port of an `http://host[:port]` URL.

    Raises:
        ValueError: not a plain-HTTP URL with a host (the clients speak HTTP/1.1 without TLS).
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"not an http://host:port URL: {url!r}")
    return parts.hostname, parts.port  # .port raises ValueError for a port out of range


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    return resp.status, resp.read()


def client_loop(url: str, items: Sequence[tuple[str, list[dict]]], offset: int, stop_at: float,
                log: ClientLog, timeout: float = 30.0) -> None:
    """Ask questions back to back (a new one as soon as the last reply is in) until `stop_at`."""
    host, port = address(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    i = offset
    while time.monotonic() < stop_at:
        question, history = items[i % len(items)]
        i += 1
        body = json.dumps({"question": question, "history": history}).encode()
        start = time.perf_counter()
        try:
            status, data = _post(conn, "/api/ask", body)
        except (OSError, http.client.HTTPException) as exc:
            log.statuses["exception"] += 1
            log.failures.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
            continue
        log.latencies_ms.append((time.perf_counter() - start) * 1000)
        log.statuses[status] += 1
        if status == 200:
            reply = json.loads(data)
            log.kinds[reply["kind"]] += 1
            if "disclaimer" not in reply or reply["disclaimer"] not in reply["text"]:
                log.no_disclaimer += 1
                log.failures.append(f"reply without its disclaimer: {question!r}")
        elif len(log.failures) < 5:
            log.failures.append(f"HTTP {status}: {data[:200]!r}")
    conn.close()


def probe_loop(url: str, stop_at: float, out: list[float], every: float = 0.25) -> None:
    """`GET /healthz` a few times a second: is the event loop free while answers are computed?"""
    host, port = address(url)
    while time.monotonic() < stop_at:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        start = time.perf_counter()
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            out.append((time.perf_counter() - start) * 1000)
        except (OSError, http.client.HTTPException):
            out.append(float("inf"))
        finally:
            conn.close()
        time.sleep(every)


def rss_mib(pid: int, field_name: str = "VmRSS") -> float:
    """A process's resident memory (or `VmHWM`, its peak) in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(url: str, items: Sequence[tuple[str, list[dict]]], clients: int = 20,
          seconds: float = 60.0, server_pid: int | None = None) -> dict[str, Any]:
    """Run `clients` concurrent visitors for `seconds`; returns throughput, latency and memory."""
    address(url)  # a bad URL fails here, not silently in each client thread
    stop_at = time.monotonic() + seconds
    logs = [ClientLog() for _ in range(clients)]
    probes: list[float] = []
    rss: list[float] = []
    stride = max(len(items) // clients, 1)
    threads = [threading.Thread(target=client_loop, args=(url, items, n * stride, stop_at, logs[n]),
                                name=f"client-{n}", daemon=True) for n in range(clients)]
    threads.append(threading.Thread(target=probe_loop, args=(url, stop_at, probes), daemon=True))
    cpu_before = cpu_seconds(server_pid) if server_pid is not None else 0.0
    start = time.perf_counter()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if server_pid is not None:
            rss.append(rss_mib(server_pid))
        time.sleep(0.5)
    elapsed = time.perf_counter() - start
    every = [ms for lg in logs for ms in lg.latencies_ms]
    statuses = sum((lg.statuses for lg in logs), Counter())
    answers = statuses.get(200, 0)
    per_client = [lg.statuses.get(200, 0) for lg in logs]
    failures = [f for lg in logs for f in lg.failures]
    out: dict[str, Any] = {
        "clients": clients, "seconds": round(elapsed, 2), "requests": sum(statuses.values()),
        "answers": answers, "answers_per_s": answers / elapsed,
        "errors": sum(n for s, n in statuses.items() if s != 200) + sum(lg.no_disclaimer for lg in logs),
        "statuses": {str(k): v for k, v in statuses.items()},
        "kinds": dict(sum((lg.kinds for lg in logs), Counter())),
        "p50_ms": percentile(every, 50) if every else None,
        "p95_ms": percentile(every, 95) if every else None,
        "p99_ms": percentile(every, 99) if every else None,
        "max_ms": max(every) if every else None,
        "per_client_min": min(per_client), "per_client_max": max(per_client),
        "healthz_p95_ms": percentile(probes, 95) if probes else None,
        "healthz_max_ms": max(probes) if probes else None,
        "failures": failures[:10],
    }
    if server_pid is not None:
        cpu = cpu_seconds(server_pid) - cpu_before
        out["server_cpu_cores"] = cpu / elapsed  # how many cores the server kept busy
        out["server_cpu_ms_per_answer"] = 1000 * cpu / max(answers, 1)
        out["rss_mib_max_sampled"] = max(rss) if rss else None
        out["peak_rss_mib"] = rss_mib(server_pid, "VmHWM")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running `itpqa serve` child process."""

    url: str
    proc: subprocess.Popen
    ready_s: float  # spawn → "Ready" printed
    first_answer_s: float  # spawn → first answer received over HTTP


@contextmanager
def serve(env: dict[str, str], timeout: float = 180.0) -> Iterator[Server]:
    """Start `itpqa serve` on a free loopback port and wait for it to answer one question."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        ready_s = _wait_ready(proc, start, timeout)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        status, body = _post(conn, "/api/ask", json.dumps({"question": "What is ITP?"}).encode())
        conn.close()
        if status != 200:
            raise click.ClickException(f"the server's first answer failed: HTTP {status} {body[:200]!r}")
        first = time.perf_counter() - start
        threading.Thread(target=_drain, args=(proc,), daemon=True).start()
        yield Server(url, proc, ready_s, first)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_ready(proc: subprocess.Popen, start: float, timeout: float) -> float:
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Ready:"):
            return time.perf_counter() - start
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise click.ClickException("`itpqa serve` did not become ready:\n" + "".join(lines[-15:]))


def _drain(proc: subprocess.Popen) -> None:
    assert proc.stdout is not None
    for _ in proc.stdout:  # keep the pipe from filling up (warnings, tracebacks)
        pass


def serve_env(data_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a benchmark server: its data dir, no rate limit, no query cache."""
    env = dict(base if base is not None else os.environ)
    env.update({
        "ITPQA_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO),
        "ITPQA_RATE_LIMIT": "1000000",  # every client is 127.0.0.1: one bucket for all of them
        "ITPQA_QUERY_CACHE_SIZE": "0",  # every ask pays for its embedding, as distinct visitors do
    })
    env.pop("ITPQA_CHROMA_URL", None)
    return env


def load_test(data_dir: Path, clients: int, seconds: float) -> dict[str, Any]:
    """Start a server on `data_dir`, record its cold start, then drive it with `clients`."""
    from bench.questions import workload

    with serve(serve_env(data_dir)) as server:
        result = drive(server.url, workload(), clients, seconds, server.proc.pid)
    return result | {"ready_s": server.ready_s, "serve_first_answer_s": server.first_answer_s}


def markdown_row(label: str, r: dict[str, Any]) -> str:
    return (f"| {label} | {r['clients']} × {r['seconds']:.0f} s | {r['answers_per_s']:.1f} | "
            f"{r['errors']} | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['max_ms']:.0f} ms | "
            f"{r['per_client_min']}–{r['per_client_max']} | {r['healthz_p95_ms']:.0f} ms | "
            f"{r.get('peak_rss_mib', 0):.0f} MiB |")


LOAD_HEADER = ("| corpus | clients × time | answers/s | errors | p50 | p95 | max | answers per client "
               "(min–max) | /healthz p95 during load | server peak RSS |\n"
               "|---|---|---:|---:|---:|---:|---:|---|---:|---:|")


@click.command()
@click.option("--url", required=True, help="The server, e.g. http://127.0.0.1:7860")
@click.option("--clients", default=20, show_default=True)
@click.option("--seconds", default=60.0, show_default=True)
@click.option("--pid", type=int, help="The server's process id, to record its memory (same host).")
def main(url: str, clients: int, seconds: float, pid: int | None) -> None:
    """Drive a running server with concurrent clients asking the benchmark questions."""
    from bench.questions import workload

    try:
        address(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from None
    result = drive(url.rstrip("/"), workload(), clients, seconds, pid)
    click.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
