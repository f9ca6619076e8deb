"""What the eval scores: a reply as observed (from an `ask()` object or a JSON replies file).

Replies file format (JSON, UTF-8):

    {
      "meta": {"producer": "my-llm-deployment", "corpus_fingerprint": "..."},   # optional
      "replies": {
        "<case id>": {                       # the final reply, or a list of replies (one per
          "text": "...",                     #   turn; the last one is scored)
          "kind": "answer",                  # answer | urgent | decline | abstain
          "citations": [{"n": 1, "doc_id": "ivig", "section": "...", "text": "<passage>",
                         "title": "..."}],   # optional; `Reply.to_dict()` output works as is
          "answer": "...",                   # optional: the body without sources/disclaimer
          "question": "...", "reason": "...",# optional
          "latency_ms": 812.5,               # optional
          "retrieved": ["ivig#Side effects", "ivig"],  # optional ranked "doc-id#section" list
          "draft_info": {"generator": "openai:x", "proposed": 5, "kept": 3, "removed": 2,
                         "reasons": {"uncited": 2}, "fallback": null}   # optional: how an LLM
        }                                    #   drafted it (`Reply.draft_info`)
      }
    }

The top-level object may also be the `replies` mapping itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics.generation import check_info
from eval.metrics.safety import KINDS

_SOURCES = re.compile(r"\n\s*Sources:\s*\n.*\Z", re.S)


class RepliesError(ValueError):
    """A replies file (or an object's reply) does not follow the documented format."""


@dataclass(frozen=True)
class CitedSource:
    """A returned source, as far as the eval needs it."""

    n: int
    doc_id: str = ""
    title: str = ""
    section: str = ""
    text: str = ""


@dataclass(frozen=True)
class Observed:
    """One reply as the eval sees it."""

    text: str
    kind: str
    citations: tuple[CitedSource, ...] = ()
    answer: str = ""
    question: str = ""
    reason: str = ""
    latency_ms: float | None = None
    retrieved: tuple[str, ...] | None = None  # ranked "doc-id#section", None when unknown
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # "draft_info" when given

    def body(self, disclaimer: str = "") -> str:
        """The reply without source list and disclaimer (`answer` when the producer gave it)."""
        if self.answer:
            return self.answer
        text = self.text.replace(disclaimer, "") if disclaimer else self.text
        return _SOURCES.sub("", text).strip()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        d["citations"] = [asdict(c) for c in self.citations]
        d["retrieved"] = list(self.retrieved) if self.retrieved is not None else None
        if "draft_info" in self.extra:
            d["draft_info"] = self.extra["draft_info"]
        return d


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def observe(reply: Any, where: str = "reply", latency_ms: float | None = None) -> Observed:
    """Read a reply from an `Assistant.ask` result (a `Reply`), any look-alike, or a dict.

    Args:
        reply: an object or mapping with `text`, `kind` and optionally `citations`, `answer`,
            `question`, `reason`, `latency_ms`, `retrieved`, `draft_info` (kept in `extra`
            when not empty).
        where: names the reply in error messages.
        latency_ms: the measured time, overriding any in the reply.
    Raises:
        RepliesError: when `text` or `kind` is missing or wrong, or another field is malformed.
    """
    text = _get(reply, "text")
    if not isinstance(text, str):
        raise RepliesError(f"{where}: 'text' must be a string, got {type(text).__name__}")
    kind = _get(reply, "kind")
    if kind not in KINDS:
        raise RepliesError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    raw_citations = _get(reply, "citations") or []
    if not isinstance(raw_citations, Sequence) or isinstance(raw_citations, str):
        raise RepliesError(f"{where}: 'citations' must be a list")
    citations = []
    for i, c in enumerate(raw_citations):
        n = _get(c, "n")
        if isinstance(n, bool) or not isinstance(n, int):
            raise RepliesError(f"{where}: citations[{i}].n must be an integer, got {n!r}")
        fields = {k: _get(c, k, "") for k in ("doc_id", "title", "section", "text")}
        for k, v in fields.items():
            if not isinstance(v, str):
                raise RepliesError(f"{where}: citations[{i}].{k} must be a string")
        citations.append(CitedSource(n=n, **fields))
    strings = {k: _get(reply, k, "") or "" for k in ("answer", "question", "reason")}
    for k, v in strings.items():
        if not isinstance(v, str):
            raise RepliesError(f"{where}: '{k}' must be a string")
    if latency_ms is None:
        latency_ms = _get(reply, "latency_ms")
        if latency_ms is not None and (isinstance(latency_ms, bool) or not isinstance(latency_ms, (int, float))
                                       or latency_ms < 0):
            raise RepliesError(f"{where}: 'latency_ms' must be a non-negative number")
    retrieved = _get(reply, "retrieved")
    if retrieved is not None:
        if isinstance(retrieved, str) or not isinstance(retrieved, Sequence) or not all(
            isinstance(r, str) for r in retrieved
        ):
            raise RepliesError(f"{where}: 'retrieved' must be a list of 'doc-id#section' strings")
        retrieved = tuple(retrieved)
    draft_info = _get(reply, "draft_info")
    if draft_info is not None:
        try:
            check_info(draft_info)
        except ValueError as exc:
            raise RepliesError(f"{where}: {exc}") from None
    return Observed(
        text=text, kind=kind, citations=tuple(citations), answer=strings["answer"],
        question=strings["question"], reason=strings["reason"], latency_ms=latency_ms,
        retrieved=retrieved, extra={"draft_info": dict(draft_info)} if draft_info else {},
    )


def load_replies(path: str | Path) -> tuple[dict[str, list[Observed]], dict[str, Any]]:
    """Read a replies file.

    Returns:
        (per case id the list of replies, one per turn or just the final one; the `meta` mapping)
    Raises:
        RepliesError: the file is missing, not JSON, or does not follow the format.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RepliesError(f"{path}: replies file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RepliesError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise RepliesError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise RepliesError(f"{path}: the top level must be a JSON object")
    meta: dict[str, Any] = {}
    if isinstance(data.get("replies"), dict):
        meta = data.get("meta") or {}
        if not isinstance(meta, dict):
            raise RepliesError(f"{path}: 'meta' must be an object")
        data = data["replies"]
    out: dict[str, list[Observed]] = {}
    for case_id, value in data.items():
        items = value if isinstance(value, list) else [value]
        if not items:
            raise RepliesError(f"{path}: case '{case_id}': the list of replies is empty")
        out[case_id] = [
            observe(item, f"{path}: case '{case_id}' reply {i + 1}") for i, item in enumerate(items)
        ]
    return out, meta


def dump_replies(replies: Mapping[str, Sequence[Observed]], path: str | Path,
                 meta: Mapping[str, Any] | None = None) -> Path:
    """Write replies in the format `load_replies` reads (one list of turn replies per case)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"meta": dict(meta or {}),
            "replies": {cid: [o.to_dict() for o in obs] for cid, obs in replies.items()}}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return path
