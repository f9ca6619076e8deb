"""The guard in front of every route, over a real server and the real index: the JSON API, every
Gradio route of `/` and `/embed`, and what reaches the engine and the feedback store."""

from __future__ import annotations

import json

import httpx
import pytest

from qa.disclaimer import DISCLAIMER
from tests.ui.gradio_protocol import GradioPage
from tests.ui.raw_http import chunked, send
from ui.security import BODY_SECONDS

SURFACES = ("", "/embed")


def post_raw(url: str, text: str, **kw) -> httpx.Response:
    """POST a JSON text as written (it may hold escapes such as \\ud800 that no encoder makes)."""
    return httpx.post(url, content=text.encode(), headers={"content-type": "application/json"},
                      timeout=60, **kw)


def is_refusal(r: httpx.Response, status: int) -> bool:
    return r.status_code == status and r.json()["disclaimer"] == DISCLAIMER


# --- rate limits ------------------------------------------------------------------------------


def test_every_route_that_answers_counts_against_one_budget(server_factory) -> None:
    server = server_factory(rate_limit=3)
    assert httpx.post(f"{server.url}/api/ask", json={"question": "What is ITP?"}, timeout=60).status_code == 200
    GradioPage(server.url).ask("What is ITP?")
    GradioPage(f"{server.url}/embed").ask("What is ITP?")
    for surface in SURFACES:
        page = GradioPage(server.url + surface)
        r = page.post("queue/join", {"data": ["What is ITP?", [], []], "fn_index": page.fn("respond"),
                                     "session_hash": page.session})
        assert is_refusal(r, 429) and 1 <= int(r.headers["retry-after"]) <= 60
    assert httpx.post(f"{server.url}/api/ask", json={"question": "What is ITP?"}, timeout=60).status_code == 429
    assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("route", ["api/ask", "api/predict", "run/ask", "run/respond", "call/ask",
                                   "call/v2/ask", "upload", "component_server", "stream/x",
                                   "process_recording", "vibe-edit"])
def test_gradio_routes_the_chat_does_not_use_are_refused(app_url: str, surface: str, route: str) -> None:
    page = f"{app_url}{surface}/gradio_api/{route}"
    assert is_refusal(httpx.post(page, json={"data": ["is itp contagious", []], "fn_index": 1}, timeout=30), 404)


@pytest.mark.parametrize("surface", SURFACES)
def test_no_uploads_and_no_files(app_url: str, surface: str, tmp_path) -> None:
    url = f"{app_url}{surface}/gradio_api"
    r = httpx.post(f"{url}/upload", files={"files": ("x.bin", b"\0" * 5_000_000)}, timeout=60)
    assert is_refusal(r, 404)
    for path in ("file=/etc/passwd", "file/etc/passwd", "proxy=http://example.com", "upload_progress",
                 "monitoring", "runs"):
        assert httpx.get(f"{url}/{path}", timeout=30).status_code == 404, path
    for path in ("/login", "/logout", "/monitoring", "/manifest.json"):
        assert httpx.get(f"{app_url}{surface}{path}", timeout=30).status_code == 404, path


def test_ratings_have_a_budget_of_their_own(server_factory) -> None:
    server = server_factory(rate_limit=3)
    page = GradioPage(server.url)
    _, turns = page.ask("Is ITP contagious?")
    codes = [page.rate(turns, 1, liked).status_code for liked in (True, False, True, True)]
    assert codes == [200, 200, 200, 429]
    page.ask("What is ITP?")  # asking has its own budget left


# --- feedback only for real replies ----------------------------------------------------------


