"""Structure-aware chunking: a chunk is a section (or part of one) under its heading path."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from qa.text.sentences import split_sentences
from qa.types import Chunk, Document

# all-MiniLM-L6-v2 reads 256 word pieces; ~3.5 characters each leaves room for title and heading.
MAX_CHUNK_CHARS = 900
MAX_SENTENCE_CHARS = 600


def _clip(sentence: str) -> list[str]:
    """Break an over-long 'sentence' (a run-on line in a saved page) on clause boundaries."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    parts: list[str] = []
    current = ""
    for word in sentence.split(" "):
        if len(current) + len(word) + 1 > MAX_SENTENCE_CHARS and current:
            parts.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        parts.append(current)
    return parts


def _doc_fingerprint(doc: Document) -> str:
    meta = {
        "title": doc.title, "source": doc.source, "url": doc.url, "reviewed": doc.last_reviewed,
        "refs": [r.__dict__ for r in doc.references], "audience": doc.audience,
        "topics": doc.topics,
    }
    if doc.reviewed_by:  # only when set, so documents without it keep their chunk ids
        meta["reviewed_by"] = doc.reviewed_by
    return json.dumps(meta, sort_keys=True)


def chunk_document(doc: Document, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """Split a document into chunks that keep their heading path.

    Args:
        doc: the loaded document.
        max_chars: the largest chunk text, so a chunk fits the embedder's window.
    Returns:
        Chunks whose ids hash their content and the document's metadata, so an unchanged
        document always yields the same ids and a changed one yields new ids.
    """
    fingerprint = _doc_fingerprint(doc)
    chunks: list[Chunk] = []
    position = 0
    for section in doc.sections:
        heading = " › ".join(section.headings)
        sentences = [piece for s in split_sentences(section.text) for piece in _clip(s)]
        groups: list[list[str]] = []
        size = 0
        for s in sentences:
            if groups and size + len(s) + 1 <= max_chars:
                groups[-1].append(s)
                size += len(s) + 1
            else:
                groups.append([s])
                size = len(s)
        for group in groups:
            text = " ".join(group)
            # The sentences, not just the text: a change to the splitter must re-index the chunk.
            digest = hashlib.sha256(
                "\x1f".join([doc.doc_id, heading, "\x1e".join(group), fingerprint]).encode()
            ).hexdigest()[:24]
            chunks.append(
                Chunk(
                    chunk_id=digest,
                    doc_id=doc.doc_id,
                    title=doc.title,
                    section=heading,
                    text=text,
                    sentences=tuple(group),
                    position=position,
                )
            )
            position += 1
    return chunks


def chunk_documents(docs: Iterable[Document]) -> list[Chunk]:
    """Chunk many documents; identical chunks (same id) are kept once."""
    seen: set[str] = set()
    out: list[Chunk] = []
    for doc in docs:
        for c in chunk_document(doc):
            if c.chunk_id not in seen:
                seen.add(c.chunk_id)
                out.append(c)
    return out
