"""One benchmark step in a fresh process (`python -m bench.worker STEP JSON`); prints one JSON line.

Each step runs in its own process so that start-up is really cold and peak memory (RSS) belongs
to that step alone. The data dir comes from `ITPQA_DATA_DIR`, set by `bench.run`.
"""

from __future__ import annotations

import time

_START = time.perf_counter()  # before any heavy import: the cold-start clock

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_export(args: dict) -> dict:
    """Export the ONNX query model once, into `args["models_dir"]`."""
    from qa.index.embedder import OnnxBackend

    start = time.perf_counter()
    path = OnnxBackend(Path(args["models_dir"])).ensure()
    return {"path": str(path), "seconds": time.perf_counter() - start}


def step_ingest(args: dict) -> dict:
    """Run the real ingest over `args["corpus"]` with the real model (`exact`) or `reuse`."""
    from bench.reuse import ReuseEncoder, TimedEncoder
    from qa.index.embedder import Embedder, OnnxBackend
    from qa.index.ingest import Ingestor
    from qa.settings import Settings

    settings = Settings()
    holder: dict[str, TimedEncoder] = {}

    def factory() -> TimedEncoder:
        holder["enc"] = ReuseEncoder() if args["embed"] == "reuse" else TimedEncoder()
        return holder["enc"]

    embedder = Embedder(factory, query_encoder_factory=OnnxBackend(settings.models_dir))
    imported = time.perf_counter() - _START
    summary = Ingestor(settings, embedder=embedder).run([Path(args["corpus"])])
    enc = holder.get("enc")
    out = {
        "summary": summary.to_dict(), "import_s": imported, "model_texts": enc.texts if enc else 0,
        "model_s": enc.seconds if enc else 0.0, "peak_rss_mb": peak_rss_mb(),
    }
    if isinstance(enc, ReuseEncoder):
        out["reused_passages"] = enc.passages
        sample = _sample_passages(Path(args["corpus"]), 64)
        out["reuse_cosine_median"] = enc.agreement(sample)
        out["passage_rate"] = enc.passage_rate
    return out


def _sample_passages(corpus: Path, n: int) -> list[str]:
    from qa.corpus.chunking import chunk_documents
    from qa.corpus.loaders import load_file

    files = sorted(corpus.rglob("*.md"))[-n:]
    docs = [load_file(f, corpus) for f in files]
    return [c.embed_text for c in chunk_documents(docs)][:n]


class Stages:
    """Wall time spent in each engine stage during one ask (query embedding, Chroma, SQLite)."""

    def __init__(self) -> None:
        self.now: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*a: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.now[name] = self.now.get(name, 0.0) + time.perf_counter() - start

        return timed

    def wrap_excluding(self, name: str, inner: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Time `fn` less what stage `inner` spent inside it (triage embeds the message through
        the query cache that retrieval then reuses; this bench disables that cache)."""
        def timed(*a: Any, **kw: Any) -> Any:
            start, inner_before = time.perf_counter(), self.now.get(inner, 0.0)
            try:
                return fn(*a, **kw)
            finally:
                spent = time.perf_counter() - start - (self.now.get(inner, 0.0) - inner_before)
                self.now[name] = self.now.get(name, 0.0) + spent

        return timed


def step_ask(args: dict) -> dict:
    """Warm ask latency over the question set, with the query-embedding cache disabled."""
    from bench.questions import workload
    from qa.assistant import Assistant
    from qa.index.embedder import configured_embedder
    from qa.index.lexical import LexicalIndex
    from qa.settings import Settings

    settings = Settings()
    embedder = configured_embedder(settings, cache_size=0)  # every ask pays for its embedding
    bot = Assistant(settings, embedder=embedder)
    bot.warm_up(wait_for_triage=True)  # every ask triaged by rules and the learned detector
    stages = Stages()
    embedder.embed_query = stages.wrap("embed", embedder.embed_query)  # type: ignore[method-assign]
    bot.reader.dense = stages.wrap("dense", bot.reader.dense)  # type: ignore[method-assign]
    LexicalIndex.search = stages.wrap("lexical", LexicalIndex.search)  # type: ignore[method-assign]
    LexicalIndex.rows = stages.wrap("rows", LexicalIndex.rows)  # type: ignore[method-assign]
    bot.triage.check = stages.wrap_excluding("triage", "embed", bot.triage.check)  # type: ignore[method-assign]
    items = workload()
    for question, history in items[:10]:  # warm caches (SQLite pages, HNSW, code paths)
        bot.ask(question, history)
    rounds: list[list[float]] = []
    per_stage: dict[str, list[float]] = {}
    kinds: dict[str, int] = {}
    for _ in range(args["rounds"]):
        times = []
        for question, history in items:
            stages.now = {}
            start = time.perf_counter()
            reply = bot.ask(question, history)
            times.append((time.perf_counter() - start) * 1000)
            kinds[reply.kind] = kinds.get(reply.kind, 0) + 1
            for name, secs in stages.now.items():
                per_stage.setdefault(name, []).append(secs * 1000)
        rounds.append(times)
    return {
        "rounds": rounds, "kinds": kinds, "backend": embedder.query_backend,
        "stages_ms": {k: sorted(v)[len(v) // 2] for k, v in per_stage.items()},
        "stage_samples": {k: len(v) for k, v in per_stage.items()},
        "chunks": bot.reader.current()[1].count(), "peak_rss_mb": peak_rss_mb(),
        "torch_imported": "torch" in sys.modules,
    }


def step_cold(args: dict) -> dict:
    """Import → `Assistant()` → first reply, as an app process starting up does."""
    from qa.assistant import Assistant

    imported = time.perf_counter() - _START
    bot = Assistant()
    made = time.perf_counter() - _START
    reply = bot.ask(args.get("question", "Can I take ibuprofen with ITP?"))
    answered = time.perf_counter() - _START
    return {
        "import_s": imported, "init_s": made - imported, "first_ask_s": answered - made,
        "in_process_s": answered, "kind": reply.kind, "backend": bot.embedder.query_backend,
        "torch_imported": "torch" in sys.modules, "peak_rss_mb": peak_rss_mb(),
    }


STEPS: dict[str, Callable[[dict], dict]] = {
    "export": step_export, "ingest": step_ingest, "ask": step_ask, "cold": step_cold,
}


def main(argv: list[str]) -> None:
    step, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = STEPS[step](args)
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
