"""Turn a draft into the reply the user sees: numbered markers, a source list, the disclaimer."""

from __future__ import annotations

from collections.abc import Sequence

from qa.answer.generate import Sentence
from qa.disclaimer import with_disclaimer
from qa.reasons import Reason
from qa.types import Citation, Reply, ReplyKind
from qa.understanding.retrieve import Hit


def number_citations(sentences: Sequence[Sentence], hits: Sequence[Hit]) -> tuple[list[str], list[Citation]]:
    """Give each cited hit a number by first use; return the marked sentences and citations."""
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    marked: list[str] = []
    for s in sentences:
        marks = []
        for h in s.cites:
            if h not in numbers:
                numbers[h] = len(numbers) + 1
                p = hits[h].passage
                citations.append(Citation(
                    n=numbers[h], title=p.title, source=p.source,
                    url=p.url or next((r.link for r in p.references if r.link), ""),
                    section=p.section, text=p.text, last_reviewed=p.last_reviewed,
                    references=p.references, doc_id=p.doc_id, reviewed_by=p.reviewed_by,
                ))
            marks.append(f"[{numbers[h]}]")
        marked.append(f"{s.text} {''.join(marks)}".strip())
    return marked, citations


def source_lines(citations: Sequence[Citation]) -> str:
    """The "Sources:" block: "[1] Title — Section (reviewed 2026-12-01, project medical review)"."""
    lines = []
    for c in citations:
        where = f"{c.title} — {c.section}" if c.section else c.title
        by = c.reviewed_by
        # "project medical review, 2026-12" with a date of 2026-12-01 need not name the month twice.
        head, _, month = by.rpartition(", ")
        if head and month and c.last_reviewed.startswith(month):
            by = head
        review = ", ".join(x for x in (c.last_reviewed, by) if x)
        extra = f" (reviewed {review})" if c.last_reviewed else f" (reviewed by {by})" if by else ""
        lines.append(f"[{c.n}] {where}{extra}")
    return "Sources:\n" + "\n".join(lines) if lines else ""


def build_reply(kind: ReplyKind, lead: str, sentences: Sequence[Sentence], hits: Sequence[Hit],
                question: str = "", reason: Reason = "", context_intro: str = "") -> Reply:
    """Assemble a reply; every path that answers a user ends here, so the disclaimer is always added.

    Args:
        kind: the reply kind.
        lead: fixed text shown first (urgent action, decline, abstain), may be empty.
        sentences: cited source sentences.
        hits: the hits the sentences cite.
        question: the question as understood.
        reason: why a gate fired.
        context_intro: a short line introducing the cited sentences under a lead.
    """
    marked, citations = number_citations(sentences, hits)
    parts = [lead] if lead else []
    if marked:
        if lead and context_intro:
            parts.append(context_intro)
        parts.append(" ".join(marked))
    answer = "\n\n".join(parts)
    sources = source_lines(citations)
    text = with_disclaimer(f"{answer}\n\n{sources}" if sources else answer)
    return Reply(text=text, kind=kind, citations=citations, answer=answer, question=question, reason=reason)
