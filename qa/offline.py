"""Environment switches that keep every library in this process off the network."""

from __future__ import annotations

import os

OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",
    # onnxruntime >= 1.29 (Linux, macOS) ships 1DS telemetry that resolves and posts to
    # mobile.events.data.microsoft.com from a background thread; `disable_telemetry_events()`
    # only mutes some events after start-up. This switch, read when its runtime first
    # initialises, creates no uploader, events or device id at all.
    "ORT_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Set the offline and no-telemetry switches (always overriding: nothing may phone home)."""
    os.environ.update(OFFLINE_ENV)
