"""Who a question is about (a child, a teenager, a pregnancy) and who a passage is written for."""

from __future__ import annotations

import re
from typing import Literal

Audience = Literal["child", "teen", "pregnancy"]

# A stated age, not a duration: "7yo", "a 7-year-old", "7 years old", "aged 7", "she is 7 years";
# "diagnosed 2 years ago" and "for 3 years" are not ages.
_AGE = re.compile(
    r"\b(?:(\d{1,2})\s*(?:yo|y/o)\b"
    r"|(\d{1,2})\s*(?:-|\s)?\s*(?:yrs?|years?)\s*-?\s*old\b"
    r"|aged?\s+(\d{1,2})\b(?!\s*(?:%|/|\.\d|x\b|weeks?|months?|days?))"
    r"|(?:is|am|turned|turning|(?:he|she|i)['\u2019]?s|i['\u2019]?m)\s+(\d{1,2})\s*(?:yrs?|years?)\b"
    r"(?!\s+(?:ago|since|now|of|later|before|after|back|on|in)\b))",
    re.I,
)
_WORDS: dict[Audience, re.Pattern[str]] = {
    "pregnancy": re.compile(r"\b(pregnan\w*|expecting a baby|weeks? along|trimester|due date|"
                            r"labou?r|giving birth|birth plan|newborn|breastfe\w*)\b", re.I),
    "teen": re.compile(r"\b(teen\w*|adolescen\w*|secondary school|high school|gcses?|prom|"
                       r"university|college|learner driver)\b", re.I),
    "child": re.compile(r"\b(child|children|kids?|son|daughter|toddler|baby|babies|infant|"
                        r"nursery|preschool|primary school|year-old|yr old|boy|girl|grandson|"
                        r"granddaughter|paediatric|pediatric)\b", re.I),
}
_PASSAGE: dict[Audience, re.Pattern[str]] = {
    "pregnancy": re.compile(r"\b(pregnan\w*|labou?r|birth|newborn|breastfe\w*)\b", re.I),
    "teen": re.compile(r"\b(teen\w*|adolescen\w*)\b", re.I),
    "child": re.compile(r"\b(child|children|kids?|paediatric|pediatric)\b", re.I),
}


def asked_for(question: str) -> Audience | None:
    """The audience a question is about, if it says (a stated age decides: child, teen or adult)."""
    if _WORDS["pregnancy"].search(question):
        return "pregnancy"
    ages = [int(next(g for g in m.groups() if g)) for m in _AGE.finditer(question)]
    if ages:
        youngest = min(ages)
        if youngest < 13:
            return "child"
        if youngest < 19:
            return "teen"
        return None  # only adults' ages: "my son is 25" is about an adult, whatever the word
    if _WORDS["teen"].search(question):
        return "teen"
    if _WORDS["child"].search(question):
        return "child"
    return None


def of_conversation(history) -> Audience | None:
    """The audience the conversation's latest user turns were about (follow-ups inherit it)."""
    for turn in reversed(list(history or [])):
        if isinstance(turn, dict) and turn.get("role") == "user":
            found = asked_for(str(turn.get("content") or ""))
            if found:
                return found
    return None


def written_for(title: str, section: str) -> set[Audience]:
    """The audiences a passage's title and heading name."""
    text = f"{title} {section}"
    return {a for a, rx in _PASSAGE.items() if rx.search(text)}


def match(question_audience: Audience | None, passage_audiences: set[Audience]) -> float:
    """1 when the passage is for who is asking, -1 when it is for someone else, else 0."""
    if question_audience is None or not passage_audiences:
        return 0.0
    return 1.0 if question_audience in passage_audiences else -1.0