def test_made_up_ratings_are_never_stored(server_factory) -> None:
    server = server_factory(rate_limit=1000)
    store = server.app.state.feedback
    before = len(list(store.rows()))
    page = GradioPage(server.url)
    for i in range(100):  # what went in within 0.7 s before: any question, any reply
        fake = [{"role": "user", "content": f"FAKE {i}"},
                {"role": "assistant", "content": "x", "id": f"{i:016x}", "kind": "answer",
                 "text": "Buy our pills.", "sources": []}]
        assert page.rate(fake, 1, True).status_code < 500
    assert len(list(store.rows())) == before

    _, turns = page.ask("Is ITP contagious?")
    assert GradioPage(server.url).rate(turns, 1, True).status_code == 200  # another tab: refused
    assert GradioPage(f"{server.url}/embed", session=page.session).rate(turns, 1, True).status_code == 200
    assert len(list(store.rows())) == before
    assert page.rate(turns, 1, True).status_code == 200  # the tab that was given the reply
    rows = list(store.rows())
    assert len(rows) == before + 1 and rows[-1].question == "Is ITP contagious?"


# --- bodies -----------------------------------------------------------------------------------


def test_a_chunked_body_is_cut_off_while_it_arrives(app_url: str) -> None:
    huge = b'{"question": "' + b"a" * 20_000_000 + b'"}'
    for path, limit in (("/api/ask", "256 KB"), ("/gradio_api/queue/join", "2,048 KB"),
                        ("/embed/gradio_api/run/predict", "2,048 KB")):
        r = send(app_url, f"POST {path} HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                          "Transfer-Encoding: chunked", chunked(huge))
        assert r.status == 413, (path, r.head)
        assert limit in json.loads(r.body)["detail"] and r.seconds < 10


def test_an_announced_oversize_body_is_refused_before_it_is_read(app_url: str) -> None:
    r = send(app_url, "POST /gradio_api/queue/join HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                      "Content-Length: 200000000")
    assert r.status == 413 and r.seconds < 5


def test_a_body_that_trickles_in_is_given_up_on(app_url: str) -> None:
    r = send(app_url, "POST /api/ask HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 100",
             [b'{"question": '], timeout=BODY_SECONDS + 20)
    assert r.status == 408 and r.seconds < BODY_SECONDS + 5
    assert httpx.get(f"{app_url}/healthz").status_code == 200


# --- the origin check -------------------------------------------------------------------------


def test_other_sites_cannot_post_to_the_chat(sites) -> None:
    url, foreign, allowed = sites.app.url, sites.foreign.url, sites.allowed.url
    for surface in SURFACES:
        page = GradioPage(url + surface, headers={"Origin": foreign})
        r = page.post("queue/join", {"data": ["q", [], []], "fn_index": page.fn("respond"), "session_hash": "s1"})
        assert is_refusal(r, 403)
        assert is_refusal(page.post("run/predict", {"data": [], "fn_index": page.fn("_cleared")}), 403)
        r = httpx.post(f"{url}{surface}/gradio_api/upload", files={"files": ("x", b"x")}, headers={"Origin": foreign})
        assert r.status_code in (403, 404)
        ok = GradioPage(url + surface, headers={"Origin": allowed}).post(
            "run/predict", {"data": [], "fn_index": page.fn("_cleared")})
        assert ok.status_code == 200
    same = GradioPage(url, headers={"Origin": url})
    assert same.post("run/predict", {"data": [], "fn_index": same.fn("_cleared")}).status_code == 200


# --- Gradio calls that do not fit ------------------------------------------------------------


@pytest.mark.parametrize("surface", SURFACES)
def test_calls_that_do_not_fit_an_event_are_4xx_and_stay_out_of_the_log(app_url: str, surface: str, capfd) -> None:
    page = GradioPage(app_url + surface)
    secret = "SECRET-QUESTION-7f3a"
    calls = [
        ("run/predict", {"data": [secret, []], "fn_index": 99}, 404),
        ("run/predict", {"data": [secret, []], "fn_index": page.fn("rate")}, 422),
        ("run/predict", {"data": [[]], "fn_index": page.fn("rate"), "event_data": secret}, 422),
        ("run/predict", {"data": [secret, [], []], "fn_index": page.fn("respond")}, 404),  # queued: not here
        ("run/predict", {"data": [], "fn_index": True}, 422),
        ("queue/join", {"data": [secret, [], []], "fn_index": 99, "session_hash": "s1"}, 404),
        ("queue/join", {"data": [secret, secret, []], "fn_index": page.fn("respond"), "session_hash": "s1"}, 422),
        ("queue/join", {"data": [secret, [], []], "fn_index": page.fn("respond")}, 422),
        ("queue/join", {"data": [secret], "fn_index": page.fn("respond"), "session_hash": "s1"}, 422),
        ("queue/join", {"data": secret, "fn_index": page.fn("respond"), "session_hash": "s1"}, 422),
        ("queue/join", {"data": [secret, [], []], "fn_index": page.fn("respond"), "session_hash": "../x"}, 422),
        ("queue/join", [secret], 422),
    ]
    for route, body, status in calls:
        r = page.post(route, body)
        assert is_refusal(r, status), (route, body, r.status_code, r.text[:200])
        assert secret not in r.text
    out, err = capfd.readouterr()
    assert secret not in out + err


# --- Unicode ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    '{"question": "is itp \\ud800"}',
    '{"question": "is itp contagious?", "history": [{"role": "user", "content": "what is itp \\udfff"}]}',
    '{"question": "\\udbff\\udbff is itp contagious\\u0000\\u001b[2J?"}',
    '{"question": "is itp contagious? \\ud83d\\ude00"}',
])
def test_lone_surrogates_and_control_characters_are_cleaned_at_the_edge(app_url: str, body: str) -> None:
    r = post_raw(f"{app_url}/api/ask", body)
    assert r.status_code == 200, r.text[:300]
    reply = r.json()
    assert reply["text"].endswith(DISCLAIMER) and reply["kind"] in ("answer", "decline", "abstain")
    assert "\x00" not in reply["question"] and "\x1b" not in reply["question"]
    with httpx.stream("POST", f"{app_url}/api/ask/stream", content=body.encode(),
                      headers={"content-type": "application/json"}, timeout=60) as stream:
        text = stream.read().decode()
    assert "event: error" not in text
    last = json.loads(text.strip().split("\n\n")[-1].split("data: ", 1)[1])
    assert last["text"].endswith(DISCLAIMER)


