"""Response headers (CSP, frame-ancestors), the origin check and the per-client rate limit."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EMBED_PREFIX = "/embed"
MAX_BODY_BYTES = 256 * 1024  # JSON API requests; a question is at most a few KB

# Paths that answer questions: limited per client, and refused to foreign origins.
_ASK = re.compile(r"^/api/ask(/stream)?$|/gradio_api/(queue/join|call/|run/)")
# Paths a browser on another site may call (CORS), when its origin is allowed.
_CROSS_ORIGIN = re.compile(r"^/api/|^/widget/check$")


def content_security_policy(frame_ancestors: Sequence[str]) -> str:
    """The page policy: everything from this server only, framed only by `frame_ancestors`.

    Gradio writes its config in an inline script and styles inline, hence 'unsafe-inline';
    `connect-src 'self'` keeps the page from reaching any other host.
    """
    ancestors = " ".join(["'self'", *frame_ancestors])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


class RateLimiter:
    """At most `limit` hits per `window` seconds per key (a sliding window, kept in memory only).

    >>> rl = RateLimiter(2, 60)
    >>> rl.hit("a", now=0), rl.hit("a", now=1), rl.hit("a", now=2)
    (0, 0, 58)
    """

    def __init__(self, limit: int, window: float = 60.0) -> None:
        if limit < 1:
            raise ValueError(f"rate limit must be at least 1 a minute, not {limit}")
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> int:
        """Count one request; return 0 if allowed, else the seconds to wait (Retry-After)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
            return 0


def _trusted(address: str, proxies: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(peer: str, forwarded_for: str | None,
                   proxies: Sequence[IPv4Network | IPv6Network]) -> str:
    """Who is asking: the connecting address, or, when that is a trusted reverse proxy, the
    nearest address in `X-Forwarded-For` (read right to left) that is not a trusted proxy.

    A visitor can write anything into the header; only hops added by trusted proxies count.

    >>> from qa.settings import parse_networks
    >>> proxies = parse_networks("10.0.0.5")
    >>> client_address("10.0.0.5", "6.6.6.6, 203.0.113.7", proxies)
    '203.0.113.7'
    >>> client_address("198.51.100.2", "203.0.113.7", proxies)  # not via the proxy: header ignored
    '198.51.100.2'
    """
    if not proxies or not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def _origin_of(scope: Scope, headers: Headers) -> str:
    return f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".rstrip("/")


class Guard:
    """ASGI middleware: security headers on every response; on the ask endpoints, a foreign
    origin that is not allowed gets 403 and a client over its rate limit gets 429 + Retry-After."""

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str], rate_limit: int,
                 trusted_proxies: Sequence[IPv4Network | IPv6Network] = ()) -> None:
        self.app = app
        self.proxies = list(trusted_proxies)
        self.allowed = [o.rstrip("/") for o in allowed_origins]
        self.limiter = RateLimiter(rate_limit)
        self.embed_csp = content_security_policy(self.allowed)
        self.page_csp = content_security_policy([])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin and _CROSS_ORIGIN.search(path) and origin.rstrip("/") not in (
            *self.allowed, _origin_of(scope, headers)
        ):
            await _json(send, 403, {"detail": f"origin {origin} is not allowed (ITPQA_EMBED_ORIGINS)"})
            return
        size = headers.get("content-length", "")
        if path.startswith("/api/") and size.isdigit() and int(size) > MAX_BODY_BYTES:
            await _json(send, 413, {"detail": f"The request body is larger than {MAX_BODY_BYTES // 1024} KB."})
            return
        if scope["method"] == "POST" and _ASK.search(path):
            client = scope.get("client")
            peer = client[0] if client else "?"
            wait = self.limiter.hit(client_address(peer, headers.get("x-forwarded-for"), self.proxies))
            if wait:
                await _json(send, 429, {
                    "detail": f"Too many questions: the limit is {self.limiter.limit} a minute. "
                              f"Please try again in {wait} seconds."
                }, [(b"retry-after", str(wait).encode())])
                return
        embed = path == EMBED_PREFIX or path.startswith(EMBED_PREFIX + "/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h["Content-Security-Policy"] = self.embed_csp if embed else self.page_csp
                h["X-Content-Type-Options"] = "nosniff"
                h["Referrer-Policy"] = "no-referrer"
                h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
                if not embed:
                    h["X-Frame-Options"] = "SAMEORIGIN"
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _json(send: Send, status: int, body: dict, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                    *(extra or [])],
    })
    await send({"type": "http.response.body", "body": data})
