"""A triage decision: the reply kind, its reason (a red-flag id or decision type) and who decided."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qa.reasons import GateReason

GateKind = Literal["urgent", "decline", "abstain"]
DecidedBy = Literal["rules", "model"]


@dataclass(frozen=True)
class Gate:
    """A gate that fired: the reply kind and a short machine-readable reason."""

    kind: GateKind
    reason: GateReason
    by: DecidedBy = "rules"
    score: float = 1.0
