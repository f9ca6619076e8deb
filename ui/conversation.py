"""What the chat does on each event (ask, retry, undo, rate), apart from how the page is laid out.

The conversation lives in the browser: the Chatbot's messages (HTML) and a hidden list of `turns`
(the raw text the engine needs, one entry per message) travel with each event and are not kept
on the server. A rating sends its reply's question, text and sources to the feedback store, and
is stored only when the reply's id is the one this server signed for them in that session
(ui/reply_token.py). Anything an event brings is treated as untrusted: wrong types start clean.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from typing import Any, Literal

from qa.answer.templates import INTERNAL_ERROR
from qa.disclaimer import DISCLAIMER, with_disclaimer
from qa.index.reader import IndexMissing
from ui.feedback import FeedbackStore, FeedbackUnavailable, Rating
from ui.render import (
    PageLink,
    message_html,
    reply_html,
    source_summaries,
    streaming_html,
    user_html,
)
from ui.reply_token import ReplySigner

log = logging.getLogger("ui")

NOT_READY = (
    "The assistant is not ready yet: its library of ITP sources has not been set up on this "
    "server. Please try again later. (For the person running it: run `itpqa ingest`.)"
)
THINKING = "Looking through the sources…"

Update = tuple[list[dict[str, Any]], list[dict[str, Any]], str]  # chat, turns, textbox
# What became of a rating: stored, taken back, refused (not a reply this server gave in this
# session, or not a reply at all), or failed (the feedback store could not be written).
Rated = Literal["saved", "removed", "refused", "failed"]


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list) else []


def engine_history(turns: list[dict[str, Any]] | None, limit: int) -> list[dict[str, str]]:
    """The earlier turns as the engine takes them: role and plain text, the last `limit` only."""
    history = [
        {"role": t["role"], "content": t["content"]}
        for t in _as_list(turns)
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
                 surface: str = "chat", signer: ReplySigner | None = None) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.page = page
        self.surface = surface
        self.signer = signer or ReplySigner()
        self.settings = assistant.settings

    def _signed(self, question: str, turn: dict[str, Any]) -> dict[str, Any]:
        return {"question": question, "text": turn.get("text"), "kind": turn.get("kind"),
                "sources": turn.get("sources"), "surface": self.surface}

    def respond(self, message: Any, chat: Any, turns: Any, session: str = "") -> Iterator[Update]:
        """Ask: show the question, stream the reply in, then show it whole with its sources.

        Args:
            message: the question typed.
            chat, turns: the conversation so far (the Chatbot's messages, the hidden turns).
            session: the browser session (Gradio's session hash) the reply's id is signed for.
        """
        question = message.strip() if isinstance(message, str) else ""
        chat, turns = _as_list(chat), _as_list(turns)
        if len(chat) != len(turns):  # out of step (an old tab, a edited page): start clean
            chat, turns = [], []
        if not question:
            yield chat, turns, message if isinstance(message, str) else ""
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
                reply = event.reply
                turn = {"role": "assistant", "content": reply.answer, "kind": reply.kind,
                        "text": reply.text, "sources": source_summaries(reply.citations)}
                turn["id"] = self.signer.issue(session, self._signed(question, turn))
                chat[-1] = _message("assistant", reply_html(reply, turn["id"].split(".")[0], self.page,
                                                            DISCLAIMER))
                turns.append(turn)
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

    def retry(self, chat: Any, turns: Any, session: str = "") -> Iterator[Update]:
        """Ask the last question again (its old reply goes)."""
        chat, turns, question = self._drop_last(chat, turns)
        yield from self.respond(question, chat, turns, session)

    def undo(self, chat: Any, turns: Any) -> Update:
        """Take back the last question and its reply; the question returns to the text box."""
        return self._drop_last(chat, turns)

    @staticmethod
    def _drop_last(chat: Any, turns: Any) -> Update:
        chat, turns = _as_list(chat), _as_list(turns)
        users = [i for i, t in enumerate(turns) if isinstance(t, dict) and t.get("role") == "user"]
        if not users or len(chat) != len(turns):
            return chat, turns, ""
        i = users[-1]
        return chat[:i], turns[:i], str(turns[i].get("content", ""))

    def rate(self, turns: Any, index: Any, liked: Any, session: str = "") -> Rated:
        """Store a thumbs up/down (liked True/False; "" or None takes it back).

        Only a reply this server gave in `session`, with the question, text, kind and sources it
        gave, is rated; anything else is "refused". "failed" means the store could not be written.
        """
        turns = _as_list(turns)
        i = index[0] if isinstance(index, list | tuple) and index else index
        if type(i) is not int or not 0 < i < len(turns):
            return "refused"
        reply, asked = turns[i], turns[i - 1]
        if not (isinstance(reply, dict) and reply.get("role") == "assistant" and isinstance(asked, dict)
                and asked.get("role") == "user" and isinstance(asked.get("content"), str)):
            return "refused"
        question = asked["content"]
        if not self.signer.valid(reply.get("id"), session, self._signed(question, reply)):
            return "refused"
        rating: Rating | None = "up" if liked is True else "down" if liked is False else None
        sources = reply.get("sources")
        try:
            self.feedback.rate(
                reply_id=str(reply["id"]).split(".")[0], rating=rating,
                question=question[: self.settings.max_question_chars],
                reply=str(reply.get("text", ""))[:20_000], kind=str(reply.get("kind", ""))[:16],
                sources=[s for s in sources if isinstance(s, dict)][:20] if isinstance(sources, list) else [],
                surface=self.surface,
            )
        except (FeedbackUnavailable, sqlite3.Error, OSError) as exc:
            log.warning("a rating could not be stored: %s", exc.__class__.__name__)
            return "failed"
        return "saved" if rating else "removed"

    def ask(self, question: str, history: list[dict] | None = None) -> dict:
        """One question (and earlier turns) in, the engine's reply as JSON out."""
        history = engine_history(history, self.settings.max_history_turns)
        return self.assistant.ask(question if isinstance(question, str) else "", history).to_dict()
