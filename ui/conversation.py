"""What the chat does on each event (ask, retry, undo, rate), apart from how the page is laid out.

The conversation lives in the browser: the Chatbot's messages (HTML) and a hidden list of `turns`
(the raw text the engine needs, one entry per message) travel with each event and are not kept
on the server. A rating sends its reply's question, text and sources to the feedback store.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from typing import Any

from qa.disclaimer import DISCLAIMER, with_disclaimer
from qa.index import IndexMissing
from qa.templates import INTERNAL_ERROR
from ui.feedback import FeedbackStore, Rating
from ui.render import (
    PageLink,
    message_html,
    reply_html,
    source_summaries,
    streaming_html,
    user_html,
)

log = logging.getLogger("ui")

NOT_READY = (
    "The assistant is not ready yet: its library of ITP sources has not been set up on this "
    "server. Please try again later. (For the person running it: run `itpqa ingest`.)"
)
THINKING = "Looking through the sources…"

Update = tuple[list[dict[str, Any]], list[dict[str, Any]], str]  # chat, turns, textbox


def engine_history(turns: list[dict[str, Any]] | None, limit: int) -> list[dict[str, str]]:
    """The earlier turns as the engine takes them: role and plain text, the last `limit` only."""
    history = [
        {"role": t["role"], "content": t["content"]}
        for t in turns or []
        if isinstance(t, dict) and t.get("role") in ("user", "assistant")
        and isinstance(t.get("content"), str) and t["content"]
    ]
    return history[-limit:] if limit > 0 else []


def _message(role: str, html: str) -> dict[str, Any]:
    return {"role": role, "content": html}


class ChatService:
    """The chat's event handlers over one `Assistant`.

    >>> svc = ChatService(bot, FeedbackStore(path), page=lib.url)      # doctest: +SKIP
    >>> for chat, turns, box in svc.respond("Is ITP contagious?", [], []): ...   # doctest: +SKIP
    """

    def __init__(self, assistant: Any, feedback: FeedbackStore, page: PageLink = lambda _id: "",
                 surface: str = "chat") -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.page = page
        self.surface = surface
        self.settings = assistant.settings

    def respond(self, message: str, chat: list | None, turns: list | None) -> Iterator[Update]:
        """Ask: show the question, stream the reply in, then show it whole with its sources."""
        question = (message or "").strip()
        chat, turns = list(chat or []), list(turns or [])
        if len(chat) != len(turns):  # out of step (an old tab, a edited page): start clean
            chat, turns = [], []
        if not question:
            yield chat, turns, message or ""
            return
        history = engine_history(turns, self.settings.max_history_turns)
        chat += [_message("user", user_html(question)), _message("assistant", streaming_html(THINKING))]
        turns.append({"role": "user", "content": question})
        yield list(chat), list(turns), ""
        shown = ""
        try:
            for event in self.assistant.stream(question, history):
                shown += event.delta
                if event.reply is None:
                    chat[-1] = _message("assistant", streaming_html(shown))
                    yield list(chat), list(turns), ""
                    continue
                reply, rid = event.reply, secrets.token_hex(8)
                chat[-1] = _message("assistant", reply_html(reply, rid, self.page, DISCLAIMER))
                turns.append({
                    "role": "assistant", "content": reply.answer, "id": rid, "kind": reply.kind,
                    "text": reply.text, "sources": source_summaries(reply.citations),
                })
                yield chat, turns, ""
                return
        except IndexMissing:
            notice, kind = NOT_READY, "error"
        except Exception:
            log.exception("the chat could not answer")
            notice, kind = INTERNAL_ERROR, "error"
        chat[-1] = _message("assistant", message_html(with_disclaimer(notice), kind))
        turns.append({"role": "assistant", "content": "", "kind": kind})
        yield chat, turns, ""

    def retry(self, chat: list | None, turns: list | None) -> Iterator[Update]:
        """Ask the last question again (its old reply goes)."""
        chat, turns, question = self._drop_last(chat, turns)
        yield from self.respond(question, chat, turns)

    def undo(self, chat: list | None, turns: list | None) -> Update:
        """Take back the last question and its reply; the question returns to the text box."""
        return self._drop_last(chat, turns)

    @staticmethod
    def _drop_last(chat: list | None, turns: list | None) -> Update:
        chat, turns = list(chat or []), list(turns or [])
        users = [i for i, t in enumerate(turns) if isinstance(t, dict) and t.get("role") == "user"]
        if not users or len(chat) != len(turns):
            return chat, turns, ""
        i = users[-1]
        return chat[:i], turns[:i], str(turns[i].get("content", ""))

    def rate(self, turns: list | None, index: Any, liked: Any) -> bool:
        """Store a thumbs up/down (liked True/False; "" or None takes it back). True if stored."""
        turns = list(turns or [])
        i = index[0] if isinstance(index, (list, tuple)) else index
        if not isinstance(i, int) or not 0 < i < len(turns):
            return False
        reply, asked = turns[i], turns[i - 1]
        if not (isinstance(reply, dict) and reply.get("role") == "assistant" and reply.get("id")):
            return False
        rating: Rating | None = "up" if liked is True else "down" if liked is False else None
        limit = self.settings.max_question_chars
        self.feedback.rate(
            reply_id=str(reply["id"])[:64], rating=rating,
            question=str(asked.get("content", ""))[:limit] if isinstance(asked, dict) else "",
            reply=str(reply.get("text", ""))[:20_000], kind=str(reply.get("kind", ""))[:16],
            sources=[s for s in reply.get("sources", []) if isinstance(s, dict)][:20],
            surface=self.surface,
        )
        return True

    def ask(self, question: str, history: list[dict] | None = None) -> dict:
        """One question (and earlier turns) in, the engine's reply as JSON out."""
        return self.assistant.ask(question, engine_history(history, self.settings.max_history_turns)).to_dict()
