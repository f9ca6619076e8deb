"""Triage rules: patterns that need no model or index (the floor under the learned detector).

Urgent reasons are red-flag ids of `qa/understanding/triage/red_flags.yaml`; abstain reasons are the decision
types of the personal-decision bank; decline reasons are prompt_injection, task and off_topic.
"""

from __future__ import annotations

import re

from qa.reasons import AbstainReason, DeclineReason, RedFlagId
from qa.understanding.lexicon import find_mentions, has_domain_word
from qa.understanding.triage.gate import Gate


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.I)


# --- urgent --------------------------------------------------------------------------------------
# Each pattern is a sign that needs emergency care now when it is happening to someone.
_URGENT_SIGNS: dict[RedFlagId, re.Pattern[str]] = {
    "head_injury": _rx(
        r"\b(hit|hits|hitting|bang(ed)?|bump(ed)?|knock(ed)?|smack(ed)?|struck|whack(ed)?|injur(ed|y)|hurt)\b[^.?!]{0,40}\bhead\b",
        r"\bhead\b[^.?!]{0,20}\b(injury|injuries|trauma|knock|bump|bang|wound)\b",
        r"\bfell\b[^.?!]{0,40}\b(head|hit|banged|bumped)\b", r"\bfell (off|down)\b[^.?!]{0,40}\bhead\b",
        r"\b(fell|fall|fallen|crashed|crash|accident|knocked)\b[^?!]{0,100}\b(sleepy|drowsy|confused|vomit\w*|throwing up|threw up|headache|won'?t wake)\b",
        r"\bconcussion\b", r"\bcar (crash|accident)\b", r"\bserious (fall|accident)\b",
    ),
    "severe_headache": _rx(
        r"\b(worst|severe|sudden|terrible|awful|excruciating|unbearable|really bad|very bad|thunderclap|splitting|crushing)\s+(\w+\s+)?head\s?aches?\b",
        r"\bhead\s?aches?\b[^.?!]{0,40}\b(worst|severe|sudden|won't go|wont go|vomit|throwing up|stiff neck|confus)",
    ),
    "stroke_signs": _rx(
        r"\b(disoriented|can'?t wake|hard to wake|won'?t wake|unresponsive|unconscious|passed out|passing out|fainted|collapsed)\b",
        # "I'm confused about my results" is not a symptom; "he seems confused" is.
        r"\b(is|seems|seemed|became|becoming|getting|got|gone|went|suddenly|very|really|feel|feels|feeling|acting|looks)\s+(\w+\s+)?(confused|muddled)\b(?!\s+(about|by|with|as to|why|what|how|whether))",
        r"\b(sudden|new)\s+confusion\b",
        r"\b(slurred|slurring)\b", r"\b(trouble|difficulty|can'?t|cannot)\s+(speak|speaking|talk|talking)\b",
        r"\b(blurred|blurry|double|lost|losing|loss of)\s+((the|my|his|her|their)\s+)?(vision|sight)\b", r"\bvision\s+(change|changes|changed|loss|problems?|went|is going)\b",
        r"\b(vision|eyesight|sight)\b[^.?!]{0,25}\b(blurry|blurred|double|dark|dim|gone|went)\b",
        r"\b(arm|leg|face|hand|side)\b[^.?!]{0,20}\b(feels?|felt|is|went|gone|going)\s+(\w+\s+)?(weak|numb|limp|dead)\b",
        r"\bcan'?t see\b", r"\bseeing double\b", r"\b(seizure|seizures|fitting|convulsion|convulsions)\b",
        r"\b(face|mouth)\s+(is\s+)?droop", r"\b(weak|numb|weakness|numbness)\b[^.?!]{0,30}\b(one side|arm|leg|face)\b",
        r"\b(really|very|unusually|extremely|so|more|strangely|abnormally)\s+(sleepy|drowsy)\b", r"\b(drowsy|drowsiness)\b",
        r"\b(she'?s|he'?s|she is|he is|they'?re|seems?|seemed|became)\b[^.?!]{0,25}\bconfused\b(?!\s+(about|by|with|as to|why|what|how|whether))",
    ),
    "gi_bleeding": _rx(
        r"\b(vomit|vomiting|vomited|throw(ing)? up|threw up|thrown up|puking|puked|being sick|coughing up|coughed up)\b[^.?!]{0,25}\bblood\b",
        r"\bblood\b[^.?!]{0,15}\b(in|from)\b[^.?!]{0,10}\b(vomit|sick)\b",
        r"\bcoffee[- ]grounds?\b",
        r"\b(black|tarry|tar-like|maroon)\s+(\w+\s+)?(stools?|poo|poop|poos|bowel movements?)\b",
        r"\b(stools?|poo|poop|poos|diarrh?o?ea)\s+(is|are|was|were|looks?|looked|has been|have been|turned|went|came out)\s+(\w+\s+)?(black|tarry|bloody|red|maroon)\b",
        r"\b(blood|bleeding)\b[^.?!]{0,15}\b(in|from)\b[^.?!]{0,10}\b(stools?|poo|poop|bum|bottom|rectum|back passage)\b",
        r"\bbloody\s+(stools?|poo|poop|diarrh?o?ea)\b", r"\b(pooping|pooing|passing)\s+blood\b",
    ),
    "urine_blood": _rx(
        r"\b(blood|bleeding)\b[^.?!]{0,15}\b(in|from)\b[^.?!]{0,10}\b(urine|pee|wee|piss)\b",
        r"\b(urine|pee|wee)('s|s)?\s+(is|was|looks?|turned|has been|been|went|came out)\s+(\w+\s+)?(red|pink|bloody|brown|cola|dark)\b",
        r"\b(peeing|weeing|pissing)\s+blood\b", r"\b(red|pink|bloody)\s+(urine|pee)\b",
    ),
    "bleeding_wont_stop": _rx(
        r"\b(bleed\w*|blood|nosebleed|nose bleed|nose)\b[^.?!]{0,40}\b(won'?t|wont|will not|doesn'?t|does not|isn'?t|is not|can'?t|cannot|not)\s+(stop|stopping|slow|ease)\w*",
        # "the cut won't clot"; not ITP in lay words ("blood that doesn't clot well", "bleed, not clot")
        r"\b(bleed\w*|blood|nosebleed|nose bleed|nose|cut|wound)\b[^.?!]{0,40}\b(won'?t|wont|will not|isn'?t|is not)\s+clot\w*(?!\s+(as\s+)?(well|properly|normally|easily|right|as it should))",
        r"\b(can'?t|cannot|unable to)\s+(stop|control)\s+(the\s+|his\s+|her\s+|my\s+)?(bleed|blood)",
        r"\b(nosebleed|nose bleed|bleeding|bleed)\b[^.?!]{0,30}\b(for|over|more than|about|nearly|almost)\s+(\d+|an?|one|two|three|half an?)\s+(hours?|hrs?|minutes?|mins?)\b",
        r"\b(soak|soaking|soaked|filling|filled)\b[^.?!]{0,30}\b(pad|pads|tampon|tampons)\b[^.?!]{0,25}\b(every|each|an|in an|within)\s+(hour|hr)\b",
        r"\b(pouring|gushing|spurting)\b[^.?!]{0,20}\bblood\b", r"\bblood\b[^.?!]{0,20}\b(pouring|gushing|spurting)\b",
        r"\b(heavy|lots of|a lot of|massive|huge amounts? of)\s+(bleeding|blood)\b[^.?!]{0,40}\b(now|won'?t|can'?t|everywhere)\b",
        r"\bbleeding (heavily|badly|a lot)\b",
    ),
    "clot_signs": _rx(
        r"\b(swollen|swelling|painful)\b[^.?!]{0,20}\b(calf|leg)\b[^.?!]{0,40}\b(breath|chest)\b",
    ),
    "chest_breathing": _rx(
        r"\b(chest pain|can'?t breathe|cannot breathe|trouble breathing|short of breath|struggling to breathe|coughing up blood|coughed up blood)\b",
        # the same sign in other words: "pain in the chest", "my chest hurts"
        r"\bpains? in (the|my|his|her|their) chest\b", r"\b(my|his|her|their) chest (hurts|is hurting|really hurts|is so painful)\b",
    ),
    # Pregnancy (weeks, "pregnant", "expecting", a positive test, IVF) with bleeding going on now or the baby moving less.
    "pregnancy_emergency": _rx(
        r"\b(pregnant|expecting|positive (pregnancy )?test|ivf|embryo transfer|\d{1,2}\s*(weeks|wks|wk)\b(?!\s+ago))[^.?!]{0,80}\b(i'?m bleeding|i am bleeding|started bleeding|been bleeding|bleeding (heavily|a lot|like a period)|spotting|blood when i wipe)\b",
        r"\b(i'?m bleeding|i am bleeding|started bleeding|been bleeding|bleeding (heavily|a lot|like a period))\b[^.?!]{0,80}\b(pregnant|\d{1,2}\s*(weeks|wks|wk)\s+(pregnant|gone|along))\b",
        r"\b(baby|bump)\b[^.?!]{0,30}\b(not moving|hasn'?t moved|has not moved|moving less|moved less|stopped moving|less movement|fewer movements|not kicking|stopped kicking)\b",
        r"\b(fewer|less|reduced|no)\s+(baby\s+)?(movements|kicks|kicking)\b(?![^.?!]{0,20}\b(normal|mean)\b)",
    ),
    "fever_no_spleen": _rx(
        r"\b(fever|temperature|chills|shivering)\b[^.?!]{0,60}\b(no spleen|without a spleen|splenectomy|spleen (was )?removed|spleen out)\b",
        r"\b(no spleen|splenectomy|spleen\b[^.?!]{0,12}\b(removed|taken out|out))\b[^.?!]{0,60}\b(fever|temperature|chills|shivering)\b",
    ),
}
# Signs that are only urgent together with a very low count.
# Bleeding going on ("bleeding", "blood blisters"), not the word in a general question
# ("how likely is a brain bleed?").
_BLEEDING_NOW = _rx(
    r"\b(bleeding|blood blisters?|nosebleeds?|nose bleeds?|gums? (are )?bleeding|bloody|blood)\b"
)
# A number that measures something else is no count: "normal for 6 months", "count 2 days ago".
_NOT_A_COUNT = (r"(?!\s*(?:months?|weeks?|wks?|days?|years?|yrs?|hours?|hrs?|mins?|minutes?|times|"
                r"tablets?|pills?|doses?|mg|mcg|kg|kilos?|lbs?|y/?o|years? old|weeks? pregnant)\b)")
