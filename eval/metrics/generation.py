"""LLM generation: sentences that verification removed, and answers that fell back to extractive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

COUNTS = ("proposed", "kept", "removed", "bad_markers")  # non-negative integers in a draft info
LABELS = ("generator", "fallback", "stopped")  # strings (or None) in a draft info


@dataclass(frozen=True)
class GenerationResult:
    """What an LLM generator drafted over a run, summed over every turn it drafted.

    A turn is *drafted* when its draft info has `proposed`: the model was asked for the answer
    (a turn under a safety template, or the extractive generator, has none). `kept` counts the
    sentences shown, so it is 0 for an answer that fell back, and `kept + removed` can be less
    than `proposed` (a fallback, duplicate sentences, the sentence cap).
    """

    drafted: int
    proposed: int
    kept: int
    removed: int
    reasons: dict[str, int]  # why sentences were removed ("uncited", "unsupported", ...)
    bad_markers: int  # citation markers dropped from kept sentences
    fallbacks: int  # drafted turns answered by the extractive fallback
    fallback_reasons: dict[str, int]  # "timeout", "http_500", "too_little", ...
    stopped: int  # streamed answers cut short after some sentences were shown
    generators: tuple[str, ...]

    @property
    def removed_rate(self) -> float | None:
        """Sentences removed / sentences proposed (None when the model proposed none)."""
        return self.removed / self.proposed if self.proposed else None

    @property
    def fallback_rate(self) -> float | None:
        """Fallbacks / drafted turns (None when the model drafted no turn)."""
        return self.fallbacks / self.drafted if self.drafted else None

    def to_dict(self) -> dict[str, Any]:
        """The counts, reason breakdowns and both rates, JSON-ready."""
        return {**asdict(self), "generators": list(self.generators),
                "removed_rate": self.removed_rate, "fallback_rate": self.fallback_rate}


def check_info(info: Any) -> None:
    """Raise ValueError unless `info` reads as a draft info (`Reply.draft_info`, `Draft.info`)."""
    if not isinstance(info, Mapping):
        raise ValueError(f"'draft_info' must be a mapping, got {type(info).__name__}")
    for key in COUNTS:
        value = info.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"'draft_info.{key}' must be a non-negative integer, got {value!r}")
    for key in LABELS:
        value = info.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"'draft_info.{key}' must be a string or null, got {value!r}")
    reasons = info.get("reasons") or {}
    if not isinstance(reasons, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in reasons.items()
    ):
        raise ValueError("'draft_info.reasons' must map reason names to non-negative integers")


def _add(tally: dict[str, int], key: str, n: int = 1) -> None:
    tally[key] = tally.get(key, 0) + n


def _by_count(tally: dict[str, int]) -> dict[str, int]:
    return dict(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])))


def generation_stats(infos: Sequence[Mapping[str, Any] | None]) -> GenerationResult:
    """Sum the draft infos of every turn of a run (the per-turn figures are the infos themselves).

    >>> r = generation_stats([
    ...     {"generator": "fake", "proposed": 4, "kept": 3, "removed": 1, "reasons": {"uncited": 1},
    ...      "fallback": None},
    ...     {"generator": "fake", "proposed": 0, "kept": 0, "removed": 0, "fallback": "timeout"},
    ...     {"generator": "fake", "answered_by": "extractive", "fallback": None},  # a template turn
    ...     {}, None])                                                # extractive, or no reply
    >>> r.drafted, r.removed, r.removed_rate, r.fallback_rate, r.fallback_reasons
    (2, 1, 0.25, 0.5, {'timeout': 1})

    Args:
        infos: per turn, its draft info (empty or None when no LLM drafted it).
    Raises:
        ValueError: an info is not a mapping or holds a count that is not a non-negative integer.
    """
    if isinstance(infos, (str, bytes, Mapping)):
        raise ValueError("infos must be a list of draft infos, one per turn")
    drafted = proposed = kept = removed = bad_markers = fallbacks = stopped = 0
    reasons: dict[str, int] = {}
    fallback_reasons: dict[str, int] = {}
    generators: set[str] = set()
    for info in infos:
        if info is None:
            continue
        check_info(info)
        if info.get("generator"):
            generators.add(info["generator"])
        if "proposed" not in info:
            continue
        drafted += 1
        proposed += info["proposed"]
        kept += info.get("kept", 0)
        removed += info.get("removed", 0)
        bad_markers += info.get("bad_markers", 0)
        for reason, n in (info.get("reasons") or {}).items():
            _add(reasons, reason, n)
        if info.get("fallback") is not None:
            fallbacks += 1
            _add(fallback_reasons, info["fallback"])
        stopped += int(info.get("stopped") is not None)
    return GenerationResult(
        drafted=drafted, proposed=proposed, kept=kept, removed=removed, reasons=_by_count(reasons),
        bad_markers=bad_markers, fallbacks=fallbacks, fallback_reasons=_by_count(fallback_reasons),
        stopped=stopped, generators=tuple(sorted(generators)),
    )
