"""Grow the real corpus to N chunks with distinct, recombined variants of its sections."""

from __future__ import annotations

import hashlib
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from qa.corpus.chunking import chunk_documents
from qa.corpus.loaders import discover, load_file
from qa.text.sentences import split_sentences
from qa.types import Document

# Variants read like the rest of a patient organisation's library: leaflets, newsletters, FAQs.
_SERIES = ("clinic leaflet", "newsletter issue", "support group handout", "FAQ sheet",
           "nurse helpline note", "family guide", "translated leaflet", "conference summary")


@dataclass(frozen=True)
class GrownCorpus:
    """A corpus folder written for one benchmark size."""

    path: Path
    documents: int
    chunks: int  # as the engine's chunker counts them
    variants: int  # variants written per real document


def load_real(corpus: Path) -> list[Document]:
    """The real corpus documents, as the engine loads them."""
    files, _ = discover([corpus])
    return [load_file(path, root) for path, root in files]


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def variant(doc: Document, n: int, pool: list[str]) -> Document:
    """Variant `n` of `doc`: same headings, each section's sentences recombined.

    The opening sentence of a section stays first (the corpus puts the direct answer there); the
    rest are shuffled, one may be dropped, and one sentence from elsewhere in the library may be
    added. So the text is distinct and realistic, and every sentence is a real corpus sentence.
    """
    rng = random.Random(_seed(doc.doc_id, n))
    sections = []
    for section in doc.sections:
        sents = split_sentences(section.text)
        head, rest = sents[:1], sents[1:]
        rng.shuffle(rest)
        if len(rest) > 2 and rng.random() < 0.5:
            rest.pop(rng.randrange(len(rest)))
        if pool and rng.random() < 0.6:
            rest.insert(rng.randrange(len(rest) + 1), rng.choice(pool))
        sections.append(type(section)(headings=section.headings, text=" ".join(head + rest)))
    series = _SERIES[n % len(_SERIES)]
    return Document(
        doc_id=f"{doc.doc_id}-v{n:05d}", title=f"{doc.title} ({series})",
        source=doc.source, sections=tuple(sections), url=doc.url, summary=doc.summary,
        last_reviewed=doc.last_reviewed, audience=doc.audience, topics=doc.topics,
        references=doc.references,
    )


def to_markdown(doc: Document) -> str:
    """The document as a Markdown file with YAML front matter, as the loader reads it."""
    front = {
        "id": doc.doc_id, "title": doc.title, "summary": doc.summary,
        "audience": list(doc.audience), "topics": list(doc.topics),
        "last_reviewed": doc.last_reviewed,
        "sources": [{k: v for k, v in r.__dict__.items() if v} for r in doc.references],
    }
    if doc.url:
        front["url"] = doc.url
    lines = ["---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip(), "---", "",
             f"# {doc.title}", ""]
    for section in doc.sections:
        for depth, heading in enumerate(section.headings):
            lines += [f"{'#' * (depth + 2)} {heading}", ""]
        lines += [section.text, ""]
    return "\n".join(lines)


def grow(real: Path, target_chunks: int, out: Path) -> GrownCorpus:
    """Write the real corpus plus enough variants to reach about `target_chunks` chunks.

    Args:
        real: the real corpus folder.
        target_chunks: wanted size; at or below the real corpus size the real corpus is used as is.
        out: an empty folder to write into.
    Returns:
        What was written.
    """
    docs = load_real(real)
    base = len(chunk_documents(docs))
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(real, out / "real")
    n_variants = max(0, -(-(target_chunks - base) // base)) if target_chunks > base * 1.2 else 0
    pool = [s for d in docs for sec in d.sections for s in split_sentences(sec.text)]
    per_dir = 2000  # keep folders small enough to list quickly
    written = 0
    for n in range(1, n_variants + 1):
        for doc in docs:
            folder = out / f"v{written // per_dir:04d}"
            if written % per_dir == 0:
                folder.mkdir(exist_ok=True)
            v = variant(doc, n, pool)
            (folder / f"{v.doc_id}.md").write_text(to_markdown(v))
            written += 1
    return GrownCorpus(out, len(docs) * (1 + n_variants), base * (1 + n_variants), n_variants)
