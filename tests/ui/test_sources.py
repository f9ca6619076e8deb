"""Source pages: every corpus document readable at /sources/<doc_id>, Markdown rendered safely."""

from __future__ import annotations

import httpx

from ui.sources import SourceLibrary

DOC = """---
title: "A <b>test</b> page"
last_reviewed: 2026-01-02
sources:
  - title: "Good ref"
    url: "https://doi.org/10.1/x"
  - title: "Bad ref"
    url: "javascript:alert(1)"
---
# A test page

## Section
Text with <script>alert(1)</script> and [a link](javascript:alert(2)) and [ok](https://example.org).
"""


def test_markdown_is_rendered_safely(tmp_path) -> None:
    (tmp_path / "test-page.md").write_text(DOC)
    lib = SourceLibrary(tmp_path)
    assert lib.url("test-page") == "/sources/test-page" and lib.url("nope") == ""
    page = lib.page("test-page")
    assert page is not None
    assert "<script>" not in page.body_html and "&lt;script&gt;" in page.body_html
    assert 'href="javascript' not in page.body_html and 'href="https://example.org"' in page.body_html
    assert lib.page("../etc/passwd") is None


def test_source_pages_over_http(app_url: str) -> None:
    r = httpx.get(f"{app_url}/sources/what-is-itp")
    assert r.status_code == 200 and "What is ITP?" in r.text and "Last reviewed" in r.text
    assert "https://doi.org/" in r.text
    index = httpx.get(f"{app_url}/sources")
    assert index.status_code == 200 and index.text.count('href="/sources/') >= 50
    missing = httpx.get(f"{app_url}/sources/no-such-doc", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no source page" in missing.text.lower()
    assert httpx.get(f"{app_url}/sources/no-such-doc").json()["detail"]


def test_source_page_escapes_references(tmp_path) -> None:
    from qa.disclaimer import DISCLAIMER
    from ui.pages import render_page
    from ui.render import readable_date

    (tmp_path / "test-page.md").write_text(DOC)
    page = SourceLibrary(tmp_path).page("test-page")
    assert page is not None
    html = render_page("source.html", title=page.doc.title, doc=page.doc, body=page.body_html,
                       reviewed=readable_date(page.doc.last_reviewed), disclaimer=DISCLAIMER)
    assert "A &lt;b&gt;test&lt;/b&gt; page" in html
    assert 'href="javascript' not in html and "Bad ref" in html


def test_source_page_shows_who_reviewed_it(tmp_path) -> None:
    from qa.disclaimer import DISCLAIMER
    from ui.pages import render_page
    from ui.sources import reviewed_line

    (tmp_path / "test-page.md").write_text(DOC.replace(
        "last_reviewed: 2026-01-02\n", 'last_reviewed: 2026-01-02\nreviewed_by: "project medical review, 2026-01"\n'))
    page = SourceLibrary(tmp_path).page("test-page")
    assert page is not None and page.doc.reviewed_by == "project medical review, 2026-01"
    html = render_page("source.html", title=page.doc.title, doc=page.doc, body=page.body_html,
                       reviewed=reviewed_line(page.doc), disclaimer=DISCLAIMER)
    assert "Last reviewed 2 January 2026 (project medical review, 2026-01)" in html
    from qa.types import Document

    assert reviewed_line(Document(doc_id="x", title="x", source="x.md", sections=(), reviewed_by="a panel")) == (
        "by a panel")
