"""itp-qa: offline, cited answers about immune thrombocytopenia (ITP)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.disclaimer import DISCLAIMER

# `import qa` changes nothing in the process: the offline switches (qa.offline) are set by the
# entry points (`itpqa`, `ui`), by `Assistant()`, and by the embedder and store before they load.

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.types import Citation, Reply

__all__ = ["DISCLAIMER", "Assistant", "Citation", "Reply"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy, so `import qa` stays light (no torch, no Chroma) until an Assistant is made.
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    if name in ("Citation", "Reply"):
        from qa import types

        return getattr(types, name)
    raise AttributeError(name)
