"""Nothing phones home, seen from the kernel: `itpqa ingest`, `ask` and `serve` under strace.

tests/qa/index/test_no_network.py guards Python's socket module; native code (onnxruntime's 1DS
telemetry, a C resolver) goes around it. Here every process the commands start runs under
`strace -f -e trace=network`, and any connect, sendto, sendmsg or sendmmsg to an address other
than loopback fails the test: DNS queries included, and the local resolver daemons (nscd,
systemd-resolved) that would look a name up on a process's behalf.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qa.offline import OFFLINE_ENV
from tests.served import free_port, wait_until_healthy

# Run alone, setup builds the session index and fits the learned triage first (minutes on
# a busy machine); in the whole suite those are shared and long done.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parent.parent
ITPQA = Path(sys.executable).with_name("itpqa")
DOCS = ("what-is-itp.md", "romiplostim.md")
IDLE_SECONDS = 60
_SENDS = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg)\(")
_INET4 = re.compile(r'inet_addr\("([^"]+)"\)')
_INET6 = re.compile(r'inet_pton\(AF_INET6, "([^"]+)"')
_UNIX = re.compile(r'sun_path="([^"]+)"')


def _loopback(text: str) -> bool:
    addr = ipaddress.ip_address(text)
    mapped = getattr(addr, "ipv4_mapped", None)
    return addr.is_loopback or bool(mapped and mapped.is_loopback)


def outbound(trace: str) -> list[str]:
    """The strace lines that send (or connect) anywhere but loopback, or ask a resolver daemon."""
    bad = []
    for line in trace.splitlines():
        if not _SENDS.search(line):
            continue
        remote = [a for a in _INET4.findall(line) + _INET6.findall(line) if not _loopback(a)]
        resolver = [p for p in _UNIX.findall(line) if "nscd" in p or "resolve" in p]
        if remote or resolver:
            bad.append(line)
    return bad


def test_outbound_reads_strace_lines() -> None:
    dns = ('4592  connect(8, {sa_family=AF_INET, sin_port=htons(53), '
           'sin_addr=inet_addr("10.255.255.53")}, 16) = 0')
    query = ('4592  sendto(8, "h6\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\6mobile\\6events"..., 50, '
             'MSG_NOSIGNAL, {sa_family=AF_INET6, sin6_port=htons(53), '
             'inet_pton(AF_INET6, "2001:db8::53", &sin6_addr)}, 28) = 50')
    nscd = '7  connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT'
    local = [
        '9  connect(5, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '9  connect(5, {sa_family=AF_INET6, sin6_port=htons(80), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
        '9  sendto(5, "GET / HTTP/1.1"..., 20, 0, NULL, 0) = 20',
        '9  connect(6, {sa_family=AF_UNIX, sun_path="/tmp/x.sock"}, 110) = 0',
        '9  bind(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0',
    ]
    assert outbound("\n".join([dns, query, nscd, *local])) == [dns, query, nscd]


def _strace_ready() -> str:
    exe = shutil.which("strace")
    if exe is None:
        reason = "strace is not installed (apt-get install strace; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run this test")
        pytest.skip(reason)
    probe = subprocess.run([exe, "-f", "-qq", "-e", "trace=network", "true"], capture_output=True,
                           text=True, timeout=60)
    assert probe.returncode == 0, f"strace cannot trace here: {probe.stderr.strip()}"
    return exe


def _env(data: Path) -> dict[str, str]:
    """The caller's environment without any switch the app must set itself."""
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}
    env.pop("ITPQA_CHROMA_URL", None)
    return {**env, "ITPQA_DATA_DIR": str(data)}


def _traced(strace: str, log: Path, *args: str, env: dict[str, str], timeout: int = 300) -> str:
    out = subprocess.run([strace, "-f", "-qq", "-e", "trace=network", "-o", str(log), str(ITPQA), *args],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout)
    assert out.returncode == 0, f"itpqa {' '.join(args)} failed:\n{out.stderr[-3000:]}"
    return out.stdout


def _post(url: str, question: str) -> dict:
    req = urllib.request.Request(url, data=json.dumps({"question": question}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def _serve_traced(strace: str, log: Path, env: dict[str, str], questions: list[str]) -> list[dict]:
    """`itpqa serve` under strace: wait until ready, ask over HTTP, stay idle, stop it with Ctrl-C."""
    port = free_port()
    proc = subprocess.Popen([strace, "-f", "-qq", "-e", "trace=network", "-o", str(log), str(ITPQA),
                             "serve", "--port", str(port)], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, base)
        replies = [_post(f"{base}/api/ask", q) for q in questions]
        time.sleep(IDLE_SECONDS)  # telemetry uploaders wake up on timers: give them the time
    finally:
        # strace's child is the server: Ctrl-C it (strace exits when its tracees have).
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        for pid in pids:
            os.kill(pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            proc.wait(timeout=30)
    return replies


def test_ingest_ask_and_serve_send_nothing_off_the_machine(tmp_path: Path, fitted_triage: Path) -> None:
    strace = _strace_ready()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in DOCS:
        shutil.copy(REPO / "corpus" / name, corpus / name)
    # `fitted_triage`: the processes share the session's fitted triage (ITPQA_TRIAGE_DIR), so
    # ingest does not spend minutes fitting it (with the same embedder it runs here anyway).
    env = _env(tmp_path / "data")
    logs = {name: tmp_path / f"{name}.strace" for name in ("ingest", "ask1", "ask2", "serve")}

    _traced(strace, logs["ingest"], "ingest", "-q", str(corpus), env=env)
    first = json.loads(_traced(strace, logs["ask1"], "ask", "--json", "Is ITP contagious?", env=env))
    second = json.loads(_traced(strace, logs["ask2"], "ask", "--json", "How is romiplostim given?", env=env))
    served = _serve_traced(strace, logs["serve"], env, ["What is ITP?", "Is romiplostim an injection?"])

    assert [r["kind"] for r in (first, second, *served)] == ["answer"] * 4
    assert "bind(" in logs["serve"].read_text(), "strace recorded nothing of the server"
    for name, log in logs.items():
        trace = log.read_text()
        assert outbound(trace) == [], f"{name} sent traffic off the machine:\n" + "\n".join(outbound(trace)[:20])
