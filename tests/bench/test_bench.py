"""The benchmark's pure parts: percentiles, the grown corpus, reuse vectors, the report table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.corpus import grow, load_real, variant
from bench.questions import QUESTIONS, workload
from bench.reuse import ReuseEncoder
from bench.run import TARGETS, latency_summary, markdown, percentile
from qa.corpus.chunking import chunk_documents
from qa.text.sentences import split_sentences

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_percentile_matches_hand_computed_values() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)  # 30 + 0.85 * 10
    assert percentile([7], 95) == 7
    with pytest.raises(ValueError):
        percentile([], 50)


def test_latency_summary_takes_the_median_round() -> None:
    rounds = [[10, 10, 10, 50], [12, 12, 12, 12], [11, 11, 11, 100]]
    s = latency_summary(rounds)
    assert s["p50_ms"] == 11 and s["n"] == 12 and s["max_ms"] == 100
    assert s["p95_rounds"][1] == 12


def test_questions_are_distinct_and_cover_follow_ups() -> None:
    assert len(set(QUESTIONS)) == len(QUESTIONS) >= 100
    assert any(history for _, history in workload())


def test_a_variant_keeps_headings_and_the_answer_first() -> None:
    doc = next(d for d in load_real(CORPUS) if d.doc_id == "romiplostim")
    pool = ["An extra real sentence."]
    v = variant(doc, 7, pool)
    assert v.doc_id == "romiplostim-v00007" and v.title.startswith(doc.title)
    assert [s.headings for s in v.sections] == [s.headings for s in doc.sections]
    for old, new in zip(doc.sections, v.sections, strict=True):
        assert split_sentences(new.text)[0] == split_sentences(old.text)[0]
    assert variant(doc, 7, pool) == v  # deterministic


def test_grown_corpus_reaches_the_size_with_distinct_chunks(tmp_path: Path) -> None:
    base = len(chunk_documents(load_real(CORPUS)))
    grown = grow(CORPUS, base * 3, tmp_path / "c")
    assert grown.variants == 2
    chunks = chunk_documents(load_real(grown.path))
    assert len(chunks) >= base * 3 * 0.95
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert len({c.embed_text for c in chunks}) > 0.9 * len(chunks)


class _Fixed:
    def encode(self, texts, batch_size=32):
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_reuse_encoder_embeds_parts_once_and_averages_passages() -> None:
    enc = ReuseEncoder(_Fixed())
    passage = "Romiplostim. How is it given?\nIt is an injection. It is weekly."
    assert ReuseEncoder.parts(passage) == ["Romiplostim", "How is it given?", "It is an injection.",
                                           "It is weekly."]
    out = enc.encode([passage, "It is weekly."])
    parts = np.vstack([enc.cache[p] for p in ReuseEncoder.parts(passage)])
    mean = parts.mean(axis=0)
    assert np.allclose(out[0], mean / np.linalg.norm(mean), atol=1e-6)
    assert np.array_equal(out[1], enc.cache["It is weekly."])
    assert enc.texts == 4 and enc.passages == 1
    enc.encode([passage])
    assert enc.texts == 4  # nothing new to embed


def test_markdown_report_shows_targets_and_notes() -> None:
    size = {
        "size": 300, "chunks": 351, "embed": "exact", "load_before": (1.0, 1, 1), "load_after": (1.2, 1, 1),
        "ingest": {"seconds": 40.0, "chunks_per_s": 8.8, "peak_rss_mb": 900.0, "model_s": 30.0},
        "reingest": {"engine_s": 0.4, "cli_wall_s": 1.1},
        "ask": {"p50_ms": 14.0, "p95_ms": 30.0, "peak_rss_mb": 300.0,
                "stages_ms": {"embed": 7.0, "dense": 1.5, "lexical": 0.6, "rows": 0.8}},
        "cold": {"onnx": {"wall_s": 2.0, "import_s": 0.8, "init_s": 0.0, "first_ask_s": 1.1,
                          "torch_imported": False, "backend": "onnx", "peak_rss_mb": 310.0}},
    }
    report = {"started": "2026-11-21T16:00:00", "rounds": 3, "questions": 106, "export_s": 8.0,
              "machine": {"cores": 2, "cpu": "x", "memory_gib": 23.6, "python": "3.11",
                          "versions": {"onnxruntime": "1", "torch": "2", "chromadb": "1"}},
              "sizes": [size]}
    text = markdown(report)
    assert "| 300 | 351 | 14.0 ms | 30.0 ms | 2.00 s |" in text
    assert f"≤ {TARGETS['ask_p50_ms']:.0f} ms" in text and "0.40 s / 1.10 s" in text
    assert "answers/s" not in text  # no serving test was run: no empty table


def test_markdown_report_shows_the_serving_test() -> None:
    load = {"clients": 20, "seconds": 60.2, "answers_per_s": 101.5, "errors": 0, "p50_ms": 180.0,
            "p95_ms": 240.0, "max_ms": 350.0, "per_client_min": 300, "per_client_max": 310,
            "healthz_p95_ms": 21.0, "peak_rss_mib": 377.0, "ready_s": 4.2, "serve_first_answer_s": 4.3}
    size = {
        "size": 300, "chunks": 351, "embed": "exact", "load_before": (1.0, 1, 1), "load_after": (1.2, 1, 1),
        "ingest": {"seconds": 40.0, "chunks_per_s": 8.8, "peak_rss_mb": 900.0, "model_s": 30.0},
        "reingest": {"engine_s": 0.4, "cli_wall_s": 1.1},
        "ask": {"p50_ms": 14.0, "p95_ms": 30.0, "peak_rss_mb": 300.0, "stages_ms": {}},
        "cold": {"onnx": {"wall_s": 2.0, "import_s": 0.8, "init_s": 0.0, "first_ask_s": 1.1,
                          "torch_imported": False, "backend": "onnx", "peak_rss_mb": 310.0}},
        "load": load,
    }
    report = {"started": "2026-11-21T16:00:00", "rounds": 3, "questions": 106,
              "machine": {"cores": 2, "cpu": "x", "memory_gib": 23.6, "python": "3.11",
                          "versions": {"onnxruntime": "1", "torch": "2", "chromadb": "1"}},
              "sizes": [size]}
    text = markdown(report)
    assert "| 351 | 20 × 60 s | 101.5 | 0 | 180 ms | 240 ms | 350 ms | 300–310 | 21 ms | 377 MiB |" in text
    assert "| 351 chunks | 4.20 s | 4.30 s |" in text and "≥ 25" in text
