"""Which Gradio routes the chat uses, and which Gradio calls it accepts, checked before Gradio runs.

The page and `gradio_client` need: the page, its assets and `config`, `gradio_api/info`, queued
events (`queue/join`, then `queue/data`), events with `queue=False` (`run/predict`), `heartbeat`,
`cancel` and `reset`. Everything else Gradio serves (uploads, files, proxy, media streams, the
REST `api/` and `call/` routes, monitoring, login, vibe editing...) is refused.

A call names its event by `fn_index`. The event must exist in that app, be sent the way the page
sends it (queued or not), and have one value per input that the input's own Gradio data model
accepts: otherwise Gradio's traceback would print the values (the question) into the log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

Cost = Literal["ask", "feedback", "free"]
Call = Literal["join", "run", ""]
F = TypeVar("F", bound=Callable[..., Any])

GRADIO_BODY_BYTES = 2 * 1024 * 1024  # an event carries the whole conversation (5-15 KB a turn)
_COST_ATTR = "__itp_cost__"
_SESSION = re.compile(r"[A-Za-z0-9_-]{1,64}")

_GET = re.compile(
    r"/gradio_api/(info/?|theme\.css|queue/data|queue/status|heartbeat/[A-Za-z0-9_-]{1,64}"
    r"|startup-events|app_id/?)"
)
_POST: dict[str, Call] = {"/gradio_api/queue/join": "join", "/gradio_api/run/predict": "run",
                          "/gradio_api/run/predict/": "run", "/gradio_api/cancel": "",
                          "/gradio_api/reset": "", "/gradio_api/reset/": ""}
# Gradio's own routes outside /gradio_api that the product does not use.
_UNUSED = re.compile(r"/(login|logout|monitoring|pwa_icon|manifest\.json)(/.*)?")


def costs(kind: Cost) -> Callable[[F], F]:
    """Mark an event handler with what a call to it costs: "ask" (runs the assistant),
    "feedback" (writes a rating) or "free"; the guard rate-limits the first two."""

    def mark(fn: F) -> F:
        setattr(fn, _COST_ATTR, kind)
        return fn

    return mark


@dataclass(frozen=True)
class GradioRoute:
    """What the guard does with one request to a Gradio app."""

    prefix: str  # the app's mount path ("" or "/embed")
    refused: bool = False
    call: Call = ""  # "join" or "run": the body names an event to check


@dataclass(frozen=True)
class Verdict:
    """A checked call: `status` 0 to let it through (with its `cost`), else the refusal."""

    status: int = 0
    detail: str = ""
    cost: Cost = "free"


def _refuse(status: int, detail: str) -> Verdict:
    return Verdict(status=status, detail=detail)


class GradioApps:
    """The Gradio apps mounted in the server, by mount path.

    >>> apps = GradioApps()                                          # doctest: +SKIP
    >>> apps.add("/embed", embed_blocks); apps.add("", chat_blocks)  # doctest: +SKIP
    >>> apps.route("POST", "/gradio_api/upload").refused             # doctest: +SKIP
    True
    """

    def __init__(self) -> None:
        self._apps: dict[str, Any] = {}

    def add(self, prefix: str, blocks: Any) -> None:
        self._apps[prefix.rstrip("/")] = blocks

    def route(self, method: str, path: str) -> GradioRoute | None:
        """How a request is treated, or None when the path is not Gradio's (the JSON API...)."""
        prefix = next((p for p in sorted(self._apps, key=len, reverse=True)
                       if p and (path == p or path.startswith(p + "/"))), "")
        if prefix not in self._apps:
            return None
        sub = path[len(prefix):] or "/"
        if sub == "/gradio_api" or sub.startswith("/gradio_api/"):
            if method in ("GET", "HEAD") and _GET.fullmatch(sub):
                return GradioRoute(prefix)
            if method == "POST" and sub in _POST:
                return GradioRoute(prefix, call=_POST[sub])
            return GradioRoute(prefix, refused=True)
        if _UNUSED.fullmatch(sub) or (prefix and sub == "/openapi.json"):
            return GradioRoute(prefix, refused=True)
        return GradioRoute(prefix) if prefix else None

    def check(self, route: GradioRoute, body: Any) -> Verdict:
        """Whether a `join` or `run` call may reach Gradio, and what it costs."""
        blocks = self._apps[route.prefix]
        if not isinstance(body, dict):
            return _refuse(422, "The body must be a JSON object.")
        data, index, session = body.get("data"), body.get("fn_index"), body.get("session_hash")
        if not isinstance(data, list):
            return _refuse(422, "`data` must be a list of input values.")
        if type(index) is not int:
            return _refuse(422, "`fn_index` must be a whole number.")
        if session is not None and not (isinstance(session, str) and _SESSION.fullmatch(session)):
            return _refuse(422, "`session_hash` must be 1 to 64 letters, digits, - or _.")
        if route.call == "join" and session is None:
            return _refuse(422, "A queued event needs a `session_hash`.")
        if body.get("event_data") is not None and not isinstance(body["event_data"], dict):
            return _refuse(422, "`event_data` must be an object.")
        fn = blocks.fns.get(index)
        if fn is None or bool(fn.queue) != (route.call == "join"):
            return _refuse(404, "There is no such event in this app.")
        if len(data) != len(fn.inputs):
            return _refuse(422, f"This event takes {len(fn.inputs)} input values, not {len(data)}.")
        for i, (block, value) in enumerate(zip(fn.inputs, data, strict=True)):
            model = getattr(block, "data_model", None)
            if model is None or value is None:
                continue
            try:
                model.model_validate(value, context={"validate_meta": True})
            except Exception:  # the message would quote the value; say only which one
                return _refuse(422, f"Input value {i} is not a valid {type(block).__name__} value.")
        return Verdict(cost=getattr(fn.fn, _COST_ATTR, "free"))
