"""Replies as HTML: text is always escaped, only our own markup and safe links get through."""

from __future__ import annotations

from qa.disclaimer import DISCLAIMER
from qa.types import Citation, Reply, SourceRef
from ui.render import readable_date, reply_html, safe_url, streaming_html, user_html

PAYLOAD = '<script>alert(1)</script><img src=x onerror="alert(2)"> [click](javascript:alert(3))'


def citation(n: int = 1, **kw) -> Citation:
    base = dict(n=n, title="What is ITP?", source="what-is-itp.md", url="", section="Is ITP contagious?",
                text="ITP is not contagious.", last_reviewed="2026-11-21", doc_id="what-is-itp",
                references=(SourceRef(title="ASH 2019 guideline", doi="10.1182/bloodadvances.2019000966"),))
    base.update(kw)
    return Citation(**base)


def reply(answer: str, kind: str = "answer", citations: list[Citation] | None = None) -> Reply:
    cites = [citation()] if citations is None else citations
    return Reply(text=f"{answer}\n\nSources:\n[1] x\n\n{DISCLAIMER}", kind=kind, citations=cites, answer=answer)


def test_user_text_is_escaped() -> None:
    html = user_html(PAYLOAD)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "[click](javascript:alert(3))" in html


def test_reply_escapes_every_field() -> None:
    hostile = citation(title=PAYLOAD, section=PAYLOAD, text=PAYLOAD, last_reviewed=PAYLOAD,
                       references=(SourceRef(title=PAYLOAD, url="javascript:alert(4)", citation=PAYLOAD),))
    html = reply_html(reply(f"{PAYLOAD} [1]", citations=[hostile]), "r1", lambda _id: "", DISCLAIMER)
    assert "<script" not in html and "<img" not in html
    assert "javascript:" not in html.replace("[click](javascript:alert(3))", "")
    assert 'href="javascript' not in html


def test_markers_link_to_their_sources() -> None:
    html = reply_html(reply("ITP is not contagious. [1] Unknown [7]"), "abc", lambda i: f"/sources/{i}")
    assert 'href="#abc-s1"' in html and 'id="abc-s1"' in html
    assert "[7]" in html and "#abc-s7" not in html  # no source 7: plain text
    assert 'href="/sources/what-is-itp#is-itp-contagious"' in html  # the page, open at the cited section
    assert 'href="https://doi.org/10.1182/bloodadvances.2019000966"' in html
    assert "Last reviewed 21 November 2026" in html


def test_urgent_reply_leads_with_the_callout() -> None:
    html = reply_html(reply("Call your emergency number now.\n\nWhile you get help: x. [1]", "urgent"), "u")
    assert html.index('class="itp-urgent" role="alert"') < html.index("While you get help")
    assert "Call your emergency number now." in html.split("</div>")[0]


def test_reply_keeps_plain_text_for_copy_and_disclaimer() -> None:
    r = reply("ITP is not contagious. [1]")
    html = reply_html(r, "r", disclaimer=DISCLAIMER)
    assert '<pre class="itp-plain" hidden>' in html and DISCLAIMER in html


def test_streaming_shows_body_only() -> None:
    html = streaming_html("One. [1]\n\nSources:\n[1] Title")
    assert "Sources" not in html and "One. [1]" in html


def test_safe_url() -> None:
    assert safe_url("https://doi.org/x") == "https://doi.org/x"
    assert safe_url("/sources/a") == "/sources/a"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example/x", "vbscript:x", 'https://a" onx="'):
        assert safe_url(bad) == ""


def test_readable_date() -> None:
    assert readable_date("2026-01-05") == "5 January 2026"
    assert readable_date("soon") == "soon"
