"""The support scorer lives in the engine (`qa.text.support_model`); eval scores with the same one."""

from qa.text.support_model import SupportScorer, TextEmbedder

__all__ = ["SupportScorer", "default_scorer"]


def default_scorer(embedder: TextEmbedder | None = None) -> SupportScorer:
    """A scorer on `embedder`, or on the bundled embedder the engine shares."""
    if embedder is None:
        from qa.index.embedder import shared_embedder

        embedder = shared_embedder()
    return SupportScorer(embedder)
