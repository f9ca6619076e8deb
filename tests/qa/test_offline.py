"""The offline switches (qa/offline.py)."""

from __future__ import annotations

import os

import pytest

from qa.offline import OFFLINE_ENV, enforce_offline


def test_the_switches_cover_the_hub_telemetry_and_onnxruntime() -> None:
    assert OFFLINE_ENV["HF_HUB_OFFLINE"] == "1"
    assert OFFLINE_ENV["TRANSFORMERS_OFFLINE"] == "1"
    assert OFFLINE_ENV["HF_HUB_DISABLE_TELEMETRY"] == "1"
    assert OFFLINE_ENV["ANONYMIZED_TELEMETRY"] == "False"  # Chroma
    assert OFFLINE_ENV["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert OFFLINE_ENV["ORT_DISABLE_TELEMETRY"] == "1"


def test_enforce_offline_overrides_values_already_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in OFFLINE_ENV:
        monkeypatch.setenv(key, "0")
    enforce_offline()
    assert {key: os.environ[key] for key in OFFLINE_ENV} == OFFLINE_ENV


def test_enforce_offline_sets_missing_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in OFFLINE_ENV:
        monkeypatch.delenv(key, raising=False)
    enforce_offline()
    assert all(os.environ.get(key) == value for key, value in OFFLINE_ENV.items())


def test_enforce_offline_leaves_other_variables_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITPQA_SOMETHING_ELSE", "keep me")
    monkeypatch.delenv("ITPQA_NEVER_SET", raising=False)
    before = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}
    enforce_offline()
    enforce_offline()  # twice is the same as once
    assert {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV} == before
    assert "ITPQA_NEVER_SET" not in os.environ


def test_the_switch_table_cannot_be_changed_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    enforce_offline()
    assert OFFLINE_ENV["HF_HUB_OFFLINE"] == "1" and os.environ["HF_HUB_OFFLINE"] == "1"
