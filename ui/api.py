"""The JSON API: `POST /api/ask`, `POST /api/ask/stream` (server-sent events), `GET /healthz`."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import anyio.to_thread
from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

import qa
from qa.index.reader import IndexMissing

log = logging.getLogger("ui")


class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    """A question, with the conversation so far (for follow-ups such as "how is it given?")."""

    question: str = Field(description="What the user asked (at most `ITPQA_MAX_QUESTION_CHARS`, 2,000 by default).",
                          examples=["Is ITP contagious?"])
    history: list[Turn] = Field(default_factory=list, description="Earlier turns, oldest first "
                                "(at most `ITPQA_MAX_HISTORY_TURNS`, 20 by default).")


class Reference(BaseModel):
    title: str
    url: str
    citation: str
    doi: str
    pmid: str
    year: str
    link: str = Field(description="The best link to open: the URL, else the DOI, else PubMed.")


class CitationOut(BaseModel):
    n: int = Field(description="The number used by the [n] markers in `text`.")
    title: str
    source: str
    url: str
    section: str
    text: str = Field(description="The quoted passage.")
    last_reviewed: str
    references: list[Reference] = Field(description="The source document's own references.")
    doc_id: str
    reviewed_by: str = Field("", description="Who reviewed the document (its `reviewed_by`), or empty.")


class ReplyOut(BaseModel):
    """The engine's reply. `text` is exactly what a user should see, disclaimer included."""

    text: str
    kind: Literal["answer", "urgent", "decline", "abstain"]
    citations: list[CitationOut]
    answer: str = Field(description="`text` without the source list and the disclaimer.")
    question: str = Field(description="The question as understood (follow-ups resolved).")
    reason: str = Field(description="Why a safety gate fired (for logs; never shown as advice).")
    disclaimer: str


class Problem(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "The request body is too large."},
    422: {"model": Problem, "description": "Empty or too long question, or too many history turns."},
    429: {"model": Problem, "description": "Rate limit reached; see the Retry-After header (seconds)."},
    503: {"model": Problem, "description": "The index has not been built (`itpqa ingest`)."},
}
NOT_READY = "The index of sources has not been built yet: run `itpqa ingest` on the server."


def _check(body: AskRequest, settings: Any) -> None:
    if not body.question.strip():
        raise HTTPException(422, "The question is empty: send some text in `question`.")
    if len(body.question) > settings.max_question_chars:
        raise HTTPException(422, f"The question is {len(body.question):,} characters long; "
                                 f"the limit is {settings.max_question_chars:,}.")
    if len(body.history) > settings.max_history_turns:
        raise HTTPException(422, f"The history has {len(body.history)} turns; "
                                 f"the limit is {settings.max_history_turns}.")


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def api_router(assistant: Any) -> APIRouter:
    """The JSON API over one `Assistant`."""
    router = APIRouter()
    settings = assistant.settings
    # Answers are computed off the event loop, a few at a time: more threads than cores only
    # fight over the GIL, and a request waiting here costs nothing but its place in line.
    limiter = anyio.CapacityLimiter(settings.answer_threads)

    @router.post("/api/ask", response_model=ReplyOut, responses=ERRORS, tags=["ask"],
                 summary="Ask a question")
    async def ask(body: AskRequest) -> dict[str, Any]:
        """Answer one question from the ITP sources, with numbered citations and the disclaimer.

        Urgent situations (for example heavy bleeding, a head injury) come back with
        `kind: "urgent"` and the emergency advice first.
        """
        _check(body, settings)
        history = [t.model_dump() for t in body.history]
        try:
            reply = await anyio.to_thread.run_sync(assistant.ask, body.question, history,
                                                   limiter=limiter)
            return reply.to_dict()
        except IndexMissing:
            raise HTTPException(503, NOT_READY) from None

    @router.post("/api/ask/stream", responses={**ERRORS, 200: {
        "content": {"text/event-stream": {}},
        "description": "Server-sent events: `delta` events ({\"delta\": text to append}), then one "
                       "`reply` event with the whole reply (as from /api/ask); `error` on failure.",
    }}, tags=["ask"], summary="Ask a question, streaming the reply")
    def ask_stream(body: AskRequest) -> StreamingResponse:
        """The same answer as `/api/ask`, sent as server-sent events while it is written."""
        _check(body, settings)
        history = [t.model_dump() for t in body.history]

        def events() -> Iterator[str]:
            try:
                for ev in assistant.stream(body.question, history):
                    if ev.delta:
                        yield _sse("delta", {"delta": ev.delta})
                    if ev.reply is not None:
                        yield _sse("reply", ev.reply.to_dict())
            except IndexMissing:
                yield _sse("error", {"detail": NOT_READY, "disclaimer": qa.DISCLAIMER})
            except Exception:
                log.exception("streaming answer failed")
                yield _sse("error", {"detail": "The answer failed on the server; please try again.",
                                     "disclaimer": qa.DISCLAIMER})

        async def paced() -> AsyncIterator[str]:
            # Each step runs off the event loop under the same limit as /api/ask.
            parts = events()
            while (part := await anyio.to_thread.run_sync(next, parts, None, limiter=limiter)) is not None:
                yield part

        return StreamingResponse(paced(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.get("/healthz", tags=["health"], summary="Is the service up and its index readable?")
    def healthz() -> JSONResponse:
        """200 `{"status": "ok"}` when answers can be computed. 503 `{"status": "degraded",
        "reason": ...}` while something answers need is broken (the vector store cannot be
        read, the local lexical cache is damaged and being rebuilt), 503 `unavailable` before
        the first ingest: a load balancer sends patients elsewhere meanwhile."""
        health = assistant.reader.health()
        if health.status == "unavailable":
            return JSONResponse({"status": "unavailable", "detail": NOT_READY}, status_code=503)
        body = {"status": health.status, "version": qa.__version__, "index": health.generation}
        if health.status != "ok":
            return JSONResponse({**body, "reason": health.reason}, status_code=503)
        return JSONResponse(body)

    return router