_COUNT = re.compile(
    r"\b(?:platelets?|plts?|count|counts|level)\b[^0-9.?!]{0,25}?(\d{1,3}(?:[.,]\d)?)\s*(k|000|,000)?\b"
    + _NOT_A_COUNT + r"|\b(\d{1,3})\s*(k|000|,000)?\s+platelets?\b",
    re.I,
)
# A count falling to a number: "dropped from 45 to 9", "went down to 12k".
_FALL = r"(?:dropped|fell|fallen|gone down|went down|crashed|plummeted|plunged)"
# Counts the rules also read (the learned detector's count feature reads `_COUNT` alone, as it
# was fitted and validated): "blood test said 3", a result read out; "dropped from 45 to 9 in a
# week", in this chat a fall to a number is the count's.
_READ_COUNTS = (
    re.compile(r"\b(?:blood tests?|bloods|results?|labs?|fbc|cbc)\s+(?:say|says|said|show|shows|showed|came back|was|were)\s+"
               r"(?:at\s+|as\s+|only\s+|just\s+)?(\d{1,3}(?:[.,]\d)?)\s*(k|000|,000)?\b" + _NOT_A_COUNT, re.I),
    re.compile(r"\b(?:" + _FALL + r"|dropping)\s+"
               r"(?:from\s+\d{1,3}(?:[.,]\d)?\s*(?:k|000|,000)?\s+)?to\s+(?:only\s+|just\s+)?(\d{1,3}(?:[.,]\d)?)\s*(k|000|,000)?\b"
               + _NOT_A_COUNT + r"(?![^.?!]{0,30}\b(?:degrees|°|stone|temperature|temp|fever)\b)", re.I),
)
# A fall to a number that measures something else ("her temperature went down to 37").
_OTHER_MEASURE = re.compile(r"\b(temperature|temp|fever|weight|weighs?|bp|blood pressure|oxygen|sats|sugar|glucose|haemoglobin|hemoglobin|hb)\b", re.I)
# Someone describing what is happening (not asking in general) — first/second/third person now.
_PERSONAL = _rx(
    r"\b(i|i'm|im|i've|ive|me|my|mine|we|we're|our|us)\b",
    r"\b(he|she|he's|she's|his|her|him|they're)\b",
    r"\b(son|daughter|child|kid|baby|toddler|husband|wife|partner|mum|mom|dad|father|mother|brother|sister|friend|patient|grandma|grandpa)\b",
    r"\b(right now|just now|currently|at the moment|this morning|tonight|today|yesterday|since)\b",
    # A count quoted with its lab unit is read off someone's own report ("platelets 8 x10^3/uL").
    r"\d\s*(?:x|×|\*)\s*10\s*(?:\^|\*\*)?\s*(?:3|9|³|⁹)\s*/\s*(?:u|µ|μ|mc)?l\b",
    r"\d\s*k\s*/\s*(?:u|µ|μ|mc)l\b",
    r"\b(?:results?|report|bloods?|blood tests?|labs?)\s+(?:say|says|said|show|shows|showed|came back)\b",
    # So is a fall to a number ("dropped from 45 to 9 in a week").
    r"\b" + _FALL + r"\s+(?:from\s+\d+\s*k?\s+)?to\s+\d",
)
_GENERAL_QUESTION = _rx(
    r"^\s*(what|which) (are|is) (the )?(signs?|symptoms?|warning signs?|emergency|emergencies)\b",
    r"^\s*(when|how do i know when|how do you know when)\s+(should|to|do)\b.*\b(emergency|a&e|er|hospital|doctor)\b",
    r"^\s*(can|could|does|do|is|are|why)\s+(itp|low platelets?|thrombocytopenia)\b",
)