def test_a_422_that_echoes_the_input_can_be_encoded(app_url: str) -> None:
    r = post_raw(f"{app_url}/api/ask", '{"question": 5, "history": [{"role": "bad\\ud800", "content": "x\\ud800"}]}')
    assert r.status_code == 422 and r.json()["disclaimer"] == DISCLAIMER
    assert any(e["loc"][-1] == "role" for e in r.json()["detail"])


@pytest.mark.parametrize("surface", SURFACES)
def test_the_chat_cleans_what_it_is_sent(app_url: str, surface: str) -> None:
    page = GradioPage(app_url + surface)
    raw = json.dumps({"data": ["is itp \\ud800 contagious?", [], []], "fn_index": page.fn("respond"),
                      "session_hash": page.session}).replace("\\\\ud800", "\\ud800")
    r = httpx.post(f"{app_url}{surface}/gradio_api/queue/join", content=raw.encode(),
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 200, r.text
    done = page.wait(r.json()["event_id"])
    assert done.success
    _chat, turns, _ = done.data
    assert turns[0]["content"] == "is itp  contagious?" and turns[1]["text"].endswith(DISCLAIMER)


@pytest.mark.parametrize("body", ['{"question": NaN}',
                                  '{"question": "What is ITP?", "history": [{"role": "user", "content": -Infinity}]}'])
def test_json_that_only_python_reads_is_refused(app_url: str, body: str) -> None:
    # Python's parser takes NaN; the 422 that echoed it could not be encoded (a 500).
    assert is_refusal(post_raw(f"{app_url}/api/ask", body), 422)


def test_questions_are_asked_with_post(app_url: str) -> None:
    r = httpx.get(f"{app_url}/api/ask", timeout=30)
    assert is_refusal(r, 405) and r.headers["allow"] == "POST"
