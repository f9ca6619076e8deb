"""The corpus as readable pages: `/sources` lists the documents, `/sources/<doc_id>` shows one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from qa.corpus.loaders import LoadError, load_markdown, split_front_matter
from qa.disclaimer import DISCLAIMER
from qa.types import Document
from ui.pages import render_page
from ui.render import readable_date, section_anchor

_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,120}$")
_MD_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True)
class SourcePage:
    """One corpus document: its metadata and its body as HTML."""

    doc: Document
    body_html: str


class SourceLibrary:
    """The Markdown documents of the corpus folder, by doc_id (read once, lazily).

    >>> lib = SourceLibrary(Path("corpus"))          # doctest: +SKIP
    >>> lib.url("what-is-itp")                      # doctest: +SKIP
    '/sources/what-is-itp'
    """

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = Path(corpus_dir)
        # Raw HTML in a document stays text; markdown-it refuses javascript:/data: links itself.
        self._md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
        self._md.core.ruler.push("heading_anchors", _heading_anchors)

    @cached_property
    def _paths(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        if not self.corpus_dir.is_dir():
            return found
        for path in sorted(self.corpus_dir.rglob("*")):
            if path.suffix.lower() in _MD_SUFFIXES and path.is_file():
                try:
                    doc = load_markdown(path, path.read_text("utf-8"), path.relative_to(self.corpus_dir).as_posix())
                except (LoadError, OSError, UnicodeDecodeError):
                    continue
                found.setdefault(doc.doc_id, path)
        return found

    def url(self, doc_id: str) -> str:
        """The page of a document, or "" when the corpus folder has no such document."""
        return f"/sources/{doc_id}" if doc_id in self._paths else ""

    def page(self, doc_id: str) -> SourcePage | None:
        """The document with its body rendered, or None."""
        path = self._paths.get(doc_id) if _DOC_ID.match(doc_id or "") else None
        if path is None:
            return None
        text = path.read_text("utf-8")
        doc = load_markdown(path, text, path.relative_to(self.corpus_dir).as_posix())
        _, body = split_front_matter(path, text)
        body = re.sub(r"\A\s*#\s+[^\n]*\n", "", body)  # the title is shown by the page itself
        return SourcePage(doc, self._md.render(body))

    def documents(self) -> list[Document]:
        """All documents, by title."""
        docs = [p.doc for p in (self.page(i) for i in self._paths) if p is not None]
        return sorted(docs, key=lambda d: d.title.lower())


def reviewed_line(doc: Document) -> str:
    """What follows "Last reviewed": "1 December 2026 (project medical review, 2026-12)"."""
    date = readable_date(doc.last_reviewed)
    if not doc.reviewed_by:
        return date
    return f"{date} ({doc.reviewed_by})" if date else f"by {doc.reviewed_by}"


def _heading_anchors(state: StateCore) -> None:
    """Give each heading the id that citations link to (`section_anchor` of its text); a repeated
    heading gets `-2`, `-3`, … so ids stay unique."""
    seen: dict[str, int] = {}
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or i + 1 >= len(tokens):
            continue
        anchor = section_anchor(tokens[i + 1].content) or "section"
        seen[anchor] = seen.get(anchor, 0) + 1
        token.attrSet("id", anchor if seen[anchor] == 1 else f"{anchor}-{seen[anchor]}")


def sources_router(library: SourceLibrary) -> APIRouter:
    """Routes for the source pages (HTML, not part of the JSON API)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/sources", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse(render_page("sources.html", title="Where the answers come from",
                                        docs=library.documents(), disclaimer=DISCLAIMER))

    @router.get("/sources/{doc_id}", response_class=HTMLResponse)
    def source(doc_id: str) -> HTMLResponse:
        page = library.page(doc_id)
        if page is None:
            raise HTTPException(404, "There is no source page with that name.")
        return HTMLResponse(render_page(
            "source.html", title=page.doc.title, doc=page.doc, body=page.body_html,
            reviewed=reviewed_line(page.doc), disclaimer=DISCLAIMER,
        ))

    return router
