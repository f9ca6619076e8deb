"""Replies and questions as safe HTML: every piece of text is escaped, markup is only our own."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from html import escape

from qa.answer.templates import URGENT_LEAD
from qa.types import Citation, Reply, SourceRef

_MARKER = re.compile(r"\[(\d{1,3})\]")
_SAFE_URL = re.compile(r"^(https?://|/)[^\s\"'<>`]*$", re.I)
# The number to call, in the engine's urgent lead ("… Call {number} or go to …"), found by the
# words around it, so it can stand out whatever ITPQA_EMERGENCY_NUMBER says.
_BEFORE, _, _AFTER = URGENT_LEAD.partition("{number}")
_NUMBER = (re.compile(re.escape(escape(_BEFORE.split(". ")[-1])) + "(.+?)" + re.escape(escape(_AFTER.split(". ")[0])))
           if _AFTER else None)

PageLink = Callable[[str], str]  # doc_id -> URL of its readable page ("" when there is none)


def _text(value: str) -> str:
    """Escaped text with line breaks kept."""
    return escape(value, quote=True).replace("\n", "<br>")


def safe_url(value: str) -> str:
    """The URL if it is http(s) or site-relative, else "" (no javascript:, data: and the like)."""
    value = (value or "").strip()
    return value if _SAFE_URL.match(value) and not value.startswith("//") else ""


def _url(value: str) -> str:
    return escape(safe_url(value), quote=True)


def readable_date(iso: str) -> str:
    """`2026-11-21` -> `21 November 2026` (unchanged when it is not an ISO date)."""
    try:
        d = dt.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    return f"{d.day} {d:%B %Y}"


def section_anchor(section: str) -> str:
    """The id of a section's heading on its source page: the last heading of a heading path
    (`Treatment › Steroids` -> `steroids`), lower case, words joined by hyphens."""
    heading = (section or "").split(" › ")[-1]
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")[:80]


def user_html(question: str) -> str:
    """A user's message exactly as typed, shown as text."""
    return f'<p class="itp-user">{_text(question)}</p>'


def _paragraph(text: str, rid: str, numbers: set[int]) -> str:
    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in numbers:
            return m.group(0)
        return (f'<a class="itp-cite" href="#{rid}-s{n}" data-n="{n}" '
                f'aria-label="Source {n}">[{n}]</a>')

    return f"<p>{_MARKER.sub(link, _text(text))}</p>"


def _reference(ref: SourceRef) -> str:
    label = _text(ref.title or ref.citation or ref.link)
    href = _url(ref.link)
    item = f'<a href="{href}" rel="noopener noreferrer" target="_blank">{label}</a>' if href else label
    details = ", ".join(_text(x) for x in (ref.citation, ref.year) if x and x != ref.title)
    if details:
        item += f' <span class="itp-muted">({details})</span>'
    return f"<li>{item}</li>"


def _source(c: Citation, rid: str, page: PageLink) -> str:
    section = f'<span class="itp-src-section">{_text(c.section)}</span>' if c.section else ""
    parts = [
        f'<details class="itp-source" id="{rid}-s{c.n}">',
        f'<summary><span class="itp-n" aria-hidden="true">{c.n}</span>'
        f'<span class="itp-src-head"><span class="itp-src-title">{_text(c.title)}</span>{section}</span>'
        "</summary>",
        '<div class="itp-src-body">',
        f'<blockquote class="itp-quote">{_text(c.text)}</blockquote>',
    ]
    meta = []
    if c.last_reviewed:
        meta.append(f"Last reviewed {_text(readable_date(c.last_reviewed))}")
    href = _url(page(c.doc_id)) if c.doc_id else ""
    if href and section_anchor(c.section):
        href += f"#{section_anchor(c.section)}"  # opens the page at the cited section
    if href:
        meta.append(f'<a href="{href}" target="_blank" rel="noopener">Read the whole page</a>')
    if meta:
        parts.append(f'<p class="itp-src-meta">{" · ".join(meta)}</p>')
    if c.references:
        parts.append('<p class="itp-refs-title">This page is based on:</p><ul class="itp-refs">')
        parts += [_reference(r) for r in c.references]
        parts.append("</ul>")
    parts.append("</div></details>")
    return "".join(parts)


def reply_html(reply: Reply, rid: str, page: PageLink = lambda _id: "", disclaimer: str = "") -> str:
    """The whole reply: urgent callout first, the answer with linked [n] markers, its sources
    (each expandable to the quoted passage and the document's own references), the disclaimer.

    Args:
        reply: the engine's reply.
        rid: an id unique on the page, so [n] links reach this reply's sources.
        page: gives the readable page of a document, by doc_id.
        disclaimer: the disclaimer line (the engine's, normally the last paragraph of `reply.text`).
    """
    rid = re.sub(r"[^a-zA-Z0-9_-]", "", rid) or "r"
    numbers = {c.n for c in reply.citations}
    paragraphs = [p for p in reply.answer.split("\n\n") if p.strip()] or [reply.text]
    out = [f'<div class="itp-reply itp-kind-{escape(reply.kind)}">']
    if reply.kind == "urgent":
        lead, paragraphs = paragraphs[0], paragraphs[1:]
        out.append(
            '<div class="itp-urgent" role="alert"><p class="itp-urgent-title">'
            '<span aria-hidden="true">⚠</span> Get medical help now</p>'
            f"<p>{_emergency_number(_text(lead))}</p></div>"
        )
    out += [_paragraph(p, rid, numbers) for p in paragraphs]
    if reply.citations:
        out.append(f'<div class="itp-sources" role="group" aria-label="Sources">'
                   f'<p class="itp-sources-title">Sources ({len(reply.citations)})</p>')
        out += [_source(c, rid, page) for c in reply.citations]
        out.append("</div>")
    if disclaimer:
        out.append(f'<p class="itp-disclaimer">{_text(disclaimer)}</p>')
    out.append('<p class="itp-actions"><button type="button" class="itp-copy">Copy</button></p>')
    out.append(f'<pre class="itp-plain" hidden>{escape(reply.text)}</pre></div>')
    return "".join(out)


def _emergency_number(lead: str) -> str:
    """The urgent lead (escaped) with the number to call marked up."""
    m = _NUMBER.search(lead) if _NUMBER else None
    if not m:
        return lead
    return f'{lead[:m.start(1)]}<strong class="itp-emergency-number">{m.group(1)}</strong>{lead[m.end(1):]}'


def streaming_html(partial: str) -> str:
    """A reply while it streams in: the text so far (sources and disclaimer come at the end)."""
    body = partial.split("\n\nSources:", 1)[0].strip()
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    inner = "".join(f"<p>{_text(p)}</p>" for p in paragraphs)
    return f'<div class="itp-reply itp-streaming" aria-busy="true">{inner}</div>'


def message_html(text: str, kind: str = "decline") -> str:
    """A fixed message that is not an engine reply (errors, service notices)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return (f'<div class="itp-reply itp-kind-{escape(kind)}">'
            + "".join(f"<p>{_text(p)}</p>" for p in paragraphs) + "</div>")


def source_summaries(citations: Sequence[Citation]) -> list[dict[str, str | int]]:
    """What feedback keeps about a reply's sources (no passage text: it is in the corpus)."""
    return [{"n": c.n, "doc_id": c.doc_id, "title": c.title, "section": c.section} for c in citations]
