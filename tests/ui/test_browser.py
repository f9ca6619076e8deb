"""The chat, the widget and the source pages in real Chromium, over the real app and index.

Every request each page makes is recorded: none may leave the loopback interface.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa.assistant import StreamEvent
from qa.disclaimer import DISCLAIMER
from qa.types import Citation, Reply, SourceRef

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test-output"
BOX = "#itp-question textarea"
DONE = ".itp-reply:not(.itp-streaming)"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Records whether a reply was ever seen half-written (streaming) on the page.
WATCH_STREAMING = """
new MutationObserver(() => {
  if (document.querySelector('.itp-streaming')) window.__sawStreaming = true;
}).observe(document, {subtree: true, childList: true});
"""


def open_chat(page: Any, url: str) -> None:
    page.add_init_script(WATCH_STREAMING)
    page.goto(url, wait_until="load")
    page.locator(BOX).wait_for(timeout=30_000)


def ask(target: Any, question: str, timeout: float = 30_000) -> Any:
    """Type a question into the chat (a page or frame), send it, wait for the whole reply."""
    before = target.locator(DONE).count()
    target.locator(BOX).fill(question)
    target.locator(BOX).press("Enter")
    target.locator(f"{DONE} >> nth={before}").wait_for(timeout=timeout)
    return target.locator(DONE).nth(before)


def wait_until(target: Any, script: str, timeout: float = 15.0) -> None:
    """Poll a JS expression until true (the page's CSP forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not target.evaluate(script):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {script}")
        time.sleep(0.1)


# True when nothing covers the middle of the element (it is what the user sees there).
UNCOVERED = """e => {
  const r = e.getBoundingClientRect();
  return e.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
}"""


def assert_disclaimer_in_bubble(bubble: Any, viewport_width: int) -> None:
    """One assistant reply bubble carries the whole disclaimer, legibly, inside its own borders."""
    disclaimer = bubble.locator(".itp-disclaimer")
    assert disclaimer.count() == 1
    disclaimer.evaluate("e => e.scrollIntoView({block: 'center'})")  # no wait: hidden must fail
    assert disclaimer.is_visible() and disclaimer.inner_text() == DISCLAIMER
    d, b = disclaimer.bounding_box(), bubble.bounding_box()
    assert d and b and d["height"] > 0
    assert b["x"] <= d["x"] and d["x"] + d["width"] <= b["x"] + b["width"], (d, b)
    assert b["y"] <= d["y"] and d["y"] + d["height"] <= b["y"] + b["height"], (d, b)
    # The bubble fits the screen (so its disclaimer does), read without scrolling sideways.
    assert b["x"] >= 0 and b["x"] + b["width"] <= viewport_width, f"the bubble is cut off: {b}"
    assert disclaimer.evaluate(UNCOVERED), "something covers the disclaimer"


def offline(log: Any) -> None:
    assert log.urls, "no request recorded"
    assert log.non_loopback() == [], f"requests left this machine: {log.non_loopback()}"
    assert not [e for e in log.errors if "Content Security Policy" in e], log.errors


@pytest.fixture(scope="module", autouse=True)
def _request_report(request_logs: list) -> Iterator[None]:
    """Writes every URL requested by the browser tests, and the non-loopback ones, to test-output/."""
    yield
    OUT.mkdir(exist_ok=True)
    urls = sorted({u for log in request_logs for u in log.urls})
    bad = sorted({u for log in request_logs for u in log.non_loopback()})
    (OUT / "request-log.json").write_text(json.dumps({"requests": len(urls), "non_loopback": bad,
                                                      "urls": urls}, indent=2))


def run_axe(page: Any, source: str, name: str) -> list[dict]:
    """axe-core on the page; results saved to test-output/axe/<name>.json; returns serious+critical."""
    page.evaluate(source)
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG)
    (OUT / "axe").mkdir(parents=True, exist_ok=True)
    summary = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
    (OUT / "axe" / f"{name}.json").write_text(json.dumps(
        {"url": page.url, "violations": summary, "passes": len(result["passes"])}, indent=2))
    return [v for v in summary if v["impact"] in ("serious", "critical")]


# --- the chat page --------------------------------------------------------------------------


def test_chat_streams_a_cited_answer(make_page, app_url: str, screenshots: Path) -> None:
    page, log = make_page(1280, 900)
    open_chat(page, f"{app_url}/")
    page.screenshot(path=str(screenshots / "chat-welcome-desktop.png"))
    reply = ask(page, "Is ITP contagious?")
    assert page.evaluate("window.__sawStreaming === true"), "the reply never showed while streaming"
    assert reply.locator("a.itp-cite").count() >= 1
    assert "ITP" in reply.locator(".itp-source .itp-src-title").first.inner_text()
    assert reply.locator(".itp-disclaimer").inner_text() == DISCLAIMER
    assert page.locator("#itp-banner").inner_text().strip().endswith(DISCLAIMER)
    # The marker opens its source: the quoted passage, the document's references, the review date.
    reply.locator("a.itp-cite").first.click()
    source = reply.locator(".itp-source").first
    assert source.get_attribute("open") is not None
    assert source.locator(".itp-quote").inner_text().strip()
    assert source.locator(".itp-refs a[href^='https://']").count() >= 1
    assert "Last reviewed" in source.locator(".itp-src-meta").inner_text()
    page.screenshot(path=str(screenshots / "chat-desktop.png"))
    offline(log)


