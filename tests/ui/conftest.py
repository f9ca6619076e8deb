"""Live servers for the UI tests: the real app (uvicorn on a free loopback port, the real index),
host pages on other origins, and headless Chromium that records every request it makes."""

from __future__ import annotations

import functools
import http.server
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.served import free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EXAMPLE_SERVER = "http://127.0.0.1:7860"


@dataclass
class LiveServer:
    """A uvicorn server in a thread; `url` has no trailing slash."""

    url: str
    app: Any
    settings: Any
    server: Any = None
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread:
            self.thread.join(timeout=15)


def start_app(settings: Any, assistant: Any) -> LiveServer:
    """Serve `create_app(settings, assistant)` on a free loopback port until `stop()`."""
    import uvicorn

    from ui.app import create_app, server_config

    port = free_port()
    settings = settings.model_copy(update={"port": port, "host": "127.0.0.1"})
    app = create_app(settings, assistant)
    server = uvicorn.Server(server_config(app, settings))  # exactly as `itpqa serve` runs it
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", app, settings, server, thread)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class HostSite:
    """A static site on its own origin (another port), serving the example host page."""

    url: str
    httpd: http.server.ThreadingHTTPServer
    root: Path

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def start_host_site(root: Path, port: int, app_url: str) -> HostSite:
    """Serve ui/examples/host.html (its tag pointed at `app_url`) as `/` of a new origin."""
    root.mkdir(parents=True, exist_ok=True)
    page = (REPO / "ui" / "examples" / "host.html").read_text("utf-8").replace(EXAMPLE_SERVER, app_url)
    (root / "index.html").write_text(page, "utf-8")
    (root / "favicon.ico").write_bytes(b"")
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return HostSite(f"http://127.0.0.1:{port}", httpd, root)


@dataclass
class Sites:
    """The app, a host site it allows, and one it does not."""

    app: LiveServer
    allowed: HostSite
    foreign: HostSite


@pytest.fixture(scope="session")
def sites(built_settings, assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    allowed_port, foreign_port = free_port(), free_port()
    # Feedback goes to the session's temp data dir, next to the index the shared fixture built.
    settings = built_settings.model_copy(update={
        "embed_origins": f"http://127.0.0.1:{allowed_port}", "rate_limit": 10_000,
    })
    app = start_app(settings, assistant)
    allowed = start_host_site(tmp_path_factory.mktemp("host-allowed"), allowed_port, app.url)
    foreign = start_host_site(tmp_path_factory.mktemp("host-foreign"), foreign_port, app.url)
    yield Sites(app, allowed, foreign)
    allowed.stop()
    foreign.stop()
    app.stop()


@pytest.fixture(scope="session")
def app_url(sites: Sites) -> str:
    return sites.app.url


@pytest.fixture(scope="session")
def server_factory(built_settings, assistant) -> Iterator[Callable[..., LiveServer]]:
    """Start extra apps (other settings, another engine); all stopped at the end."""
    started: list[LiveServer] = []

    def make(engine: Any = None, **changes: Any) -> LiveServer:
        server = start_app(built_settings.model_copy(update=changes), engine or assistant)
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()


# --- the browser ---------------------------------------------------------------------------


def _require(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"{what} is missing ({path}): run `bash scripts/ensure-browser.sh`"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require(CHROMIUM, "Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class RequestLog:
    """Every URL the browser asked for, and every console error or page error."""

    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def non_loopback(self) -> list[str]:
        from urllib.parse import urlsplit

        bad = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about", "chrome-error"):
                continue
            host = parts.hostname or ""
            if not (host.startswith("127.") or host in ("localhost", "::1")):
                bad.append(url)
        return bad


@pytest.fixture(scope="session")
def request_logs() -> list[RequestLog]:
    """All tests' request logs, checked together at the end of the browser tests."""
    return []


@pytest.fixture
def make_page(browser, request_logs: list[RequestLog]) -> Iterator[Callable[..., tuple[Any, RequestLog]]]:
    """New pages (a fresh context each) whose requests and errors are recorded."""
    contexts = []

    def make(width: int = 1280, height: int = 900, **options: Any) -> tuple[Any, RequestLog]:
        ctx = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(ctx)
        log = RequestLog()
        request_logs.append(log)
        ctx.on("request", lambda r: log.urls.append(r.url))
        page = ctx.new_page()
        page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: log.errors.append(str(e)))
        return page, log

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    _require(AXE, "axe-core")
    return AXE.read_text("utf-8")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
