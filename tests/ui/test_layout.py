"""The chat's layout as a frightened patient meets it, in real Chromium at a phone (390×844) and a
desktop (1280×800): what is on screen, measured with bounding boxes and elementFromPoint.

Each test saves a screenshot of the state it checks to test-output/screenshots/layout-*.png.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui.render import section_anchor

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test-output"
BOX = "#itp-question textarea"
DONE = ".itp-reply:not(.itp-streaming)"
SCROLLER = "#itp-chat .bubble-wrap"
URGENT = "my son just hit his head hard on the floor"  # a head injury: urgent under every rule
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}

# Where an element is, whether all of it is inside the conversation's view and the window, and
# whether anything covers it (elementFromPoint at the middle of each of its line boxes).
SHOWN = """(e) => {
  const scroller = e.closest('.bubble-wrap, .panel-wrap');
  const view = scroller ? scroller.getBoundingClientRect() : {top: 0, bottom: innerHeight};
  const rects = [...e.getClientRects()].filter(r => r.width && r.height);
  const inside = rects.length > 0 && rects.every(r => r.top >= Math.max(0, view.top) - 0.5 &&
    r.bottom <= Math.min(innerHeight, view.bottom) + 0.5 && r.left >= -0.5 && r.right <= innerWidth + 0.5);
  const clear = rects.every(r => {
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!hit && e.contains(hit);
  });
  const all = e.getBoundingClientRect();
  return {inside, clear, top: Math.round(all.top), bottom: Math.round(all.bottom)};
}"""
# How many pixels of an element the conversation's view shows.
VISIBLE = """(e) => {
  const view = e.closest('.bubble-wrap, .panel-wrap').getBoundingClientRect(), r = e.getBoundingClientRect();
  return Math.round(Math.max(0, Math.min(r.bottom, view.bottom, innerHeight) - Math.max(r.top, view.top, 0)));
}"""
# Everything that scrolls (or would, were its overflow not hidden).
SCROLLING = """() => ({
  page: document.documentElement.scrollHeight - innerHeight, scrollY: scrollY,
  boxes: [...document.querySelectorAll('body *')].filter(e => /(auto|scroll)/.test(getComputedStyle(e).overflowY)
    && e.scrollHeight > e.clientHeight + 1 && e.getClientRects().length).map(e => e.getAttribute('role') || e.tagName),
})"""
# The focused element's ring: outline style and width, and its contrast with what is behind it.
FOCUS_RING = """(e) => {
  const rgb = c => (c.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  let behind = [255, 255, 255];
  for (let p = e.parentElement || e.getRootNode().host; p; p = p.parentElement || (p.getRootNode().host)) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) { behind = c; break; }
  }
  const s = getComputedStyle(e), l = [lum(rgb(s.outlineColor)), lum(behind)].sort((a, b) => b - a);
  // Cut off by a box that hides its overflow (scrolling boxes aside: they scroll focus into view)?
  const out = parseFloat(s.outlineOffset) + parseFloat(s.outlineWidth) - 0.5, r = e.getBoundingClientRect();
  let clipped = null;
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (!/(hidden|clip)/.test(getComputedStyle(p).overflow)) continue;
    const c = p.getBoundingClientRect();
    if (r.left - out < c.left || r.top - out < c.top || r.right + out > c.right || r.bottom + out > c.bottom) {
      clipped = p.id || String(p.className).slice(0, 40); break;
    }
  }
  return {clipped, what: e.tagName + '#' + e.id + '[' + (e.getAttribute('aria-label') || '') + '].' + String(e.className) + ' ' + (e.getAttribute('href') || ''),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth), contrast: (l[0] + 0.05) / (l[1] + 0.05)};
}"""


@pytest.fixture(scope="module", autouse=True)
def _request_report(request_logs: list) -> Iterator[None]:
    """Every URL the browser tests requested (this module's too), and the non-loopback ones."""
    yield
    OUT.mkdir(exist_ok=True)
    urls = sorted({u for log in request_logs for u in log.urls})
    bad = sorted({u for log in request_logs for u in log.non_loopback()})
    (OUT / "request-log.json").write_text(json.dumps({"requests": len(urls), "non_loopback": bad,
                                                      "urls": urls}, indent=2))


def open_chat(make_page: Any, url: str, device: str, **options: Any) -> tuple[Any, Any]:
    width, height = VIEWPORTS[device]
    if device == "phone":
        options = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2, **options}
    page, log = make_page(width, height, **options)
    page.goto(url, wait_until="load")
    page.locator(BOX).wait_for(timeout=30_000)
    return page, log


