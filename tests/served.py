"""Starting real servers in tests: a free loopback port, and waiting for `/healthz` to say ok."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request

import pytest


def free_port(host: str = "127.0.0.1") -> int:
    """A port on `host` that nothing listens on now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until_healthy(proc: subprocess.Popen, url: str, timeout: float = 180.0) -> None:
    """Poll `url`/healthz until it answers 200; fail with the server's stderr if it dies or stalls."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5):
                return
        except OSError:  # not listening yet, or 503 while it warms up
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read()[-3000:] if proc.stderr and proc.poll() is not None else ""
                pytest.fail(f"itpqa serve did not start:\n{err}")
            time.sleep(0.5)
