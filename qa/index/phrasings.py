"""Question-bank phrasings as extra vectors that point to their section (hypothetical questions).

The pattern of LangChain's `MultiVectorRetriever` with hypothetical questions: each section is
found not only by its text and heading but by the ways patients ask for it. Only the *train*
split of the bank is indexed; the held-out 20% measures section matching honestly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from qa.corpus.questions import BankEntry, load_question_bank
from qa.types import Chunk

KIND = "questions"  # the Chroma collection kind
SPLIT_SEED = "itpqa-questions-2026-12"  # fixed once: changing it would leak held-out phrasings
HELD_OUT_SHARE = 0.20
Split = Literal["train", "held_out"]


def split_of(text: str) -> Split:
    """Train or held out, by a seeded hash of the phrasing (stable across runs and machines)."""
    digest = hashlib.sha256(f"{SPLIT_SEED}\x00{' '.join(text.lower().split())}".encode()).digest()
    return "held_out" if int.from_bytes(digest[:4], "big") / 2**32 < HELD_OUT_SHARE else "train"


@dataclass(frozen=True)
class Phrasing:
    """One indexed phrasing and the chunk (its section's first) it points to."""

    id: str
    text: str
    chunk_id: str
    doc_id: str


def bank_for(paths: Sequence[Path]) -> list[BankEntry]:
    """The question bank beside the indexed folders (`<folder>/questions/*.yaml`)."""
    out: list[BankEntry] = []
    for p in paths:
        if p.is_dir():
            out += load_question_bank(p / "questions")
    return out


def section_key(doc_id: str, section: str) -> str:
    """`doc-id#Heading`, the heading being the last part of a chunk's heading path."""
    return f"{doc_id}#{section.split(' › ')[-1].strip()}"


def phrasings_for(chunks: Sequence[Chunk], bank: Sequence[BankEntry]) -> list[Phrasing]:
    """The train-split phrasings whose section is among `chunks` (unknown sections are skipped)."""
    first: dict[str, str] = {}
    for c in chunks:
        first.setdefault(section_key(c.doc_id, c.section), c.chunk_id)
    out: list[Phrasing] = []
    seen: set[str] = set()
    for entry in bank:
        chunk_id = first.get(entry.key)
        if chunk_id is None:
            continue
        for text in entry.phrasings:
            if split_of(text) != "train":
                continue
            pid = f"{chunk_id}:q{hashlib.sha1(text.encode()).hexdigest()[:10]}"
            if pid not in seen:
                seen.add(pid)
                out.append(Phrasing(pid, text, chunk_id, entry.doc_id))
    return out


def chunk_of(phrasing_id: str) -> str:
    """The chunk a phrasing vector points to."""
    return phrasing_id.rsplit(":q", 1)[0]


def write(store, generation: str, old_generation: str | None, phrasings: Sequence[Phrasing],
          embed) -> int:
    """Add the phrasing vectors to `generation`, reusing the old generation's by text.

    Returns:
        How many phrasings had to be embedded now.
    """
    if not phrasings:
        return 0
    known: dict[str, np.ndarray] = {}
    if old_generation:
        try:
            for rec in store.iter_all(old_generation, KIND):
                known.update(zip(rec.documents, rec.embeddings, strict=True))
        except Exception:  # an older generation without phrasings: embed them all
            known = {}
    fresh = sorted({p.text for p in phrasings if p.text not in known})
    if fresh:
        known.update(zip(fresh, embed(fresh), strict=True))
    vectors = np.vstack([known[p.text] for p in phrasings]).astype(np.float32)
    store.add(generation, KIND, [p.id for p in phrasings], vectors, [p.text for p in phrasings],
              [{"chunk_id": p.chunk_id, "doc_id": p.doc_id} for p in phrasings])
    return len(fresh)


def indexed(store, generation: str) -> tuple[list[str], np.ndarray, list[str]]:
    """The generation's phrasing vectors: (phrasing ids, unit vectors, the chunk each points to);
    empty for a generation indexed without a question bank (it has no phrasing collection)."""
    from chromadb.errors import NotFoundError

    ids: list[str] = []
    chunks: list[str] = []
    blocks: list[np.ndarray] = []
    try:
        records = list(store.iter_all(generation, KIND))
    except NotFoundError:
        records = []
    for rec in records:
        ids += rec.ids
        chunks += [chunk_of(pid) for pid in rec.ids]
        blocks.append(rec.embeddings)
    vectors = np.vstack(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)
    return ids, vectors, chunks


def fit_order(ids: Sequence[str]) -> list[int]:
    """Indexes of phrasing ids in the order they are fitted: by the hash of each phrasing's
    text, so renaming a chunk (its text was edited) moves no row.

    >>> fit_order(["c1:qbb", "c2:qaa"]) == fit_order(["c9:qbb", "c2:qaa"]) == [1, 0]
    True
    """
    return sorted(range(len(ids)), key=lambda i: ids[i].rsplit(":q", 1)[-1])


def fit_models(store, generation: str, leave_out: Callable[[str], bool] | None = None,
               phrasings: tuple[list[str], np.ndarray, list[str]] | None = None):
    """Fit the query adapter and the section model (`qa.index.adapter`) on the generation's
    phrasings and their headings; the section model on the same rows in adapted space.

    Args:
        leave_out: phrasing ids to fit without (cross-validation folds).
        phrasings: `indexed(store, generation)`, when the caller has read it already.
    Returns:
        (matrix, section model), or None when the generation has no question bank to fit on.
    """
    from qa.index import adapter

    ids, vectors, chunks = phrasings or indexed(store, generation)
    # The rows go in an order that depends on what they say, not on chunk ids or on the order
    # Chroma returns them: editing one section's text renames its chunk, and that must not
    # reshuffle every training batch (it moved 8 of 354 dev cases when it did).
    keep = [i for i in fit_order(ids) if leave_out is None or not leave_out(ids[i])]
    vectors, chunks = vectors[keep], [chunks[i] for i in keep]
    if len(set(chunks)) < 2:
        return None
    sections = set(chunks)
    heads: list[tuple[tuple[str, str], np.ndarray, str]] = []
    for rec in store.iter_all(generation, "headings"):
        heads += [((rec.documents[i], str(rec.metadatas[i].get("doc_id", ""))), rec.embeddings[i], cid)
                  for i, cid in enumerate(rec.ids) if cid in sections]
    heads.sort(key=lambda h: h[0])
    rows = [vectors] + ([np.vstack([v for _, v, _ in heads])] if heads else [])
    labels = list(chunks) + [cid for _, _, cid in heads]
    x = np.vstack(rows)
    matrix = adapter.fit_averaged(x, labels)
    return matrix, adapter.fit_sections(adapter.adapt(x, matrix), labels)


def fit_matcher(store, generation: str, leave_out: Callable[[str], bool] | None = None,
                phrasings: tuple[list[str], np.ndarray, list[str]] | None = None):
    """A `PhrasingMatcher` over every phrasing, its adapter and section model fitted without
    `leave_out` (None without a bank)."""
    from qa.index import adapter

    found = phrasings or indexed(store, generation)
    fitted = fit_models(store, generation, leave_out, found)
    if fitted is None:
        return None
    return adapter.PhrasingMatcher.build(found[0], found[1], fitted[0], fitted[1])


def fit_and_save_adapter(store, generation: str, path) -> bool:
    """Fit the generation's adapter and section model and save them with its phrasings; False
    when there is no bank."""
    from qa.index import adapter

    found = indexed(store, generation)
    fitted = fit_models(store, generation, phrasings=found)
    if fitted is None:
        return False
    adapter.save(path, fitted[0], found[0], found[1], sections=fitted[1])
    return True