def parse_count(text: str, *, stated_only: bool = False) -> float | None:
    """The lowest platelet count a message states, in ×10⁹/L (so "9k" and "9,000" are 9).

    Args:
        stated_only: only counts named as such ("count 9", "9 platelets"), not results read out
            or falls to a number (the learned detector's feature, as it was fitted).
    """
    found = [(m.group(1) or m.group(3), m.group(2) or m.group(4)) for m in _COUNT.finditer(text)]
    if not stated_only:
        for pattern in _READ_COUNTS:
            found += [(m.group(1), m.group(2)) for m in pattern.finditer(text)
                      if not _OTHER_MEASURE.search(text[max(0, m.start() - 40): m.start()])]
    values: list[float] = []
    for raw, unit in found:
        if raw is None:
            continue
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            continue
        if unit and value >= 1000:
            value /= 1000
        values.append(value)
    return min(values) if values else None


_NEGATED = re.compile(
    r"\b(?:no|not|without|never|none|nothing|isn'?t|aren'?t|wasn'?t|haven'?t|hasn'?t|hadn'?t|don'?t|doesn'?t|didn'?t)\b"
    r"(?:\s+(?:any|a|an|the|signs? of|more|real|obvious|other|active|serious|major|new|visible))*"
    r"(?:\s+\w+)?\s+(?:bleeding|bleeds?|blood|bruis\w*|headaches?|fever|symptoms?|vomiting|pain)\b",
    re.I,
)