def ask(target: Any, question: str, timeout: float = 30_000) -> Any:
    """Type a question, send it with Enter, wait for the whole reply; returns the reply."""
    before = target.locator(DONE).count()
    target.locator(BOX).fill(question)
    target.locator(BOX).press("Enter")
    target.locator(f"{DONE} >> nth={before}").wait_for(timeout=timeout)
    return target.locator(DONE).nth(before)


def wait_until(target: Any, script: str, timeout: float = 15.0) -> None:
    """Poll a JS expression until true (the page's CSP forbids the eval wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not target.evaluate(script):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {script}")
        time.sleep(0.1)


def in_window(page: Any, selector: str) -> dict:
    """The element's box, and whether it is all inside the window and uncovered at its middle."""
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not shown"
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    middle = page.locator(selector).first.evaluate(
        "(e) => { const r = e.getBoundingClientRect(); return e.contains(document.elementFromPoint("
        "r.left + r.width / 2, r.top + r.height / 2)); }")
    inside = box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] >= 0 and box["x"] + box["width"] <= width
    return {"top": round(box["y"]), "bottom": round(box["y"] + box["height"]), "inside": inside, "clear": middle}


def offline(log: Any) -> None:
    assert log.non_loopback() == [], f"requests left this machine: {log.non_loopback()}"
    assert not [e for e in log.errors if "Content Security Policy" in e], log.errors


# --- 1. one scroll container; header, banner and ask row always on screen --------------------


