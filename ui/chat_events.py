"""The chat's Gradio event handlers: what each costs (the guard's rate limits, ui/gradio_routes.py),
the browser session each reply is signed for, and event data read without trusting its shape."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui.conversation import ChatService, Update
from ui.gradio_routes import costs

RATING_FAILED = "Sorry, your rating could not be saved just now. Please try again later."


def _session(request: gr.Request | None) -> str:
    return str(getattr(request, "session_hash", "") or "") if request is not None else ""


def _event(event: gr.EventData | None) -> dict[str, Any]:
    data = getattr(event, "_data", None)
    return data if isinstance(data, dict) else {}


def unsaved(turns: list, index: Any) -> list[str | None]:
    """Feedback values for the Chatbot that show the reply at `index` as not rated.

    The Chatbot keeps each thumb as clicked until its value changes, so that reply gets a value
    it has never had (no thumb is drawn for it); the others get None, which changes nothing.
    """
    at = index[0] if isinstance(index, list | tuple) and index else index
    replies = [i for i, t in enumerate(turns) if isinstance(t, dict) and t.get("role") == "assistant"]
    return [f"unsaved-{secrets.token_hex(4)}" if i == at else None for i in replies]


@dataclass(frozen=True)
class ChatEvents:
    """One handler per chat event, over a `ChatService`."""

    respond: Callable[..., Iterator[Update]]
    example: Callable[..., Iterator[Update]]
    retry: Callable[..., Iterator[Update]]
    undo: Callable[..., Update]
    rate: Callable[..., Any]
    ask: Callable[..., dict]


def chat_events(service: ChatService) -> ChatEvents:
    """The handlers `build_chat` wires to the page (and `ask`, the gradio_client endpoint)."""

    @costs("ask")
    def respond(message: str, chat: list, turns: list, request: gr.Request) -> Iterator[Update]:
        yield from service.respond(message, chat, turns, _session(request))

    @costs("ask")
    def ask_example(chat: list, turns: list, event: gr.EventData, request: gr.Request) -> Iterator[Update]:
        value = _event(event).get("value")
        text = value.get("text", "") if isinstance(value, dict) else value if isinstance(value, str) else ""
        yield from service.respond(text, chat, turns, _session(request))

    @costs("ask")
    def retry(chat: list, turns: list, request: gr.Request) -> Iterator[Update]:
        yield from service.retry(chat, turns, _session(request))

    def undo(chat: list, turns: list) -> Update:
        return service.undo(chat, turns)

    @costs("feedback")
    def rate(turns: list, event: gr.EventData, request: gr.Request) -> tuple[Any, gr.Markdown]:
        data = _event(event)
        rated = service.rate(turns, data.get("index"), data.get("liked"), _session(request))
        if rated != "failed":
            return gr.skip(), gr.Markdown("", visible=False)
        return gr.Chatbot(feedback_value=unsaved(turns, data.get("index"))), gr.Markdown(
            f'<p class="itp-rating-failed" role="status">{RATING_FAILED}</p>', visible=True)

    @costs("ask")
    def ask(question: str, history: list[dict] | None = None) -> dict:
        """Ask one question about ITP; returns the reply as JSON (text, kind, citations, disclaimer)."""
        return service.ask(question, history)

    return ChatEvents(respond, ask_example, retry, undo, rate, ask)