def _drop_negated(text: str) -> str:
    """Remove negated signs ("no bleeding", "haven't had any headaches") before matching."""
    return _NEGATED.sub(" ", text)


# --- not now: a sign that is planned for or long over ----------------------------------------------
# "if she ever bumps her head", "what to do in case he hits his head", "two years ago he hit his
# head, the scan was clear": the sign is named but nothing is happening. Such a message is read
# as a question only when nothing in it is recent and no other symptom is named; any recent word
# or symptom keeps it urgent ("he hit his head last month and today he's being sick"), and so
# does a past tense after "if" ("should I go to A&E if she bumped her head?" may be telling).
_HYPOTHETICAL = _rx(
    r"\b(in case|incase|whenever|ever|were to|happens? to)\b",
    r"\b(what|how)\s+(do|should|would|could|can|will)\s+(i|we|you|they|the school|teachers?|staff)\s+(\w+\s+)?(do|know|handle|deal with|react)\b[^.?!]{0,10}\b(if|when|after)\b",
    r"\bwhat happens\s+(if|when)\b", r"\bwhat if\b",
    r"\b(what|how) to (do|handle|deal with|react|know)\b[^.?!]{0,10}\b(if|when|after)\b",
    r"\b(if|when|after)\s+(he|she|someone|somebody|a person|a child|my \w+|your \w+|our \w+)\s+(\w+\s+)?(hits|bumps|bangs|knocks|falls|gets|has|starts|develops|vomits|coughs)\b",
    r"\b(if|when|after)\s+(i|we|they|you|people|kids|children)\s+(\w+\s+)?(hit|bump|bang|knock|fall|get|have|start|develop|vomit|cough)\b",
    r"\b(care plan|emergency card|school (letter|note|form)|an? (letter|note|form) (for|to))\b",
    # "could bang your head"; not "might have hit", nor "could be nothing, but" (minimising)
    r"\b(could|might|may|would)\s+(?!have\b|'ve\b)(\w+\s+)?(hit|bang|bump|knock|fall)\b",
)
_LONG_AGO = _rx(
    r"\b(\d+|two|three|four|five|six|seven|eight|nine|ten|several|a few|a couple of|couple of|many)\s+(weeks|months|years|yrs)\s+ago\b",
    r"\ban?\s+(month|year)\s+ago\b", r"\byears ago\b",
    r"\blast (month|year|summer|spring|autumn|fall|winter|christmas|easter|term|season)\b",
    r"\bback in\b", r"\bin (january|february|march|april|june|july|august|september|october|november|december)\b",
    r"\bwhen (i|he|she|we|they) (was|were) (little|small|a baby|a toddler|younger|a kid|a child|at school)\b",
    r"\bas a (child|kid|baby|toddler|teenager)\b", r"\b(dream|dreamt|dreamed|nightmare)\b",
    r"\bin (19|20)\d\d\b", r"\bwhen (i|he|she|we|they) (was|were) (\d+|a teen\w*)\b",
    r"\bnothing('?s| is)\s+(happening|going on|wrong)\b",
)
# "she's fine now", "I'm well now" say it is over; "now" alone may be telling it is happening.
_OVER_NOW = _rx(r"\b(fine|well|ok|okay|better|recovered|normal|all clear|good)\s+now\b",
                r"\bnow (that )?(she|he|i|they)('s| is| has| was|'m| am| have)( been)? diagnosed\b")