@pytest.mark.parametrize("device", VIEWPORTS)
def test_question_box_in_view_and_only_the_conversation_scrolls(make_page, app_url: str, screenshots: Path,
                                                              device: str) -> None:
    page, log = open_chat(make_page, f"{app_url}/", device)
    parts = ["#itp-header", "#itp-banner", BOX, "#itp-send"]
    for part in parts:
        where = in_window(page, part)
        assert where["inside"] and where["clear"], f"{part} is not fully on screen at load: {where}"
    page.screenshot(path=str(screenshots / f"layout-load-{device}.png"))
    ask(page, "Is ITP contagious?")
    ask(page, "Can children with ITP play sports?")
    page.mouse.move(20, 20)  # over the header: a wheel there would scroll the page, if it could
    page.mouse.wheel(0, 900)
    page.wait_for_timeout(300)
    scrolling = page.evaluate(SCROLLING)
    assert scrolling["page"] <= 0 and scrolling["scrollY"] == 0, f"the page itself scrolls: {scrolling}"
    assert scrolling["boxes"] == ["log"], f"more than one scroll container: {scrolling['boxes']}"
    for part in parts:
        assert in_window(page, part)["inside"], f"{part} scrolled away after two answers"
    if device == "phone":
        # Narrow and wide phones, and a screen cut short as the on-screen keyboard does it.
        for width, height in ((360, 640), (430, 932), (390, 480)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(300)
            for part in parts:
                where = in_window(page, part)
                assert where["inside"] and where["clear"], f"{part} not on screen at {width}x{height}: {where}"
            assert page.evaluate(SCROLLING)["page"] <= 0
        page.screenshot(path=str(screenshots / "layout-short-screen-phone.png"))
    offline(log)


# --- 2. a new question goes to the top; the reply grows in view ---------------------------------


@pytest.mark.parametrize("device", VIEWPORTS)
def test_follow_up_reply_is_in_view(make_page, app_url: str, screenshots: Path, device: str) -> None:
    page, log = open_chat(make_page, f"{app_url}/", device)
    ask(page, "Is ITP contagious?")
    reply = ask(page, "Can children with ITP play sports?")
    view = page.locator(SCROLLER).bounding_box()
    question = page.locator(".itp-user").last.bounding_box()
    assert view and question
    assert abs(question["y"] - view["y"]) <= 24, f"the new question is not at the top: {question['y']} vs {view['y']}"
    shown = reply.evaluate(VISIBLE)
    assert shown >= 200, f"only {shown}px of the new reply are visible"
    first = reply.locator("p").first.evaluate(SHOWN)
    assert first["inside"] and first["clear"], f"the reply's first line is not readable: {first}"
    page.screenshot(path=str(screenshots / f"layout-follow-up-{device}.png"))
    # Gradio's ↓ button (shown when there is more below) sits under the conversation, never on it.
    page.locator(SCROLLER).evaluate("e => e.scrollTo(0, 0)")
    down = page.locator("#itp-chat button[aria-label='Scroll down']")
    down.wait_for(timeout=5_000)
    button, view = down.bounding_box(), page.locator(SCROLLER).bounding_box()
    assert button and view
    assert button["y"] >= view["y"] + view["height"] - 0.5, f"the ↓ button covers the conversation: {button}, {view}"
    assert button["y"] + button["height"] <= page.viewport_size["height"]
    page.screenshot(path=str(screenshots / f"layout-scroll-button-{device}.png"))
    offline(log)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_urgent_follow_up_is_on_screen_at_once(make_page, app_url: str, screenshots: Path, device: str) -> None:
    page, log = open_chat(make_page, f"{app_url}/", device)
    ask(page, "Is ITP contagious?")
    reply = ask(page, URGENT)
    # Measured as the reply arrives, and again a moment later: no scrolling by the test or the user.
    for moment in ("arrived", "settled"):
        assert reply.evaluate("e => e.classList.contains('itp-kind-urgent')"), "the follow-up was not urgent"
        callout = reply.locator(".itp-urgent[role='alert']").evaluate(SHOWN)
        assert callout["inside"] and callout["clear"], f"urgent callout not fully on screen ({moment}): {callout}"
        number = reply.locator(".itp-urgent .itp-emergency-number").evaluate(SHOWN, timeout=5_000)
        assert number["inside"] and number["clear"], f"emergency number not on screen ({moment}): {number}"
        assert page.evaluate("scrollY") == 0
        if moment == "arrived":
            page.screenshot(path=str(screenshots / f"layout-urgent-{device}.png"))
            page.wait_for_timeout(700)
    offline(log)


# --- 3. the widget's first open focuses its question box --------------------------------------


@pytest.mark.parametrize("device", VIEWPORTS)
def test_widget_focuses_its_box_on_first_open(make_page, sites, screenshots: Path, device: str) -> None:
    width, height = VIEWPORTS[device]
    page, log = make_page(width, height)
    page.goto(sites.allowed.url + "/", wait_until="load")
    page.locator("#itpqa-widget button.launcher").click()
    page.frame_locator("#itpqa-widget iframe").locator(BOX).wait_for(timeout=30_000)
    frame = next(f for f in page.frames if "/embed/" in f.url)
    wait_until(frame, "document.activeElement !== null && document.activeElement.matches('#itp-question textarea')")
    page.keyboard.type("What is ITP?")
    assert frame.evaluate("document.querySelector('#itp-question textarea').value") == "What is ITP?"
    box = page.frame_locator("#itpqa-widget iframe").locator(BOX).bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= height
    ring = frame.evaluate(f"({FOCUS_RING})(document.activeElement)")
    assert ring["style"] != "none" and ring["contrast"] >= 3 and not ring["clipped"], f"no clear ring on the box: {ring}"
    page.screenshot(path=str(screenshots / f"layout-widget-first-open-{device}.png"))
    # The panel's close button (on the accent-coloured bar) shows a ring that stands out from the bar.
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.querySelector('#itpqa-widget').shadowRoot.activeElement?.className === 'close'"):
            break
    else:
        pytest.fail("Shift+Tab never reached the widget's close button")
    ring = page.evaluate(f"({FOCUS_RING})(document.querySelector('#itpqa-widget').shadowRoot.activeElement)")
    assert ring["style"] != "none" and ring["width"] >= 2 and ring["contrast"] >= 3 and not ring["clipped"], ring
    offline(log)


# --- 4. the rate limit is a notice in the conversation ------------------------------------------


@pytest.mark.parametrize("device", VIEWPORTS)
def test_rate_limit_is_a_friendly_notice(make_page, server_factory, screenshots: Path, device: str) -> None:
    server = server_factory(rate_limit=2)
    page, log = open_chat(make_page, f"{server.url}/", device)
    ask(page, "Is ITP contagious?")
    ask(page, "What is romiplostim?")
    page.locator(BOX).fill("Can I take ibuprofen for a headache?")
    page.locator(BOX).press("Enter")
    notice = page.locator("#itp-chat .itp-notice")
    notice.wait_for(timeout=10_000)
    text = notice.inner_text()
    m = re.search(r"You've asked a lot of questions in a minute; please wait (\d+) seconds", text)
    assert m and 1 <= int(m.group(1)) <= 60, text
    where = notice.evaluate(SHOWN)
    assert where["inside"] and where["clear"], f"the notice is not on screen: {where}"
    # The conversation and the typed question are kept, with no raw Gradio error pill or toast.
    assert page.locator(".itp-user").count() == 2 and page.locator(DONE).count() == 2
    assert page.locator(BOX).input_value() == "Can I take ibuprofen for a headache?"
    page.wait_for_timeout(500)
    errors = page.evaluate("""() => [...document.querySelectorAll(
        "[data-testid='status-tracker'] .error, .toast-body, .toast-wrap *")].filter(e => e.getClientRects().length)
        .map(e => e.className)""")
    assert errors == [], f"Gradio's own error display is showing: {errors}"
    assert page.locator(DONE).last.evaluate(VISIBLE) > 0, "the conversation went out of view"
    page.screenshot(path=str(screenshots / f"layout-rate-limit-{device}.png"))
    offline(log)


# --- 5. a clear focus ring on everything ------------------------------------------------------


@pytest.mark.parametrize("device", VIEWPORTS)
def test_focus_ring_everywhere(make_page, app_url: str, screenshots: Path, device: str) -> None:
    page, log = open_chat(make_page, f"{app_url}/", device)
    reply = ask(page, "Is ITP contagious?")
    reply.locator(".itp-source summary").first.click()  # its links become reachable too
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: dict[str, dict] = {}
    for _ in range(80):
        page.keyboard.press("Tab")
        ring = page.evaluate(f"({FOCUS_RING})(document.activeElement)")
        if ring["what"].startswith("BODY#"):
            continue
        if ring["what"].startswith("BUTTON#itp-send"):
            page.screenshot(path=str(screenshots / f"layout-focus-ask-{device}.png"))
        assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus ring on {ring}"
        assert ring["contrast"] >= 3, f"focus ring contrast under 3:1 on {ring}"
        assert ring["clipped"] is None, f"the focus ring is cut off: {ring}"
        seen.setdefault(ring["what"], ring)
    whats = " ".join(seen)
    for needed in ("#itp-restart", "#itp-send", "TEXTAREA#", "itp-cite", "SUMMARY#", "itp-copy", "[Like]", "[Dislike]",
                   "/sources"):
        assert needed in whats, f"Tab never reached {needed}: {sorted(seen)}"
    offline(log)


# --- 6. the citation opens the cited section ----------------------------------------------------


@pytest.mark.parametrize("device", VIEWPORTS)
def test_citation_opens_the_cited_section(make_page, app_url: str, screenshots: Path, device: str) -> None:
    page, log = open_chat(make_page, f"{app_url}/", device)
    reply = ask(page, "Can children with ITP play sports?")
    source = reply.locator(".itp-source").first
    source.locator("summary").click()
    section = source.locator(".itp-src-section").inner_text().strip()
    link = source.locator(".itp-src-meta a", has_text="Read the whole page")
    href = link.get_attribute("href") or ""
    assert href.endswith(f"#{section_anchor(section)}") and href.startswith("/sources/"), (href, section)
    with page.context.expect_page() as opened:
        link.click()
    doc = opened.value
    doc.wait_for_load_state("load")
    target = doc.locator(":target")
    assert target.count() == 1, "the page has no element for the link's #anchor"
    heading = section.split(" › ")[-1]
    assert target.evaluate("e => /^H[2-6]$/.test(e.tagName)") and target.inner_text().strip() == heading
    box = target.bounding_box()
    height = doc.viewport_size["height"] if doc.viewport_size else VIEWPORTS[device][1]
    assert box and 0 <= box["y"] <= height / 2, f"the cited section is not at the top of the screen: {box}"
    doc.screenshot(path=str(screenshots / f"layout-source-section-{device}.png"))
    offline(log)


# --- 7. ratings are acknowledged; finger-sized targets ----------------------------------------


@pytest.mark.parametrize("device", VIEWPORTS)
def test_rating_is_acknowledged_and_targets_are_44px(make_page, app_url: str, screenshots: Path,
                                                     device: str) -> None:
    page, log = open_chat(make_page, f"{app_url}/", device)
    small = [b for b in page.locator("#itp-chat button.example").all() if (b.bounding_box() or {}).get("height", 0) < 44]
    assert not small, "example questions under 44 px"
    reply = ask(page, "What platelet count is dangerous?")
    targets = ["#itp-send", "#itp-restart", "#itp-chat .message-buttons button", "#itp-chat button.itp-copy",
               "#itp-chat .itp-source summary"]
    for selector in targets:
        for el in page.locator(selector).all():
            b = el.bounding_box()
            assert b and b["width"] >= 44 and b["height"] >= 44, f"{selector} is {b} (under 44x44 px)"
    page.locator("#itp-chat button[aria-label='Like']").last.click()
    thanks = page.locator("#itp-chat .itp-thanks").last
    thanks.wait_for(timeout=5_000)
    assert thanks.inner_text().strip() == "Thanks — this helps us improve the answers."
    assert thanks.get_attribute("role") == "status"
    where = thanks.evaluate(SHOWN)
    assert where["inside"], f"the thanks is not on screen: {where}"
    assert reply.is_visible()
    page.screenshot(path=str(screenshots / f"layout-thanks-{device}.png"))
    offline(log)