def test_source_link_opens_a_readable_page(make_page, app_url: str) -> None:
    page, log = make_page()
    open_chat(page, f"{app_url}/")
    reply = ask(page, "What is romiplostim?")
    href = reply.locator(".itp-src-meta a").first.get_attribute("href")
    assert href and href.startswith("/sources/")
    page.goto(f"{app_url}{href}", wait_until="load")
    assert page.locator("h1").inner_text().strip()
    assert page.locator(".refs a").count() >= 1
    offline(log)


def test_emergency_shows_the_urgent_callout(make_page, app_url: str, screenshots: Path) -> None:
    page, log = make_page(1280, 900)
    open_chat(page, f"{app_url}/")
    reply = ask(page, "My son hit his head and now has a bad headache and keeps vomiting")
    callout = reply.locator(".itp-urgent[role='alert']")
    assert callout.is_visible()
    assert "emergency" in callout.inner_text().lower()
    first_text = reply.evaluate("r => r.firstElementChild.className")
    assert first_text == "itp-urgent", "the urgent action must come first"
    assert callout.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(220, 38, 38)"
    page.screenshot(path=str(screenshots / "chat-urgent-desktop.png"))
    offline(log)


def test_phone_width(make_page, app_url: str, screenshots: Path) -> None:
    page, log = make_page(360, 740, is_mobile=True, has_touch=True, device_scale_factor=2)
    open_chat(page, f"{app_url}/")
    page.screenshot(path=str(screenshots / "chat-welcome-phone.png"))
    ask(page, "best stocks to buy?")  # a decline: no sources above its disclaimer
    ask(page, "Can I take ibuprofen for a headache?")  # last, so chat-phone.png shows an answer
    bubbles = page.locator("#itp-chat .message.bot").filter(has=page.locator(DONE))
    assert bubbles.count() == 2
    for i in range(2):
        assert_disclaimer_in_bubble(bubbles.nth(i), 360)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide at a 360px viewport"
    box = page.locator(BOX).bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.screenshot(path=str(screenshots / "chat-phone.png"))
    offline(log)


def test_keyboard_only(make_page, app_url: str) -> None:
    page, log = make_page()
    open_chat(page, f"{app_url}/")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.matches('#itp-question textarea')"):
            break
    else:
        pytest.fail("Tab never reached the question box")
    page.keyboard.type("Is ITP contagious?")
    page.keyboard.press("Enter")
    page.locator(DONE).first.wait_for(timeout=30_000)
    for _ in range(40):  # back into the reply until a source is focused; Enter opens it
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement?.matches('.itp-source summary')"):
            break
    else:
        pytest.fail("Shift+Tab never reached a source")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.parentElement.open") is True
    offline(log)


