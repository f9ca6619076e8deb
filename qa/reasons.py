"""Why a reply took its path: the closed set of reasons, checked by mypy and by the red-flag table.

Urgent reasons are the red-flag ids of `qa/understanding/triage/red_flags.yaml` (a test holds the two equal);
abstain reasons are the personal-decision types; decline reasons say what was declined.
"""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

RedFlagId = Literal[
    "head_injury",
    "stroke_signs",
    "severe_headache",
    "gi_bleeding",
    "urine_blood",
    "bleeding_wont_stop",
    "mouth_blisters_purpura",
    "very_low_count",
    "abdominal_trauma",
    "chest_breathing",
    "clot_signs",
    "fever_no_spleen",
    "pregnancy_emergency",
    "shock_signs",
    "infusion_reaction",
]
AbstainReason = Literal[
    "dose", "stop_or_change", "procedure_at_count", "treatment_choice", "other_prescriber"
]
DeclineReason = Literal["prompt_injection", "task", "off_topic", "empty_input", "too_long"]
GateReason = RedFlagId | AbstainReason | DeclineReason
# The answer path: "" for an answer, "not_in_sources" when the library has nothing on it.
Reason = GateReason | Literal["", "not_in_sources"]

RED_FLAG_IDS: tuple[RedFlagId, ...] = get_args(RedFlagId)
ABSTAIN_REASONS: tuple[AbstainReason, ...] = get_args(AbstainReason)
DECLINE_REASONS: tuple[DeclineReason, ...] = get_args(DeclineReason)


def is_red_flag(reason: str) -> TypeGuard[RedFlagId]:
    """Is `reason` a red-flag id?"""
    return reason in RED_FLAG_IDS


def is_abstain(reason: str) -> TypeGuard[AbstainReason]:
    """Is `reason` a personal-decision type?"""
    return reason in ABSTAIN_REASONS


def is_decline(reason: str) -> TypeGuard[DeclineReason]:
    """Is `reason` a decline reason?"""
    return reason in DECLINE_REASONS