_RECENT = _rx(
    r"\b(today|tonight|now|right now|currently|since|started|starting|ongoing|at the moment)\b",
    r"\bjust\s+(now|\w+ed|hit|fell|fallen|had|got|been|happened|came|went|threw|woke|found|saw|bit)\b",
    r"\bthis (morning|afternoon|evening|week)\b", r"\blast night\b", r"\byesterday\b", r"\bearlier\b",
    r"\b(an?|one|two|few|couple of|\d+)\s+(hours?|hrs?|minutes?|mins?|days?)\s+ago\b",
    r"\b(has|have|'s|'ve)\s+been\s+\w+ing\b", r"\bfor (the )?(last|past)\b",
    r"\b(is|are|'s|'re|am|'m)\s+(still\s+)?(bleeding|vomiting|being sick|throwing up|coughing|bruising|fitting)\b",
)
_SYMPTOM = _rx(
    r"\b(headache|sick|vomit\w*|throw(ing)? up|threw up|sleepy|drowsy|confus\w*|dizzy|faint\w*|swollen|swelling|lump|pain|hurts?|bleeding|bleeds|blood)\b",
)


# A past time that dates the context, not the sign: "diagnosed in 2019", "spleen out in 2015".
_CONTEXT_TIME = _rx(
    r"\b(diagnosed|diagnosis|splenectomy|spleen\s+(was\s+)?(removed|taken out|out)|had (my|his|her|their) spleen (out|removed))\b[^.?!,;]{0,30}",
)


