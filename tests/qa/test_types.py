"""The engine's typed values: the link a reference opens, what a chunk embeds, a reply as JSON."""

from __future__ import annotations

import json

from qa.disclaimer import DISCLAIMER
from qa.types import Chunk, Citation, Reply, SourceRef


def test_a_reference_opens_its_url_else_its_doi_else_pubmed() -> None:
    assert SourceRef("Guideline", url="https://example.org/g", doi="10.1/x").link == "https://example.org/g"
    assert SourceRef("Paper", doi="10.1182/bloodadvances.2019000966").link == \
        "https://doi.org/10.1182/bloodadvances.2019000966"
    assert SourceRef("Trial", pmid="31794604").link == "https://pubmed.ncbi.nlm.nih.gov/31794604/"
    assert SourceRef("A book").link == ""


def _chunk(section: str) -> Chunk:
    return Chunk("c1", "what-is-itp", "What is ITP?", section, "ITP lowers platelets.", ("ITP lowers platelets.",), 0)


def test_a_chunk_embeds_the_question_its_section_answers() -> None:
    assert _chunk("What is ITP? › Is it catching?").head_text == "Is it catching?"
    assert _chunk("Overview").head_text == "What is ITP?: Overview"
    assert _chunk("").head_text == "What is ITP?"
    assert _chunk("Overview").embed_text == "What is ITP?. Overview.\nITP lowers platelets."


def test_a_reply_as_json_carries_the_disclaimer_and_each_references_link() -> None:
    cite = Citation(1, "What is ITP?", "what-is-itp.md", "https://example.org", "Is it catching?", "No.",
                    references=(SourceRef("ICR 2019", doi="10.1182/bloodadvances.2019000812"),))
    reply = Reply(f"No. [1]\n\n{DISCLAIMER}", "answer", [cite], answer="No. [1]",
                  draft_info={"backend": "secret"})
    out = json.loads(json.dumps(reply.to_dict()))
    assert out["disclaimer"] == DISCLAIMER and out["kind"] == "answer"
    assert out["citations"][0]["references"][0]["link"] == "https://doi.org/10.1182/bloodadvances.2019000812"
    assert "draft_info" not in out and "secret" not in json.dumps(out)
