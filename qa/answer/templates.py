"""Fixed wording for replies that do not come from the sources (urgent, decline, abstain, errors)."""

from __future__ import annotations

from qa.reasons import AbstainReason, DeclineReason, GateReason, is_abstain

URGENT_LEAD = (
    "This could be an emergency. Call {number} or go to the nearest emergency department now. "
    "Do not wait for an appointment. Tell them you have ITP and, if you know it, your latest "
    "platelet count."
)
URGENT_CONTEXT = "While you get help, here is what our sources say:"

DECLINE_OFF_TOPIC = (
    "Sorry, I can only help with questions about ITP (immune thrombocytopenia) and low platelet "
    "counts. You can ask me about signs, tests, treatments and medicines to avoid. You can also "
    "ask about pregnancy, children with ITP, or when to get urgent help."
)
DECLINE_INJECTION = (
    "I can't change how I work or share my set-up. I can answer questions about ITP (immune "
    "thrombocytopenia): its symptoms, tests, treatments and day-to-day life."
)
DECLINE_TASK = (
    "Sorry, I can't help with that. I only answer questions about ITP (immune thrombocytopenia), "
    "such as its symptoms, tests, treatments and day-to-day life."
)

ABSTAIN_PERSONAL: dict[AbstainReason, str] = {
    "dose": (
        "I can't advise on a personal dose. The right dose depends on you, your weight, your "
        "platelet count and your other medicines, so please ask your hematology team or the "
        "doctor who prescribed it. Never give one person's medicine to someone else."
    ),
    "stop_or_change": (
        "Please don't stop or change a medicine without talking to the doctor who prescribed it. "
        "I can't advise on this for you personally. Your hematology team can tell you what is "
        "safe, and some medicines must be reduced slowly."
    ),
    "procedure_at_count": (
        "Whether a procedure or a birth plan is safe at a particular count is a decision for your "
        "hematology team together with the team doing it. I can't make it for you. "
        "Ask them what count they want and whether treatment beforehand is needed."
    ),
    "treatment_choice": (
        "I can't choose a treatment for you personally. Your hematology team knows your history "
        "and counts, so please ask them. It helps to write your questions down before you talk "
        "to them."
    ),
    "other_prescriber": (
        "Whether to take a medicine another doctor prescribed is a question for that doctor and "
        "your hematology team together, so that both know about your ITP. I can't decide it for "
        "you. A pharmacist can also check it against your other medicines."
    ),
}


def abstain_lead(reason: GateReason) -> str:
    """The referral that leads an abstain reply (a reason that is no decision type: the general one)."""
    return ABSTAIN_PERSONAL[reason if is_abstain(reason) else "treatment_choice"]


def decline_text(reason: DeclineReason) -> str:
    """What a decline reply says for `reason`."""
    special: dict[DeclineReason, str] = {"prompt_injection": DECLINE_INJECTION, "task": DECLINE_TASK}
    return special.get(reason, DECLINE_OFF_TOPIC)


ABSTAIN_CONTEXT = "Some general information from our sources:"
NOT_IN_SOURCES = (
    "I couldn't find an answer to that in my ITP sources, so I don't want to guess. Please ask "
    "your hematology team. You could also try asking in a different way."
)

EMPTY_INPUT = "Please type a question about ITP, for example: \"What is ITP?\""
TOO_LONG = (
    "Your message is too long for me ({length:,} characters). Please shorten it to under "
    "{limit:,} characters and ask one question at a time."
)
BAD_HISTORY = (
    "I couldn't read the earlier conversation, so I answered your last message on its own."
)
INTERNAL_ERROR = (
    "Sorry, something went wrong on my side and I couldn't answer. Please try again in a moment. "
    "If you feel unwell or are bleeding, contact your care team or emergency services."
)
