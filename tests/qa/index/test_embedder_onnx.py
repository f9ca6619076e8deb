"""The ONNX query embedder: same vectors as sentence-transformers, no torch on the query path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.index.embedder import (
    BackendUnavailable,
    Embedder,
    OnnxBackend,
    OnnxEncoder,
    configured_embedder,
    export_onnx,
)
from qa.settings import Settings

REPO = Path(__file__).resolve().parents[3]

TEXTS = [
    "Is ITP contagious?",
    "can i take ibuprofen with itp",
    "  what about   paracetamol?  ",
    "I HIT MY HEAD AND MY PLATELETS ARE 9!!!",
    "Thrombopoietin receptor agonists (TPO-RAs) such as romiplostim, eltrombopag and "
    "avatrombopag help the bone marrow make more platelets.",
    "Ça va? Plättchen,血小板, ½ dose — 50×10⁹/L",
    "x",
    # Longer than the model's 256-token window: truncation must match too.
    "Romiplostim is given once a week as an injection under the skin, and the dose is "
    "adjusted to the platelet count. " * 30,
    "ITP " * 600,
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def onnx_encoder(embedder: Embedder) -> OnnxEncoder:
    """The shared embedder's query encoder: ONNX with the default `auto` backend."""
    assert embedder.query_backend == "onnx"
    encoder = embedder.query_encoder
    assert isinstance(encoder, OnnxEncoder)
    return encoder


def test_onnx_vectors_match_sentence_transformers_one_by_one(embedder, onnx_encoder) -> None:
    reference = embedder.encoder.encode(TEXTS)
    got = np.vstack([onnx_encoder.encode([t]) for t in TEXTS])
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert cosines(got, reference).min() > 0.9999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_onnx_vectors_match_in_padded_batches(embedder, onnx_encoder) -> None:
    reference = embedder.encoder.encode(TEXTS)
    got = onnx_encoder.encode(TEXTS, batch_size=4)  # mixed lengths: padding in every batch
    assert cosines(got, reference).min() > 0.9999


def test_onnx_truncates_at_256_tokens_like_sentence_transformers(onnx_encoder) -> None:
    base = "platelets " * 300
    a, b = onnx_encoder.encode([base, base + "completely different ending " * 20])
    assert float(a @ b) > 0.99999


def test_query_embedding_uses_onnx_and_passages_use_sentence_transformers(embedder) -> None:
    assert embedder.query_backend == "onnx"
    assert type(embedder.encoder).__name__ == "TorchEncoder"
    q = embedder.embed_query("how is romiplostim given?")
    p = embedder.embed_texts(["how is romiplostim given?"])[0]
    assert float(q @ p) > 0.9999


def test_auto_falls_back_to_torch_when_the_export_is_impossible(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if the `onnx` package were missing
    fallback = Embedder(lambda: embedder.encoder,
                        query_encoder_factory=OnnxBackend(tmp_path / "models"))
    assert fallback.query_backend == "torch"
    assert float(fallback.embed_query("is itp contagious?") @ embedder.embed_query("is itp contagious?")) > 0.9999
    assert not list((tmp_path / "models").glob("*.onnx"))


def test_onnx_backend_is_strict_when_asked_for_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    emb = configured_embedder(Settings(data_dir=tmp_path, embed_backend="onnx"))
    with pytest.raises(BackendUnavailable, match="onnx"):
        emb.embed_query("is itp contagious?")


def test_torch_backend_uses_sentence_transformers_for_queries(tmp_path: Path) -> None:
    emb = configured_embedder(Settings(data_dir=tmp_path, embed_backend="torch"))
    assert emb._query_factory is None  # queries use the passage encoder


def test_unknown_backend_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("ITPQA_EMBED_BACKEND", "tensorflow")
    with pytest.raises(ValidationError, match="embed_backend"):
        Settings()


class _Wrong:
    """A reference encoder that disagrees with the model (as a broken export would)."""

    def encode(self, texts, batch_size=32):
        rng = np.random.default_rng(0)
        v = rng.normal(size=(len(texts), 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.slow
def test_an_export_that_does_not_match_is_never_put_in_place(tmp_path: Path, embedder) -> None:
    embedder.encoder  # noqa: B018 - torch loaded, as at ingest
    target = tmp_path / "models" / "m.onnx"
    with pytest.raises(BackendUnavailable, match="does not match"):
        export_onnx(target, reference=_Wrong())
    assert not target.exists() and not list(target.parent.glob("*.tmp"))


def _link_model(embedder: Embedder, models_dir: Path) -> None:
    """Give another data dir the ONNX file the shared embedder already exported."""
    src = embedder._query_factory.ensure()  # type: ignore[union-attr]
    models_dir.mkdir(parents=True, exist_ok=True)
    dest = models_dir / src.name
    if not dest.exists():
        os.link(src, dest)


def test_answering_with_onnx_never_imports_torch(built_settings: Settings, embedder) -> None:
    _link_model(embedder, built_settings.models_dir)
    code = (
        "import json, sys\n"
        "from qa.assistant import Assistant\n"
        "bot = Assistant()\n"
        "reply = bot.ask('Is ITP contagious?')\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "print(json.dumps({'kind': reply.kind, 'backend': bot.embedder.query_backend, 'heavy': heavy}))\n"
    )
    env = dict(os.environ, ITPQA_DATA_DIR=str(built_settings.data_dir), ITPQA_EMBED_BACKEND="auto")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"kind": "answer", "backend": "onnx", "heavy": []}


def test_a_damaged_model_file_falls_back_to_torch(tmp_path: Path, embedder) -> None:
    backend = OnnxBackend(tmp_path / "models")
    backend.path.parent.mkdir(parents=True)
    backend.path.write_bytes(b"not an onnx model")
    fallback = Embedder(lambda: embedder.encoder, query_encoder_factory=backend)
    assert fallback.query_backend == "torch"
    with pytest.raises(BackendUnavailable, match="delete it"):
        backend()
