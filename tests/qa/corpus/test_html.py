"""A saved web page becomes its article: page furniture goes, the text stays in reading order."""

from __future__ import annotations

from qa.corpus.html import html_to_blocks

PAGE = """<html><head><title>Fallback title</title>
<meta property="og:title" content="Living with ITP">
<link rel="canonical" href="https://example.org/itp">
<meta property="article:modified_time" content="2025-03-04T10:00:00Z">
<script>track()</script><style>p{}</style></head>
<body>
<nav><a href="/">Home</a><a href="/about">About</a></nav>
<div class="cookie-banner"><p>We use cookies.</p></div>
<main>
  <h1>Living with ITP</h1>
  <p>Most people with ITP lead full lives .</p>
  <ul class="share"><li><a href="#">Share on Facebook</a></li></ul>
  <h2>Bruising</h2>
  <p>Bruises can appear   without a clear knock.</p>
  <ul><li>Tiny red dots on the legs.</li><li>Bleeding gums.</li></ul>
  <div><a href="/a">Related one</a> <a href="/b">Related two</a> <a href="/c">Related three</a></div>
  <p>Skip to content</p>
  <p hidden>Hidden note.</p>
</main>
<aside><p>Popular posts</p></aside>
<footer><p>Copyright 2025</p></footer>
</body></html>"""


def test_the_article_is_kept_and_the_furniture_goes() -> None:
    meta, blocks = html_to_blocks(PAGE)
    assert blocks == [
        ("h1", "Living with ITP"),
        ("p", "Most people with ITP lead full lives."),
        ("h2", "Bruising"),
        ("p", "Bruises can appear without a clear knock."),
        ("li", "Tiny red dots on the legs."),
        ("li", "Bleeding gums."),
    ]
    assert meta == {"title": "Living with ITP", "url": "https://example.org/itp", "modified": "2025-03-04"}


def test_without_a_main_element_the_body_is_read_and_the_first_heading_names_the_page() -> None:
    meta, blocks = html_to_blocks("<html><body><h1>Platelets</h1><p>They help blood clot.</p></body></html>")
    assert blocks == [("h1", "Platelets"), ("p", "They help blood clot.")]
    assert meta["title"] == "Platelets" and meta["url"] == "" and meta["modified"] == ""


def test_hostile_or_broken_markup_yields_text_only() -> None:
    _, blocks = html_to_blocks("<p onclick='x()'>Safe <b>text<p><img src=x onerror=alert(1)>"
                               "<script>alert(1)</script><iframe src='evil'></iframe>")
    assert all("alert" not in text and "<" not in text for _, text in blocks)
    assert ("p", "Safe text") in blocks
    assert html_to_blocks("")[1] == []