# Where one clause ends: "in case it matters, he hit his head" tells; "in case he hits his head" plans.
_CLAUSE_BREAK = re.compile(r"[.?!;:,]|\s[-–—]\s|\b(?:but|and|so|then|because)\b", re.I)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the clause around text[start:end]."""
    before = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)]
    after = _CLAUSE_BREAK.search(text, end)
    return (before[-1] if before else 0), (after.start() if after else len(text))


def _not_now(text: str, match: re.Match[str]) -> bool:
    """Is the sign `match` found planned for or long over, with nothing in `text` going on now?

    Recent words and other symptoms are looked for in the whole message; the plan or the past
    time must be in the sign's own clause ("his count was 12 three weeks ago and he banged his
    head" tells of a knock now). The sign's own words are left out of the look for a symptom
    ("blood" in "he vomited blood two years ago" is the sign, not a new symptom).
    """
    if _RECENT.search(_OVER_NOW.sub(" ", text)) or _SYMPTOM.search(text[: match.start()] + " " + text[match.end():]):
        return False
    start, end = _clause(text, match.start(), match.end())
    return bool(_HYPOTHETICAL.search(text[start: match.end()])
                or _LONG_AGO.search(_CONTEXT_TIME.sub(" ", text[start: max(end, match.end())])))


def urgent_reason(text: str) -> RedFlagId | None:
    """Why `text` describes an emergency now, or None.

    Args:
        text: the user's message (any length).
    Returns:
        The reason (e.g. "head_injury") or None. General questions about warning signs
        ("what are the warning signs?") are not emergencies; descriptions are.
    """
    text = _drop_negated(text)
    personal = bool(_PERSONAL.search(text))
    general = bool(_GENERAL_QUESTION.search(text))
    for reason, pattern in _URGENT_SIGNS.items():
        if any(not _not_now(text, m) for m in pattern.finditer(text)) and (personal or not general):
            if not personal and reason in ("gi_bleeding", "urine_blood", "stroke_signs"):
                continue  # "does ITP cause blood in urine?" is a question, not an event
            return reason
    count = parse_count(text)
    if count is not None and count < 20 and personal and _BLISTERS.search(text):
        return "mouth_blisters_purpura"
    if count is not None and count < 20 and personal and _BLEEDING_NOW.search(text):
        return "very_low_count"
    if count is not None and count < 10 and personal and not _PAST.search(text):
        return "very_low_count"
    return None


# "when I was diagnosed it was 7, now it's 90": a low count in the past is not an emergency now.
_PAST = _rx(
    r"\b(years? ago|months? ago|last (year|month)|when (i|he|she|we) (was|were) diagnosed|at diagnosis|used to be|back then|in the past|was once)\b",
)


_BLISTERS = _rx(r"\b(blood blisters?|wet purpura|blisters? (in|inside) (my|his|her|the) mouth)\b")


# --- decline -------------------------------------------------------------------------------------
_INJECTION = _rx(
    r"\b(ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}\b(instructions?|rules?|prompts?|guidelines?|directions|programming|everything above|all above|the above|previous)\b",
    r"\b(system|hidden|initial|original|developer)\s+(prompt|message|instructions?)\b",
    r"\b(reveal|show|print|repeat|output|tell me|display|leak|dump)\b[^.?!]{0,30}\b(your|the)\s+(prompt|instructions?|configuration|config|settings|rules|system)\b",
    r"\byou are now\b", r"\bpretend (to be|you are|you're)\b", r"\b(jailbreak|jail break|dan mode|developer mode|god mode)\b",
    r"\bact as (a|an|my)\b(?![^.?!]{0,20}\b(nurse|hematologist|haematologist|doctor)\b)",
    r"\bfrom now on\b[^.?!]{0,40}\b(you|answer|respond)\b", r"\bnew (instructions|rules)\b",
    r"</?(system|assistant|instructions?)>", r"\[\s*(system|inst)\s*\]",
)
_TASKS = _rx(
    r"^\s*(please\s+)?(write|compose|create|generate|make)\s+(me\s+)?(a|an|some)\s+(poem|story|song|joke|essay|limerick|haiku|rap|novel|script|program|code|function|letter to my boss|cover letter)\b",
    r"\b(tell me a joke|translate (this|the following)|solve (this|the) (equation|problem)|homework|python|javascript|sql query)\b",
    r"\btranslate\b[^.?!]{0,60}\b(into|to)\s+(english|german|french|spanish|italian|chinese|arabic|japanese|polish|dutch|portuguese|russian|hindi)\b",
)
_OFF_TOPIC = _rx(
    r"\b(stocks?|crypto|bitcoin|invest(ing|ment)?|mortgage|lottery|casino|betting|forex)\b",
    r"\b(weather|forecast)\b", r"\b(recipe|bake|cook)\b(?![^.?!]{0,40}\b(platelet|itp)\b)",
    r"\b(world cup|premier league|super bowl|nba|election|president|prime minister|celebrity)\b",
    r"\b(capital of|population of|who invented|meaning of life)\b",
)


def decline_reason(text: str) -> DeclineReason | None:
    """Why `text` is outside the assistant's remit, from its words alone (None if unsure).

    Returns:
        "prompt_injection", "task" or "off_topic"; off-topic questions phrased without any
        tell-tale words are caught after retrieval by the relevance check instead.
    """
    if _INJECTION.search(text):
        return "prompt_injection"
    if _TASKS.search(text):
        return "task"
    if _OFF_TOPIC.search(text) and not has_domain_word(text):
        return "off_topic"
    return None


# --- abstain (personal treatment decisions) -------------------------------------------------------
_DOSE = _rx(
    r"\b(how (much|many)|what|which|right|correct|safe|max(imum)?|starting|usual)\b[^.?!]{0,30}\b(dose|doses|dosage|dosing|mg|milligrams?|mcg|micrograms?|tablets|pills|units|ml)\b",
    r"\b(dose|dosage|dosing)\b[^.?!]{0,40}\b(for (me|my|him|her|a \d+|an? \w+ (kg|year))|i (weigh|am)|he (weighs|is)|she (weighs|is))\b",
    r"\b(i|he|she|my \w+|child|son|daughter)\b[^.?!]{0,20}\b(weigh|weighs|weighing)\b",
    r"\b\d+\s*(kg|kilos?|lbs?|pounds)\b[^.?!]{0,60}\b(dose|how much|mg|take)\b",
    r"\b(double|increase|decrease|reduce|lower|raise|up|cut|halve|change)\s+(my|his|her|the|our)\s+(\w+\s+){0,2}(dose|doses|dosage|tablets|pills|medicine|medication|injection)\b",
)
# An adverb between the person and the verb changes nothing: "should I just stop", "can we safely skip".
_ADVERB = r"(?:(?:just|simply|now|actually|maybe|also|still|safely|really|ever|then)\s+)?"
_STOP_CHANGE = _rx(
    r"\b(can|should|could|may|must|do)\s+(i|we|he|she|they|my \w+)\s+" + _ADVERB + r"(stop|quit|skip|miss|come off|get off|go off|taper|wean|pause|halve|swap|switch|change|cut down|cut back)\b",
    r"\b(stopping|quitting|skipping|coming off|tapering off)\s+(my|his|her|the)\b",
    r"\b(i|he|she|we)\s+(want|wants|plan|am planning|am going|'m going)\s+to\s+(stop|quit|come off)\b",
    r"\bis it (ok|okay|safe|fine|alright)\s+(for me |for him |for her )?to\s+(stop|skip|miss|quit)\b",
)
_PERSONAL_DECISION = _rx(
    r"\b(should|shall|must)\s+(i|we|he|she|my \w+)\s+" + _ADVERB + r"(get|have|take|start|try|go on|choose|pick|book|agree to|accept|refuse)\b",
    r"\bwhich (is|would be|one is) (better|best|safer|right) for (me|him|her|my \w+|us)\b",
    r"\b(what|which) (would|should) (you|i) (choose|pick|recommend|do)\b(?! (if|about|after|when))",
    r"\b(is|are)\s+(my|his|her|our)\s+(count|platelets?|platelet count|levels?)\b[^.?!]{0,30}\b(ok|okay|safe|enough|high enough|good enough|fine|too low)\s+(for|to)\b",
    r"\b(my|his|her|our)\b[^.?!,]{0,20}\b(count|platelets?|platelet count)\s+(is|are|was|were|of|at)\s+\d+[^?!]{0,100}\b(can|should|is it safe|ok|okay|allowed|let|will they|would they|could)\b[^.?!]{0,40}\b(surgery|operation|procedure|epidural|delivery|birth|dental|extraction|tooth|biopsy|tattoo|flight|fly|travel|stop|play|match|game|start|school|sport)\w*",
    r"\b(can|may|could)\s+(i|he|she|my \w+)\s+(have|get|go ahead with)\s+(my|his|her|the|a)\s+(surgery|operation|procedure|epidural|tooth|dental)\b[^.?!]{0,40}\b(count|platelets?)\b",
    r"\b(my|his|her) (doctor|cardiologist|gp|dentist|surgeon|team|hematologist|haematologist)\b[^.?!]{0,60}\b(should i|should we|do i|do we|can i)\b[^.?!]{0,30}\b(stop|take|listen|follow|ignore|switch)\b",
)
_TREATMENT_WORDS = _rx(
    r"\b(medicine|medicines|medication|meds|tablets?|pills?|drugs?|treatment|therapy|injections?|infusions?|dose|steroids?)\b"
)


def abstain_reason(text: str) -> AbstainReason | None:
    """Why `text` asks for a personal treatment decision, or None.

    Returns:
        "dose", "stop_or_change", "procedure_at_count" or "treatment_choice".
    """
    names = {m.name for m in find_mentions(text) if m.kind in ("treatment", "medicine")}
    if _DOSE.search(text) and (names or _TREATMENT_WORDS.search(text)):
        return "dose"
    if _STOP_CHANGE.search(text) and (names or _TREATMENT_WORDS.search(text)):
        return "stop_or_change"
    if _PERSONAL_DECISION.search(text):
        if _PROCEDURE.search(text):
            return "procedure_at_count"
        itp_treatments = {m.name for m in find_mentions(text) if m.kind == "treatment"}
        if itp_treatments or re.search(r"\b(count|platelet)", text, re.I):
            return "treatment_choice"
    return None


_PROCEDURE = _rx(r"\b(surgery|operation|procedure|epidural|delivery|birth|dental|extraction|tooth|biopsy|tattoo)")


def check(text: str) -> Gate | None:
    """The rules alone, in order of danger: urgent, then abstain, then decline."""
    if red := urgent_reason(text):
        return Gate("urgent", red)
    if decision := abstain_reason(text):
        return Gate("abstain", decision)
    if declined := decline_reason(text):
        return Gate("decline", declined)
    return None
