"""The `openai:` back end against a loopback server speaking chat completions (JSON and SSE).

The real `langchain-openai` client talks to a stdlib `http.server` in a thread; the server plays
scripted replies: answers, slow answers, stalled streams and HTTP 500s.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("langchain_openai", reason="the llm extra is not installed: pip install 'itp-qa[llm]'")

from qa.answer.compose import ExtractiveGenerator
from qa.answer.llm import make_llm_generator
from qa.answer.llm_prompt import CANARY
from qa.assistant import Assistant

FAITHFUL = ("ITP is not contagious. [1] A virus can sometimes trigger ITP in a child, but ITP itself "
            "does not spread. [1]")


@dataclass
class Play:
    """One scripted response."""

    text: str = ""
    status: int = 200
    delay: float = 0.0  # before the response starts
    chunk_delay: float = 0.0  # between streamed chunks
    stall_after: int | None = None  # streamed chunks sent before the server goes silent
    hold_last: threading.Event | None = None  # the last token waits for this (order, not timing)


class Server:
    """A chat-completions endpoint on 127.0.0.1; `plays` are used in order, `seen` records requests."""

    def __init__(self) -> None:
        self.plays: list[Play] = []
        self.seen: list[dict] = []
        self.finished: list[float] = []  # when each complete stream was sent (time.monotonic)
        self.tokens_sent = 0  # content chunks streamed so far, over all requests
        self.release = threading.Event()  # lets stalled handlers finish at shutdown
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.seen.append({"path": self.path, "body": body,
                                   "auth": self.headers.get("Authorization", "")})
                play = outer.plays.pop(0) if outer.plays else Play(status=500)
                if outer.release.wait(play.delay):
                    return
                if play.status != 200:
                    self._send(play.status, "application/json",
                               json.dumps({"error": {"message": "boom", "type": "server_error"}}))
                elif body.get("stream"):
                    self._stream(body, play)
                else:
                    self._send(200, "application/json", json.dumps({
                        "id": "cmpl-1", "object": "chat.completion", "created": 0,
                        "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": play.text}}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }))

            def _send(self, status: int, ctype: str, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict, play: Play) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                words = play.text.split(" ")
                pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
                for i, piece in enumerate(pieces):
                    if play.stall_after is not None and i == play.stall_after:
                        outer.release.wait(30)
                        return
                    if play.hold_last is not None and i == len(pieces) - 1:
                        play.hold_last.wait(30)  # a client that buffers everything waits it out
                    self._event({"role": "assistant", "content": piece}, None, body["model"])
                    outer.tokens_sent += 1
                    if play.chunk_delay and outer.release.wait(play.chunk_delay):
                        return
                self._event({}, "stop", body["model"])
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                outer.finished.append(time.monotonic())

            def _event(self, delta: dict, finish: str | None, model: str) -> None:
                chunk = {"id": "cmpl-1", "object": "chat.completion.chunk", "created": 0,
                         "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def settings_for(built_settings, server):
    def build(timeout: float = 5.0):
        return built_settings.model_copy(update={
            "generator": "openai:local-model", "llm_base_url": server.url,
            "llm_api_key": "sk-local-test", "llm_timeout": timeout,
        })

    return build


@pytest.fixture(scope="module")
def contagious(request_for):
    return request_for("Is ITP contagious?")


def test_json_answer_through_the_real_client(server, settings_for, embedder, contagious):
    server.plays = [Play(FAITHFUL + " Antibiotics cure ITP. [1]")]
    gen = make_llm_generator("openai:local-model", settings_for(), embedder=embedder)
    draft = gen.generate(contagious)
    assert [s.text for s in draft.sentences] == [
        "ITP is not contagious.",
        "A virus can sometimes trigger ITP in a child, but ITP itself does not spread.",
    ]
    assert draft.info["removed"] == 1 and draft.info["answered_by"] == "llm"
    [req] = server.seen
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-local-test"
    assert req["body"]["model"] == "local-model" and not req["body"].get("stream")
    system, user = req["body"]["messages"]
    assert system["role"] == "system" and CANARY in system["content"]
    assert user["role"] == "user" and "<sources>" in user["content"]


def test_sse_stream_shows_sentences_as_they_complete(server, settings_for, embedder, contagious):
    # Order, not timing: the last token waits until the first sentence has been released.
    text = FAITHFUL + " Cats spread ITP. [2]"
    release = threading.Event()
    server.plays = [Play(text, hold_last=release)]
    gen = make_llm_generator("openai:local-model", settings_for(timeout=60), embedder=embedder)
    texts, tokens_at_first = [], None
    info: dict = {}
    for sentence in gen.stream(contagious, info=info):
        if tokens_at_first is None:
            tokens_at_first = server.tokens_sent
            release.set()
        texts.append(sentence.text)
    assert server.seen[0]["body"]["stream"] is True
    assert texts == ["ITP is not contagious.",
                     "A virus can sometimes trigger ITP in a child, but ITP itself does not spread."]
    assert tokens_at_first is not None and tokens_at_first < len(text.split(" "))
    assert info["removed"] == 1 and info["fallback"] is None


@pytest.mark.parametrize("streaming", [False, True])
def test_http_500_falls_back_quietly(server, settings_for, embedder, contagious, streaming):
    server.plays = [Play(status=500), Play(status=500)]
    gen = make_llm_generator("openai:local-model", settings_for(), embedder=embedder)
    expected = ExtractiveGenerator().generate(contagious).sentences
    if streaming:
        info: dict = {}
        assert list(gen.stream(contagious, info=info)) == expected
    else:
        draft = gen.generate(contagious)
        assert draft.sentences == expected
        info = draft.info
    assert info["fallback"] == "http_500" and info["answered_by"] == "extractive"
    assert len(server.seen) == 2  # one retry, then the extractive answer


@pytest.mark.parametrize("streaming", [False, True])
def test_timeout_falls_back_within_the_limit(server, settings_for, embedder, contagious, streaming):
    server.plays = [Play(FAITHFUL, delay=20), Play(FAITHFUL, delay=20)]
    gen = make_llm_generator("openai:local-model", settings_for(timeout=0.5), embedder=embedder)
    started = time.monotonic()
    if streaming:
        info: dict = {}
        sentences = list(gen.stream(contagious, info=info))
    else:
        draft = gen.generate(contagious)
        sentences, info = draft.sentences, draft.info
    assert time.monotonic() - started < 5
    assert sentences == ExtractiveGenerator().generate(contagious).sentences
    assert info["fallback"] == "timeout"


def test_stalled_stream_keeps_what_was_verified(server, settings_for, embedder, contagious):
    server.plays = [Play(FAITHFUL, stall_after=8)]  # "... in a child," then silence
    gen = make_llm_generator("openai:local-model", settings_for(timeout=0.5), embedder=embedder)
    info: dict = {}
    assert [s.text for s in gen.stream(contagious, info=info)] == ["ITP is not contagious."]
    assert info["stopped"] == "timeout" and info["answered_by"] == "llm"


def test_assistant_reply_after_a_500_is_the_plain_extractive_answer(server, settings_for, embedder,
                                                                     assistant):
    server.plays = [Play(status=500), Play(status=500)]
    bot = Assistant(settings_for(), embedder=embedder)
    reply = bot.ask("Is ITP contagious?")
    assert reply.text == assistant.ask("Is ITP contagious?").text
    for word in ("error", "sorry", "fail", "wrong", "500"):
        assert word not in reply.answer.lower()
    assert reply.draft_info["fallback"] == "http_500"


def test_trickling_stream_hits_the_total_deadline(server, settings_for, embedder, contagious):
    # Every chunk arrives well within the read timeout, but the whole answer would take 15 s: the
    # 3 s total deadline must end the stream while the model is still writing (order, not a
    # wall-clock margin: a slow machine only verifies later, it cannot finish the model sooner).
    text = FAITHFUL + " Cats spread ITP. [2]" + " And more words keep coming." * 8
    total_tokens = len(text.split(" "))
    server.plays = [Play(text, chunk_delay=0.25)]
    gen = make_llm_generator("openai:local-model", settings_for(timeout=3), embedder=embedder)
    info: dict = {}
    shown = [s.text for s in gen.stream(contagious, info=info)]
    assert info["stopped"] == "timeout" and not server.finished
    assert server.tokens_sent < total_tokens
    assert shown == ["ITP is not contagious."]


def test_assistant_streams_each_verified_sentence_while_the_model_writes(server, settings_for, embedder):
    # Order, not wall-clock margins: the model's last token is held back until the first
    # sentence has reached the caller. A stream that buffered the whole answer would see every
    # token first (after the 30 s hold ran out), so `tokens_at_first` would equal the total.
    text = FAITHFUL + " Cats spread ITP. [2]"
    total_tokens = len(text.split(" "))
    release = threading.Event()
    server.plays = [Play(text, hold_last=release)]
    bot = Assistant(settings_for(timeout=60), embedder=embedder)
    arrivals = []
    tokens_at_first = None
    for event in bot.stream("Is ITP contagious?"):
        if tokens_at_first is None:
            tokens_at_first = server.tokens_sent
            release.set()
        arrivals.append(event)
    assert server.finished, "the model's stream never completed"
    first = arrivals[0]
    assert first.delta == "ITP is not contagious. [1]" and first.reply is None
    assert tokens_at_first is not None and tokens_at_first < total_tokens  # shown mid-stream
    reply = arrivals[-1].reply
    assert "".join(e.delta for e in arrivals) == reply.text
    assert "Cats" not in reply.text  # the unsupported sentence never reached the patient
    assert reply.draft_info["answered_by"] == "llm" and reply.draft_info["removed"] == 1
