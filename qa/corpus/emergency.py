"""Emergency symptoms go to the emergency number: flag text that sends them only to the care team.

`urgent-warning-signs.md` sends chest pain, sudden breathlessness, a sudden severe headache, any
head injury and blood in vomit or stool to the emergency number or department. A reader follows
the mildest instruction they are given, so no sentence may send these signs to the care team, GP
or nurse instead (audit 2026-12, row 1: "Call your care team too for a bad headache, chest pain or
shortness of breath").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.corpus.text import CheckedSection, Issue

# Each sign the library treats as an emergency. Breathlessness counts when it is sudden, severe or
# "trouble breathing": breathlessness with tiredness is a sign of anaemia that goes to the team.
SYMPTOMS: dict[str, re.Pattern[str]] = {name: re.compile(p, re.I) for name, p in {
    "chest pain": r"\bchest (?:pain|tightness|pressure)\b|\bpain in (?:the|your) chest\b",
    "breathlessness": (r"\b(?:sudden|severe|new|bad)\W+(?:\w+\W+)?(?:shortness of breath|breathlessness)\b"
                       r"|\b(?:trouble|difficulty|struggling|hard to) breath(?:e|ing)\b|\bcan(?:no|')?t breathe\b"),
    "severe headache": (r"\b(?:sudden|severe|bad|very bad|worst|terrible|intense|thunderclap)\W+"
                        r"(?:(?:and|or)\W+)?(?:(?:sudden|severe|bad)\W+)?headaches?\b"),
    "head injury": (r"\bhead injur(?:y|ies)\b|\bhead (?:bumps?|knocks?|trauma)\b"
                    r"|\b(?:knock|bump|blow|bang|hit|fall|injury|whack)(?:s|ed)? (?:to|on) (?:the|your|their|his|her) head\b"
                    r"|\b(?:hits?|bangs?|bumps?|knocks?|banged|bumped|knocked) (?:your|their|his|her|the) head\b"),
    "blood in vomit or stool": (r"\bvomit(?:ing|s|ed)? (?:up )?blood\b|\bblood in (?:the |your )?(?:vomit|sick)\b"
                                r"|\bblood in (?:or on )?(?:the |your )?(?:urine or )?(?:stools?|poo|bowel movements?)\b"
                                r"|\bblack(?:,)? (?:tarry |sticky )?(?:stools?|poo)\b|\bbloody (?:stools?|poo|vomit)\b"
                                r"|\bstools? that (?:is|are|looks?) (?:black|tarry)|\bcoffee.grounds?\b"),
}.items()}
# Where the library sends emergencies.
EMERGENCY = re.compile(
    r"\bemergency (?:number|services|department|room|care|help|team|treatment)\b|\b(?:911|999|112)\b"
    r"|\bA&E\b|\bER\b|\bambulance\b|\baccident and emergency\b", re.I)
# Anywhere else: the care team, a doctor, GP or nurse, "see a doctor", NHS 111 or urgent care.
REFERRAL = re.compile(
    r"\b(?:call|phone|ring|contact|tell|ask|see|speak (?:to|with)|talk (?:to|with)|let|report \w+(?: \w+)? to|"
    r"get in touch with|check with)\s+(?:your|the|a)\s+(?:(?:ITP|care|medical|health ?care|hematology|"
    r"haematology|hospital|school|own)\s+)?(?:team|doctor|doctors|GP|nurse|nurses|hematologist|"
    r"haematologist|specialist|midwife|clinic)\b"
    r"|\b(?:see|visit) (?:a|your) (?:doctor|GP)\b|\bcheck(?:ed)? by (?:a|your) doctor\b"
    r"|\bget medical advice\b|\bneeds? a call to\b"
    r"|\b(?:call|phone|ring|use)\s+(?:NHS\s+)?111\b|\burgent care (?:service|centre|center|clinic)\b"
    r"|\bwalk-in (?:centre|center|clinic)\b", re.I)
# Said while the person is already in care (during the drip, on the ward after surgery), telling
# the nurse at hand is the right first step.
IN_CARE = re.compile(r"\bduring (?:the|your) (?:\w+ )?(?:drip|infusion|transfusion)\b|\bin hospital\b"
                     r"|\bafter (?:an? |the |your )?(?:surgery|operation)\b|\bon the ward\b", re.I)
_TOO = re.compile(r"\b(?:too|also|as well)\b", re.I)


def symptoms_in(text: str) -> set[str]:
    """The emergency signs a text names.

    >>> sorted(symptoms_in("Call your team for a bad headache or chest pain."))
    ['chest pain', 'severe headache']
    """
    return {name for name, rx in SYMPTOMS.items() if rx.search(text)}


def check_emergencies(sections: Sequence[CheckedSection]) -> list[Issue]:
    """Errors for statements that send an emergency sign anywhere but the emergency number.

    A statement (a sentence, or a list item read with its lead-in) that names an emergency sign and
    a care-team or doctor referral, and no emergency instruction, is an error. Exceptions: it
    says "too"/"also" after an emergency instruction for the same signs earlier in the section
    ("Tell your team too"), or it is about the time the person is in care (during the drip).

    A section that names an emergency sign and refers readers to the team, but gives no
    emergency instruction anywhere, gets a warning: the sign and the referral may be in
    different sentences ("...black stools." then "Tell your care team about any bleeding signs").
    """
    issues = []
    for sec in sections:
        covered: set[str] = set()  # signs an emergency instruction so far in this section names
        for unit in sec.units:
            signs = symptoms_in(unit.text)
            if EMERGENCY.search(unit.text):
                covered |= signs
                continue
            if not signs or not REFERRAL.search(unit.text):
                continue
            if _TOO.search(unit.text) and signs <= covered:
                continue
            if IN_CARE.search(unit.text) or IN_CARE.search(sec.heading):
                continue
            issues.append(Issue(sec.doc, "error", (
                f"section '{sec.heading}' sends {', '.join(sorted(signs))} to the care team, not the "
                f"emergency number (urgent-warning-signs.md): \"{unit.text}\"")))
        text = sec.text
        signs = symptoms_in(text)
        flagged = any(i.doc == sec.doc and f"section '{sec.heading}'" in i.message for i in issues)
        if signs and REFERRAL.search(text) and not EMERGENCY.search(text) and not flagged \
                and not IN_CARE.search(sec.heading):
            issues.append(Issue(sec.doc, "warning", (
                f"section '{sec.heading}' names {', '.join(sorted(signs))} and refers readers to the "
                "care team, with no emergency instruction: check that the sign is sent to the "
                "emergency number")))
    return issues
