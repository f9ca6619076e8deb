"""The support scorer lives in the engine (`qa.text.support_model`); eval scores with the same one."""

from qa.text.support_model import SupportScorer

__all__ = ["SupportScorer", "default_scorer"]


def default_scorer() -> SupportScorer:
    """A scorer on the bundled embedder (the one the engine shares)."""
    from qa.index.embedder import shared_embedder

    return SupportScorer(shared_embedder())
