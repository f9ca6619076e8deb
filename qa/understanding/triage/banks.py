"""The labelled example banks (`qa/understanding/triage/banks/*.yaml`) and their fixed train/validation split."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from qa.reasons import (
    ABSTAIN_REASONS,
    RED_FLAG_IDS,
    DeclineReason,
    GateReason,
    is_abstain,
    is_red_flag,
)

BANK_DIR = Path(__file__).with_name("banks")
Kind = Literal["urgent", "abstain", "decline"]
KINDS: tuple[Kind, ...] = ("urgent", "abstain", "decline")
Split = Literal["train", "validation"]
SPLIT_SEED = (
    "itpqa-triage-2026-12"  # fixed once; changing it would leak validation rows into fitting
)
VALIDATION_SHARE = 0.20
# The groups each kind's banks may use: urgent groups are red-flag ids, abstain groups decision
# types, decline groups the decline bank's categories (`DECLINE_REASON` says what each replies).
DECLINE_REASON: dict[str, DeclineReason] = {
    "injection": "prompt_injection",
    "task": "task",
    "off_topic": "off_topic",
    "other_medical": "off_topic",
    "short_follow_up": "off_topic",  # near-misses only ("how is it given?"): never a decline reason
}
GROUPS: dict[Kind, tuple[str, ...]] = {
    "urgent": RED_FLAG_IDS,
    "abstain": ABSTAIN_REASONS,
    "decline": tuple(DECLINE_REASON),
}


class BankError(ValueError):
    """A bank file that cannot be read: the message names the file and the row."""


@dataclass(frozen=True)
class Example:
    """One labelled message: `positive` means it must get `kind`; negatives are its near-misses."""

    text: str
    kind: Kind
    group: str  # red-flag id (urgent), decision type (abstain) or category (decline)
    positive: bool
    history: tuple[str, ...] = ()
    source: str = ""  # the bank file

    @property
    def split(self) -> Split:
        """Train or validation, by a seeded hash of the text: fixed, whatever order rows are in."""
        return split_of(self.text)


def split_of(text: str) -> Split:
    """The split a message belongs to (20% validation), stable across runs and machines."""
    digest = hashlib.sha256(f"{SPLIT_SEED}\x00{_norm(text)}".encode()).digest()
    return "validation" if int.from_bytes(digest[:4], "big") / 2**32 < VALIDATION_SHARE else "train"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _rows(value: object, where: str) -> Iterable[tuple[str, tuple[str, ...]]]:
    if not isinstance(value, list):
        raise BankError(f"{where}: expected a list of messages")
    for i, item in enumerate(value):
        if isinstance(item, str):
            text, history = item, ()
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            raw = item.get("history") or []
            if not isinstance(raw, list) or not all(isinstance(h, str) for h in raw):
                raise BankError(f"{where}[{i}]: history must be a list of strings")
            text, history = item["text"], tuple(raw)
        else:
            raise BankError(f"{where}[{i}]: expected a string or {{text, history}}")
        if text.strip():
            yield text.strip(), history


def load_file(path: Path) -> list[Example]:
    """The examples of one bank file (see the header of any file in `qa/understanding/triage/banks/`)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BankError(f"{path.name}: not valid YAML ({exc})") from None
    if (
        not isinstance(data, dict)
        or data.get("kind") not in KINDS
        or not isinstance(data.get("groups"), dict)
    ):
        raise BankError(f"{path.name}: needs `kind` ({', '.join(KINDS)}) and `groups`")
    kind: Kind = data["kind"]
    out: list[Example] = []
    for group, parts in data["groups"].items():
        if group not in GROUPS[kind]:
            raise BankError(
                f"{path.name}: unknown {kind} group {group!r} (one of: {', '.join(GROUPS[kind])})"
            )
        if not isinstance(parts, dict):
            raise BankError(f"{path.name}: group {group!r} needs `positive` and `negative` lists")
        for label in ("positive", "negative"):
            for text, history in _rows(parts.get(label) or [], f"{path.name}:{group}.{label}"):
                out.append(Example(text, kind, str(group), label == "positive", history, path.name))
    return out


def load_banks(directory: Path = BANK_DIR) -> list[Example]:
    """Every example in `directory`, duplicates (same text, kind and label) kept once."""
    return list(_load(str(directory)))


@lru_cache(maxsize=4)
def _load(directory: str) -> tuple[Example, ...]:
    seen: set[tuple[str, str, bool]] = set()
    out: list[Example] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        for ex in load_file(path):
            key = (_norm(ex.text), ex.kind, ex.positive)
            if key not in seen:
                seen.add(key)
                out.append(ex)
    return tuple(out)


def content_hash(examples: Sequence[Example], extra: Iterable[str] = ()) -> str:
    """A hash of everything a fitted model depends on (cache key for its weights)."""
    h = hashlib.sha256(SPLIT_SEED.encode())
    for ex in examples:
        h.update(f"{ex.kind}|{ex.group}|{ex.positive}|{ex.text}|{'|'.join(ex.history)}\n".encode())
    for item in extra:
        h.update(item.encode() + b"\n")
    return h.hexdigest()[:16]


def reason_of(kind: Kind, group: str) -> GateReason:
    """The reply reason for a bank group (groups are checked when a bank is read)."""
    if kind == "decline":
        return DECLINE_REASON.get(group, "off_topic")
    if is_red_flag(group) or is_abstain(group):
        return group
    raise BankError(f"unknown {kind} group {group!r}")
