"""What can be wrong with an LLM generator setting: shown to operators as one clean line."""

from __future__ import annotations


class LLMConfigError(ValueError):
    """The generator setting names an unknown back end or leaves out the model."""


class BackendMissing(ImportError):
    """The generator's optional package is not installed (the message says what to install)."""
