"""Sentence splitting and structure-aware chunking."""

from __future__ import annotations

from qa.corpus.chunking import MAX_CHUNK_CHARS, chunk_document
from qa.text.sentences import split_sentences
from qa.types import Document, Section


def test_split_sentences_keeps_abbreviations_and_bullets() -> None:
    text = "Doctors, e.g. hematologists, check it. Counts are in x10^9/L.\n- First item.\n- Second item"
    assert split_sentences(text) == [
        "Doctors, e.g. hematologists, check it.",
        "Counts are in x10^9/L.",
        "First item.",
        "Second item",
    ]


def test_split_sentences_decimal_numbers_stay_whole() -> None:
    assert split_sentences("About 1.5 in 100 adults. Most recover.") == ["About 1.5 in 100 adults.", "Most recover."]


def _doc(text: str, title: str = "T") -> Document:
    return Document(doc_id="d", title=title, source="d.md", sections=(Section(("Q?",), text),))


def test_chunks_keep_heading_path_and_fit_the_model_window() -> None:
    long_text = " ".join(f"Sentence number {i} talks about platelets and bleeding risk." for i in range(60))
    chunks = chunk_document(_doc(long_text))
    assert len(chunks) > 1
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    assert all(c.section == "Q?" for c in chunks)
    assert chunks[0].embed_text.startswith("T. Q?.")
    assert chunks[0].head_text == "Q?"


def test_chunk_ids_are_stable_and_content_addressed() -> None:
    a = chunk_document(_doc("ITP is not contagious."))
    b = chunk_document(_doc("ITP is not contagious."))
    c = chunk_document(_doc("ITP is not catching."))
    d = chunk_document(_doc("ITP is not contagious.", title="Other title"))
    assert a[0].chunk_id == b[0].chunk_id
    assert a[0].chunk_id != c[0].chunk_id
    assert a[0].chunk_id != d[0].chunk_id


def test_the_unit_x10_9_per_litre_ends_a_sentence() -> None:
    # "L." after "/" is the end of a unit, not an initial like "J. Smith".
    assert split_sentences("A count of 30 x10^9/L. Most people feel well. J. Bloggs agrees.") == [
        "A count of 30 x10^9/L.", "Most people feel well.", "J. Bloggs agrees."]


def test_a_new_sentence_split_of_the_same_text_is_a_new_chunk(monkeypatch) -> None:
    import qa.corpus.chunking

    before = chunk_document(_doc("One is here. Two is there."))
    monkeypatch.setattr(qa.corpus.chunking, "split_sentences", lambda text: [text])
    after = chunk_document(_doc("One is here. Two is there."))
    assert before[0].text == after[0].text
    assert before[0].chunk_id != after[0].chunk_id  # stored sentences must not go stale
