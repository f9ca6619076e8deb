"""Settings (qa/settings.py): ITPQA_* variables, bounds, derived paths, the cached instance."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from qa.settings import Settings, get_settings, parse_networks

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("spec", "networks"), [
    ("", []),
    (" , ,", []),
    ("::1", ["::1/128"]),
    ("10.1.2.3/8", ["10.0.0.0/8"]),  # host bits are allowed and dropped
    ("192.168.0.1 ,fd00::/8", ["192.168.0.1/32", "fd00::/8"]),
])
def test_parse_networks(spec: str, networks: list[str]) -> None:
    assert [str(n) for n in parse_networks(spec)] == networks


@pytest.mark.parametrize("bad", ["not-an-ip", "10.0.0.0/33", "999.1.1.1", "10.0.0.0/8;rm"])
def test_parse_networks_names_the_bad_part(bad: str) -> None:
    with pytest.raises(ValueError, match="is not an IP address or network") as info:
        parse_networks(f"127.0.0.1, {bad}")
    assert repr(bad) in str(info.value)


def test_values_come_from_itpqa_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ITPQA_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("ITPQA_TOP_K", "7")
    monkeypatch.setenv("ITPQA_EMBED_BACKEND", "onnx")
    monkeypatch.setenv("ITPQA_MIN_RELEVANCE", "0.5")
    monkeypatch.setenv("ITPQA_NOT_A_SETTING", "ignored")
    s = Settings()
    assert (s.data_dir, s.top_k, s.embed_backend, s.min_relevance) == (tmp_path / "d", 7, "onnx", 0.5)


@pytest.mark.parametrize(("name", "value"), [
    ("ITPQA_TOP_K", "0"), ("ITPQA_TOP_K", "31"), ("ITPQA_CANDIDATES", "4"),
    ("ITPQA_MAX_SENTENCES", "9"), ("ITPQA_ANSWER_THREADS", "0"), ("ITPQA_QUERY_CACHE_SIZE", "-1"),
    ("ITPQA_EMBED_BACKEND", "gpu"), ("ITPQA_PORT", "eighty"), ("ITPQA_TRUSTED_PROXIES", "bogus"),
    ("ITPQA_PORT", "70000"), ("ITPQA_PORT", "-1"), ("ITPQA_RATE_LIMIT", "0"), ("ITPQA_MAX_QUESTION_CHARS", "0"),
    ("ITPQA_MAX_HISTORY_TURNS", "-2"), ("ITPQA_LLM_TIMEOUT", "0"),
])
def test_out_of_range_or_malformed_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ITPQA_DATA_DIR", "ITPQA_TRIAGE_DIR", "ITPQA_CORPUS_DIR", "ITPQA_TOP_K", "ITPQA_GENERATOR"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert s.data_dir == REPO / ".data"
    assert s.corpus_dir == REPO / "corpus"
    assert s.triage_cache == REPO / ".data" / "triage"
    assert (s.top_k, s.generator, s.embed_backend) == (10, "extractive", "auto")


def test_paths_derive_from_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ITPQA_TRIAGE_DIR", raising=False)
    s = Settings(data_dir=tmp_path)
    assert s.index_dir == tmp_path / "index"
    assert s.chroma_dir == tmp_path / "index" / "chroma"
    assert s.models_dir == tmp_path / "models"
    assert s.feedback_db == tmp_path / "feedback.sqlite3"
    assert s.reports_dir == tmp_path / "reports"
    assert s.triage_cache == tmp_path / "triage"
    assert Settings(data_dir=tmp_path, triage_dir=tmp_path / "elsewhere").triage_cache == tmp_path / "elsewhere"


def test_origins_and_trusted_networks_are_parsed(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, embed_origins=" https://a.example/ , ,https://b.example:8443",
                 trusted_proxies="10.0.0.0/8, ::1")
    assert s.allowed_origins == ["https://a.example", "https://b.example:8443"]
    assert [str(n) for n in s.trusted_networks] == ["10.0.0.0/8", "::1/128"]
    assert Settings(data_dir=tmp_path).allowed_origins == []


def test_get_settings_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITPQA_PORT", "9999")
    get_settings.cache_clear()
    first = get_settings()
    monkeypatch.setenv("ITPQA_PORT", "1234")
    assert get_settings() is first and first.port == 9999
    get_settings.cache_clear()
    assert get_settings().port == 1234
    get_settings.cache_clear()
