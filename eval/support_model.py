"""The support scorer lives in the engine (`qa.text.support_model`); eval scores with the same one."""

from qa.text.support_model import SupportScorer

__all__ = ["SupportScorer"]
