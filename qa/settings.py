"""The one place configuration is read: `ITPQA_*` environment variables with defaults."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parent.parent


def parse_networks(spec: str) -> list[IPv4Network | IPv6Network]:
    """Comma-separated addresses or networks, as `ITPQA_TRUSTED_PROXIES` holds them.

    >>> [str(n) for n in parse_networks("127.0.0.1, 10.0.0.0/8")]
    ['127.0.0.1/32', '10.0.0.0/8']
    """
    nets = []
    for part in (p.strip() for p in spec.split(",")):
        if part:
            try:
                nets.append(ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network") from None
    return nets


def _default_data_dir() -> Path:
    return _REPO_ROOT / ".data"


class Settings(BaseSettings):
    """All settings, each from `ITPQA_<NAME>` (e.g. `ITPQA_DATA_DIR=/srv/itpqa`).

    >>> Settings(data_dir=Path("/tmp/x")).index_dir
    PosixPath('/tmp/x/index')
    """

    model_config = SettingsConfigDict(env_prefix="ITPQA_", extra="ignore")

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the index, feedback and reports live. Moving it moves all app data.",
    )
    corpus_dir: Path = Field(
        default=_REPO_ROOT / "corpus", description="Default folder that `itpqa ingest` reads."
    )
    chroma_url: str = Field(
        default="",
        description="URL of a Chroma server (`chroma run`). Empty: embedded Chroma in the data dir.",
    )
    collection: str = Field(default="itpqa", description="Name prefix of the Chroma collections.")
    embed_backend: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="Query embedder: `onnx` (fast start), `torch` (sentence-transformers) or "
        "`auto` (ONNX, exported once into the data dir, else torch).",
    )
    query_cache_size: int = Field(
        default=512, ge=0, description="Recent questions whose embeddings are kept (0: none)."
    )
    top_k: int = Field(default=10, ge=1, le=30, description="Passages passed to answer composition.")
    candidates: int = Field(default=20, ge=5, le=200, description="Hits taken from each retriever.")
    min_relevance: float = Field(
        default=0.34, description="Below this query-passage similarity the assistant abstains."
    )
    min_answer_score: float = Field(
        default=0.33,
        description="Below this score for the best section the extractive answer says the sources "
        "do not cover the question (calibrated on the dev suite).",
    )
    max_sentences: int = Field(default=5, ge=1, le=8, description="Most sentences in an answer.")
    max_question_chars: int = Field(default=2000, ge=1, le=1_000_000, description="Longest question accepted.")
    max_history_turns: int = Field(default=20, ge=0, le=1000, description="Most history turns accepted.")
    emergency_number: str = Field(
        default="your local emergency number (911 in the US, 999 in the UK, 112 in Europe)",
        description="How urgent replies name the emergency number.",
    )
    generator: str = Field(
        default="extractive",
        description="Answer generator: `extractive`, `ollama:<model>`, `openai:<model>`, "
        "`llamacpp:<path.gguf>`.",
    )
    llm_base_url: str = Field(default="", description="Base URL for `openai:`/`ollama:` back ends.")
    llm_api_key: str = Field(default="", description="API key for `openai:` back ends.")
    llm_timeout: float = Field(default=30.0, gt=0, le=3600, description="Seconds before an LLM call gives up.")
    triage_dir: Path | None = Field(
        default=None,
        description="Where the fitted triage detector is cached. Empty: `triage/` in the data dir.",
    )
    host: str = Field(default="127.0.0.1", description="Address `itpqa serve` listens on.")
    port: int = Field(default=7860, ge=0, le=65535, description="Port `itpqa serve` listens on (0: any free port).")
    embed_origins: str = Field(
        default="",
        description="Comma-separated origins allowed to embed the widget (e.g. "
        "`https://charity.example`). Empty: same origin only.",
    )
    rate_limit: int = Field(default=30, ge=1, description="API requests per minute per client.")
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of your reverse proxies; the rate limit "
        "then counts the visitor from `X-Forwarded-For`. Empty: the connecting address.",
    )
    answer_threads: int = Field(
        default=4, ge=1, le=64, description="Answers computed at the same time by `itpqa serve`; "
        "more requests wait their turn.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def trusted_networks(self) -> list[IPv4Network | IPv6Network]:
        return parse_networks(self.trusted_proxies)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def triage_cache(self) -> Path:
        """Where the fitted triage detector is cached (`ITPQA_TRIAGE_DIR`, default in the data dir)."""
        return self.triage_dir or self.data_dir / "triage"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.embed_origins.split(",") if o.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
