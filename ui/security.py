"""The guard in front of every route: response headers (CSP, frame-ancestors), the origin check,
bounded and cleaned request bodies, the Gradio route policy and the per-client rate limits."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.disclaimer import DISCLAIMER
from qa.text.clean import TooDeep, clean_text, clean_value
from ui.gradio_routes import GRADIO_BODY_BYTES, GradioApps
from ui.request_body import (
    BodyTooLarge,
    BodyTooSlow,
    ClientGone,
    announced_size,
    has_body,
    read_body,
    replay,
)

EMBED_PREFIX = "/embed"
MAX_BODY_BYTES = 256 * 1024  # JSON API requests; a question is at most a few KB
BODY_SECONDS = 10.0  # the longest a request body may take to arrive (a 2 MB event: 200 KB/s)

# The JSON API's question routes: each request counts against the client's rate limit.
_ASK = re.compile(r"/api/ask(/stream)?/?")
# Paths a browser on another site may call (CORS), when its origin is allowed: GETs are checked too.
_CROSS_ORIGIN = re.compile(r"^/api/|^/widget/check$")
_SAFE = ("GET", "HEAD", "OPTIONS")


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


def same_origin(origin: str, headers: Headers) -> bool:
    """Whether a browser request comes from a page of this server.

    `Sec-Fetch-Site` is set by the browser and cannot be written by a page's script; without it,
    the origin's host and port must be the Host the request was sent to (scheme aside, so it
    holds behind a proxy that ends TLS).
    """
    if headers.get("sec-fetch-site") == "same-origin":
        return True
    netloc = urlsplit(origin).netloc.lower() if "://" in origin else ""
    return bool(netloc) and netloc == headers.get("host", "").lower()


class Refusal(Exception):
    """A request the guard answers itself: status, detail, extra headers."""

    def __init__(self, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        super().__init__(status, detail)
        self.status, self.detail, self.headers = status, detail, headers


class Guard:
    """ASGI middleware in front of every route, the mounted Gradio apps included.

    On every request: security headers; refusal of Gradio routes the product does not use; for
    anything but GET/HEAD/OPTIONS (and for the cross-origin API), 403 to a foreign origin that is
    not allowed; a body limit counted while the body arrives (413), with a time limit (408);
    every JSON body a question can travel in is parsed and cleaned (`qa.text.clean`) before any
    app sees it; Gradio calls are checked (`ui.gradio_routes`); asking and rating each have a
    per-client rate limit (429 + Retry-After). Every refusal is JSON with the disclaimer.
    """

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str], rate_limit: int,
                 trusted_proxies: Sequence[IPv4Network | IPv6Network] = (),
                 gradio: GradioApps | None = None, body_seconds: float = BODY_SECONDS) -> None:
        self.app = app
        self.proxies = list(trusted_proxies)
        self.allowed = [o.rstrip("/") for o in allowed_origins]
        self.limiter = RateLimiter(rate_limit)  # questions
        self.ratings = RateLimiter(rate_limit)  # ratings: a budget of their own
        self.gradio = gradio or GradioApps()
        self.body_seconds = body_seconds
        self.embed_csp = content_security_policy(self.allowed)
        self.page_csp = content_security_policy([])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
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

        try:
            scope, receive = await self._admit(scope, receive)
        except Refusal as refusal:
            await _json(send_with_headers, refusal.status, {"detail": refusal.detail}, list(refusal.headers))
            return
        except ClientGone:
            return
        await self.app(scope, receive, send_with_headers)

    async def _admit(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        """The request as the app should see it, or `Refusal`."""
        path, method = scope["path"], scope["method"]
        headers = Headers(scope=scope)
        route = self.gradio.route(method, path)
        if route is not None and route.refused:
            raise Refusal(404, "Not Found: this server does not offer that.")
        origin = headers.get("origin")
        if origin and (method not in _SAFE or _CROSS_ORIGIN.search(path)) and not (
            origin.rstrip("/") in self.allowed or same_origin(origin, headers)
        ):
            raise Refusal(403, f"origin {clean_text(origin)[:200]} is not allowed (ITPQA_EMBED_ORIGINS)")
        if _ASK.fullmatch(path) and method not in ("POST", "OPTIONS"):
            raise Refusal(405, "Send questions with POST.", ((b"allow", b"POST"),))
        asks = method == "POST" and bool(_ASK.fullmatch(path))
        gradio_call = route is not None and route.call != ""
        limit = GRADIO_BODY_BYTES if gradio_call else MAX_BODY_BYTES
        parsed: Any = None
        if has_body(headers):
            size = announced_size(headers)
            if size is not None and size > limit:
                raise _too_large(limit)
            try:
                body = await read_body(receive, limit, self.body_seconds)
            except BodyTooLarge:
                raise _too_large(limit) from None
            except BodyTooSlow:
                raise Refusal(408, f"The request body did not arrive within {self.body_seconds:g} seconds.") from None
            if asks or gradio_call:
                parsed = _parse_json(body)
                body = json.dumps(parsed, ensure_ascii=False).encode()
            scope = _with_length(scope, len(body))
            receive = replay(body, receive)
        cost = "ask" if asks else "free"
        if gradio_call and route is not None:
            verdict = self.gradio.check(route, parsed)
            if verdict.status:
                raise Refusal(verdict.status, verdict.detail)
            cost = verdict.cost
        if cost != "free":
            self._count(scope, headers, cost)
        return scope, receive

    def _count(self, scope: Scope, headers: Headers, cost: str) -> None:
        client = scope.get("client")
        peer = client[0] if client else "?"
        who = client_address(peer, headers.get("x-forwarded-for"), self.proxies)
        limiter, what = (self.ratings, "ratings") if cost == "feedback" else (self.limiter, "questions")
        wait = limiter.hit(who)
        if wait:
            raise Refusal(429, f"Too many {what}: the limit is {limiter.limit} a minute. "
                               f"Please try again in {wait} seconds.", ((b"retry-after", str(wait).encode()),))


def _too_large(limit: int) -> Refusal:
    return Refusal(413, f"The request body is larger than {limit // 1024:,} KB.")


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        raise Refusal(422, "The request body is empty: send a JSON object.")
    try:
        return clean_value(json.loads(body, parse_constant=_not_json))
    except TooDeep as exc:
        raise Refusal(422, f"The request body is not usable: {exc}.") from None
    except (ValueError, RecursionError):  # not UTF-8, not JSON, a 5,000-digit number, 1,000 [[[
        raise Refusal(422, "The request body is not valid JSON (UTF-8).") from None


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # Python reads NaN and Infinity; no encoder writes them


def _with_length(scope: Scope, length: int) -> Scope:
    """The scope with the body's real length (it may have been chunked, or re-encoded)."""
    raw = [(k, v) for k, v in scope["headers"] if k not in (b"content-length", b"transfer-encoding")]
    return {**scope, "headers": [*raw, (b"content-length", str(length).encode())]}


async def _json(send: Send, status: int, body: dict, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps({**body, "disclaimer": DISCLAIMER}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                    *(extra or [])],
    })
    await send({"type": "http.response.body", "body": data})
