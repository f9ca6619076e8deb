"""Typed values that flow through the engine: documents, chunks, passages, replies."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from qa.reasons import Reason

ReplyKind = Literal["answer", "urgent", "decline", "abstain"]


@dataclass(frozen=True)
class SourceRef:
    """A reference a document names (guideline, paper, label)."""

    title: str
    url: str = ""
    citation: str = ""
    doi: str = ""
    pmid: str = ""
    year: str = ""

    @property
    def link(self) -> str:
        """The best link to open: the URL, else the DOI, else PubMed."""
        if self.url:
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return ""


@dataclass(frozen=True)
class Section:
    """A run of body text under one heading path."""

    headings: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Document:
    """A loaded source document, before chunking."""

    doc_id: str
    title: str
    source: str  # path relative to the ingest root
    sections: tuple[Section, ...]
    url: str = ""
    summary: str = ""
    last_reviewed: str = ""
    audience: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    references: tuple[SourceRef, ...] = ()
    reviewed_by: str = ""  # who reviewed it, e.g. "project medical review, 2026-12"


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: one section (or part of one) with its heading path."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    sentences: tuple[str, ...]
    position: int
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def head_text(self) -> str:
        """What the heading index embeds: the question a section answers."""
        last = self.section.split(" › ")[-1] if self.section else ""
        if last.endswith("?"):
            return last
        return f"{self.title}: {last}" if last else self.title

    @property
    def embed_text(self) -> str:
        """What the dense index embeds: the title and section give a passage its question."""
        head = f"{self.title}. {self.section}." if self.section else f"{self.title}."
        return f"{head}\n{self.text}"


@dataclass(frozen=True)
class Passage:
    """A chunk returned by retrieval, with the scores that ranked it."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    source: str
    url: str
    last_reviewed: str
    references: tuple[SourceRef, ...]
    n_sentences: int
    score: float = 0.0  # fused rank score
    dense: float = 0.0  # cosine similarity of the query to the passage
    lexical: float = 0.0  # bm25 (higher is better), 0 when not matched
    reviewed_by: str = ""


@dataclass(frozen=True)
class Citation:
    """A numbered source behind one or more sentences of a reply."""

    n: int
    title: str
    source: str
    url: str
    section: str
    text: str
    last_reviewed: str = ""
    references: tuple[SourceRef, ...] = ()
    doc_id: str = ""
    reviewed_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["references"] = [dict(asdict(r), link=r.link) for r in self.references]
        return d


@dataclass(frozen=True)
class Reply:
    """What the assistant says: `text` is exactly what the user sees, disclaimer included."""

    text: str
    kind: ReplyKind
    citations: list[Citation]
    answer: str = ""  # the body without sources list and disclaimer
    question: str = ""  # the question as understood (follow-ups resolved)
    reason: Reason = ""  # why a gate fired, for logs and evals (never shown as advice)
    # How an LLM generator drafted it (`Draft.info`: sentences removed, fallback reason), for
    # logs and evals; empty for the extractive generator. Left out of `to_dict()` (the API) on
    # purpose: it names the back end, which users are not told.
    draft_info: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        from qa.disclaimer import DISCLAIMER

        return {
            "text": self.text,
            "kind": self.kind,
            "citations": [c.to_dict() for c in self.citations],
            "answer": self.answer,
            "question": self.question,
            "reason": self.reason,
            "disclaimer": DISCLAIMER,
        }
