"""Gradio's wire protocol as the chat page speaks it: queued events (`queue/join`, then the
`queue/data` event stream) and direct ones (`run/predict`), by the event's name in `/config`."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Completed:
    """The end of one queued event: whether it succeeded and its output values."""

    success: bool
    output: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def data(self) -> list[Any]:
        return self.output.get("data") or []


class GradioPage:
    """One browser tab's view of a Gradio app at `url` (e.g. `http://host:port` or `.../embed`).

    >>> page = GradioPage(app_url)                               # doctest: +SKIP
    >>> done = page.join("respond", ["What is ITP?", [], []])    # doctest: +SKIP
    >>> chat, turns, box = done.data                             # doctest: +SKIP
    """

    def __init__(self, url: str, session: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.url = url.rstrip("/")
        self.session = session or secrets.token_hex(6)
        self.headers = headers or {}
        config = httpx.get(f"{self.url}/config", timeout=30).json()
        self.fns = {d["api_name"]: d["id"] for d in config["dependencies"] if d.get("api_name")}

    def fn(self, name: str) -> int:
        return self.fns[name]

    def post(self, route: str, body: Any, **kw: Any) -> httpx.Response:
        return httpx.post(f"{self.url}/gradio_api/{route}", json=body, timeout=60,
                          headers=self.headers, **kw)

    def join(self, name: str, data: list[Any], event_data: Any = None) -> Completed:
        """Send a queued event and read its stream to the end."""
        r = self.post("queue/join", {"data": data, "fn_index": self.fn(name), "session_hash": self.session,
                                     "event_data": event_data, "trigger_id": None})
        r.raise_for_status()
        return self.wait(r.json()["event_id"])

    def wait(self, event_id: str) -> Completed:
        messages: list[dict[str, Any]] = []
        with httpx.stream("GET", f"{self.url}/gradio_api/queue/data", params={"session_hash": self.session},
                          timeout=60) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                messages.append(msg)
                if msg.get("msg") == "process_completed" and msg.get("event_id") == event_id:
                    return Completed(bool(msg.get("success")), msg.get("output") or {}, messages)
        raise AssertionError(f"the event stream ended without completing {event_id}: {messages[-3:]}")

    def run(self, name: str, data: list[Any], event_data: Any = None) -> httpx.Response:
        """Send an event with queue=False, as the page does (`run/predict` with its fn_index)."""
        return self.post("run/predict", {"data": data, "fn_index": self.fn(name), "session_hash": self.session,
                                         "event_data": event_data, "trigger_id": None})

    def ask(self, question: str, chat: list | None = None, turns: list | None = None) -> tuple[list, list]:
        """Type a question and wait for the whole reply: the new chat and turns."""
        done = self.join("respond", [question, chat or [], turns or []])
        assert done.success, done.messages[-2:]
        chat, turns, _box = done.data
        return chat, turns

    def rate(self, turns: list, index: int, liked: bool | str) -> httpx.Response:
        return self.run("rate", [turns], {"index": index, "value": "", "liked": liked})