def test_copy_retry_and_start_over(make_page, app_url: str) -> None:
    page, log = make_page(permissions=["clipboard-read", "clipboard-write"])
    open_chat(page, f"{app_url}/")
    reply = ask(page, "Is ITP contagious?")
    reply.locator("button.itp-copy").click()
    wait_until(page, "document.querySelector('button.itp-copy').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("ITP") and "\nSources:\n[1] " in copied and copied.endswith(DISCLAIMER)
    page.locator("#itp-chat button[aria-label='Retry']").click()
    wait_until(page, "document.querySelectorAll('.itp-user').length === 1 && "
                     "document.querySelectorAll('.itp-reply:not(.itp-streaming)').length === 1")
    page.locator("#itp-restart").click()
    wait_until(page, "document.querySelectorAll('.itp-user').length === 0")
    assert page.locator("#itp-chat button.example").count() >= 3  # the examples are back
    page.locator("#itp-chat button.example").first.click()
    page.locator(DONE).first.wait_for(timeout=30_000)
    offline(log)


def test_thumbs_are_stored_without_personal_data(make_page, sites) -> None:
    page, log = make_page()
    open_chat(page, f"{sites.app.url}/")
    ask(page, "What platelet count is dangerous?")
    page.locator("#itp-chat button[aria-label='Dislike']").last.click()
    store = sites.app.app.state.feedback
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = [r for r in store.rows() if r.question == "What platelet count is dangerous?"]
        if rows:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the rating was not stored")
    assert rows[-1].rating == "down" and rows[-1].reply.endswith(DISCLAIMER)
    assert rows[-1].sources and rows[-1].surface == "chat"
    assert "127.0.0.1" not in json.dumps(rows[-1].__dict__)
    offline(log)


# --- hostile text -----------------------------------------------------------------------------

PAYLOAD = ('<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> '
           '[click me](javascript:window.__xss=3) <a href="javascript:window.__xss=4">link</a> **bold**')


class EchoEngine:
    """The real engine never repeats what it is told; this one puts the user's text into every
    field of its reply (body, source title, passage, a javascript: reference), to test rendering."""

    def __init__(self, real: Any) -> None:
        self.settings, self.reader = real.settings, real.reader

    def _reply(self, question: str) -> Reply:
        answer = f"You asked: {question} [1]"
        cite = Citation(n=1, title=question, source="x.md", url="javascript:window.__xss=5",
                        section=question, text=question, last_reviewed=question, doc_id="what-is-itp",
                        references=(SourceRef(title=question, url="javascript:window.__xss=6"),))
        return Reply(text=f"{answer}\n\nSources:\n[1] {question}\n\n{DISCLAIMER}", kind="answer",
                     citations=[cite], answer=answer, question=question)

    def stream(self, question: str, history: Any = None) -> Iterator[StreamEvent]:
        reply = self._reply(question)
        yield StreamEvent(reply.text[:20])
        yield StreamEvent(reply.text[20:], reply)

    def ask(self, question: str, history: Any = None) -> Reply:
        return self._reply(question)


def test_hostile_text_renders_as_text(make_page, server_factory, assistant, screenshots: Path) -> None:
    server = server_factory(engine=EchoEngine(assistant))
    page, log = make_page()
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    open_chat(page, f"{server.url}/")
    reply = ask(page, PAYLOAD)
    reply.locator("a.itp-cite").first.click()
    page.wait_for_timeout(300)
    chat = page.locator("#itp-chat")
    assert page.evaluate("window.__xss") is None
    assert chat.locator("script").count() == 0
    assert chat.locator("img").count() == 0
    assert chat.locator("a[href^='javascript']").count() == 0
    assert chat.locator("strong, b").count() == 0  # markdown is not interpreted either
    assert PAYLOAD in page.locator(".itp-user").inner_text()
    assert PAYLOAD in reply.inner_text()
    for link in chat.locator("a").all():  # every link is ours and harmless to follow
        href = link.get_attribute("href") or ""
        assert href.startswith(("#", "/sources/", "https://")), href
    page.screenshot(path=str(screenshots / "chat-hostile-text.png"))
    assert page.evaluate("window.__xss") is None
    offline(log)


# --- the widget on other sites ----------------------------------------------------------------


def test_widget_on_an_allowed_site(make_page, sites, screenshots: Path) -> None:
    for width, height, name in ((1280, 860, "widget-desktop"), (360, 740, "widget-phone")):
        page, log = make_page(width, height)
        page.goto(sites.allowed.url + "/", wait_until="load")
        launcher = page.locator("#itpqa-widget button.launcher")
        launcher.wait_for(timeout=15_000)
        assert launcher.get_attribute("aria-expanded") == "false"
        launcher.click()
        frame = page.frame_locator("#itpqa-widget iframe")
        frame.locator(BOX).wait_for(timeout=30_000)
        frame.get_by_text("Hello! Ask me anything about ITP.").wait_for(timeout=15_000)
        reply = ask(frame, "What is ITP?")
        assert reply.locator("a.itp-cite").count() >= 1
        assert reply.locator(".itp-disclaimer").inner_text() == DISCLAIMER
        page.screenshot(path=str(screenshots / f"{name}.png"))
        # Escape inside the chat closes it, and focus returns to the button.
        frame.locator(BOX).press("Escape")
        wait_until(page, "document.querySelector('#itpqa-widget').shadowRoot"
                         ".querySelector('.panel').hidden === true")
        assert launcher.get_attribute("aria-expanded") == "false"
        offline(log)


def test_widget_refused_on_a_foreign_site(make_page, sites) -> None:
    page, log = make_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(sites.foreign.url + "/", wait_until="load")
    wait_until(page, "window.ITPQAWidget !== undefined")
    page.wait_for_timeout(1500)
    assert page.locator("#itpqa-widget").count() == 0, "no chat button on a site that is not allowed"
    assert any("ITPQA_EMBED_ORIGINS" in w for w in warnings)
    # Framing the chat by hand is refused by the browser (Content-Security-Policy: frame-ancestors).
    page.evaluate("""(src) => { const f = document.createElement('iframe'); f.id = 'forced';
        f.src = src; document.body.appendChild(f); }""", f"{sites.app.url}/embed/")
    page.wait_for_timeout(3000)
    forced = next(f for f in page.frames if f.parent_frame is not None)
    assert not forced.url.startswith(sites.app.url), forced.url
    assert page.frame_locator("#forced").locator(BOX).count() == 0
    assert log.non_loopback() == []


# --- accessibility ----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["chat", "embed", "source"])
def test_axe_finds_no_serious_problems(make_page, app_url: str, axe_source: str, where: str) -> None:
    page, log = make_page()
    if where == "source":
        page.goto(f"{app_url}/sources/what-is-itp", wait_until="load")
    else:
        open_chat(page, f"{app_url}/" if where == "chat" else f"{app_url}/embed/?greeting=Hello")
        ask(page, "Is ITP contagious?").locator("a.itp-cite").first.click()
        ask(page, "I have blood in my urine and a terrible headache")
    serious = run_axe(page, axe_source, where)
    assert serious == [], json.dumps(serious, indent=2)
    offline(log)
