"""Resolve elliptical follow-ups ("how is it given?", "what about paracetamol?") from the conversation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.text.words import query_terms
from qa.understanding.audience import asked_for, of_conversation
from qa.understanding.lexicon import Mention, find_mentions

_SWAP_LEAD = re.compile(
    r"^\s*(?:ok(?:ay)?,?\s+|and\s+|so\s+)?(?:what|how)\s+about\s+|^\s*(?:and|also|or|same for|what if i take)\s+",
    re.I,
)
# A pronoun that points at a thing (not "they", which is often the doctors).
_POINTER = re.compile(r"\b(it|that|this)\b", re.I)
# Pronouns that point at a plural: a plural name, or (most often) the doctors.
_PLURAL_POINTERS = frozenset({"they", "them", "those", "these"})
_PRONOUN = re.compile(r"\b(it|its|it's|they|them|this|that|those|these)\b", re.I)
_ITP = re.compile(r"\b(itp|immune thrombocytopenia|thrombocytopenia)\b", re.I)
_ELSE = re.compile(r"\b(anything else|what else|any other (options?|treatments?|medicines?|drugs?)|other (options|treatments|medicines)|something else)\b", re.I)
_AUDIENCE_WORDS = {"child": "children", "teen": "teenagers", "pregnancy": "pregnancy"}
# Lexicon topics that say who is asking, not what about: "is it ok for kids?" keeps the
# conversation's medicine as its subject.
_PEOPLE = frozenset({"children", "pregnancy"})
# "is it safe to...", "it's ok to..." use "it" without pointing back at anything.
_EXPLETIVE = re.compile(
    r"\b(?:is|was|will|would|does)\s+it\s+(?:\w+\s+)?(?:safe|ok|okay|alright|normal|possible|true|"
    r"common|dangerous|bad|likely|better|worse|wise|fine)\b|\bit'?s\s+(?:\w+\s+)?(?:safe|ok|okay|normal|"
    r"possible|fine)\b|\bit\s+(?:means|depends|seems)\b",
    re.I,
)


@dataclass(frozen=True)
class Resolved:
    """The question to answer, and whether history was needed to understand it."""

    question: str
    original: str
    used_history: bool = False
    entity: str = ""
    context: str = ""  # the entity the conversation was about, even if not needed here
    beside: bool = False  # the previous question was kept beside the message, not written into it
    # Built from the previous question with a twist ("what about my kids?", "what about
    # paracetamol?", "and for adults?"): the same answer again would lose the twist.
    reasks: bool = False


def user_turns(history: Sequence[dict]) -> list[str]:
    """The non-empty user messages of a conversation, oldest first."""
    return [
        str(h.get("content") or "") for h in history
        if isinstance(h, dict) and h.get("role") == "user" and str(h.get("content") or "").strip()
    ]


def _previous_question(history: Sequence[dict]) -> str:
    """The last user turn, itself resolved against the turns before it ("will it go away?")."""
    for i in range(len(history) - 1, -1, -1):
        h = history[i]
        if isinstance(h, dict) and h.get("role") == "user" and str(h.get("content") or "").strip():
            return resolve(str(h["content"]), history[:i]).question
    return ""


def _remainder(q: str, lead_end: int, mention: Mention) -> list[str]:
    """The follow-up's words beyond its lead ("what about") and the name it swaps in."""
    rest = q[lead_end:mention.start] + " " + q[mention.start + len(mention.surface):]
    return re.findall(r"[a-z0-9']+", rest.lower())


def _main_mention(text: str) -> Mention | None:
    mentions = find_mentions(text)
    for kind in ("treatment", "medicine", "topic"):
        for m in mentions:
            if m.kind == kind:
                return m
    return None


def _conversation_entity(prior: Sequence[str]) -> Mention | None:
    """What the conversation is about: its latest medicine or treatment, else its latest topic.

    "I do my own romiplostim injections" / "we're flying to Portugal" / "how do I keep it cold?":
    "it" is the medicine, not the trip.
    """
    topic = None
    for prev in reversed(prior):
        found = _main_mention(prev)
        if found and found.kind in ("treatment", "medicine"):
            return found
        topic = topic or found
    return topic


def _about_treatment(prior: Sequence[str]) -> bool:
    """Is the conversation about ITP treatment (so "anything else?" asks for other treatments)?"""
    return any(m.kind == "treatment" for p in prior for m in find_mentions(p)) or \
        any(re.search(r"\btreat(ment|ments|ed|ing)?\b", p, re.I) for p in prior)


def _names_referent(word: str, entity: Mention | None, prior: Sequence[str], q: str) -> bool:
    """Can the pronoun `word` be replaced by a name from the conversation?

    "it"/"its" take the conversation's entity, or ITP when the conversation named ITP and the
    follow-up does not ("my son has ITP" / "can his sister catch it?"). "they"/"them"/"those"/
    "these" take only a plural name ("megakaryocytes", "steroids"): they are most often the
    doctors. "that"/"this" take a medicine or treatment; otherwise they are what was just asked.
    """
    if word in _PLURAL_POINTERS:
        return entity is not None and entity.name.lower().endswith("s")
    if word in ("that", "this"):
        return entity is not None and entity.kind in ("medicine", "treatment")
    if entity is not None:
        return True
    # Without a named entity "it" can be ITP ("can his sister catch it?"), but "its" is
    # nearly always something else's ("attack its own platelets": the body's).
    return word != "its" and any(_ITP.search(p) for p in prior) and not _ITP.search(q)


def _pronoun(q: str, entity: Mention | None, prior: Sequence[str]) -> re.Match[str] | None:
    """The pronoun to resolve: the first one a name from the conversation can replace, else the
    first one ("when do they use it?" after IVIG: "they" are the doctors, "it" is IVIG)."""
    found = list(_PRONOUN.finditer(q))
    if prior:
        for m in found:
            if _names_referent(m.group(1).lower(), entity, prior, q):
                return m
    return found[0] if found else None


def resolve(question: str, history: Sequence[dict] | None) -> Resolved:
    """Rewrite a follow-up into a stand-alone question using earlier user turns.

    Args:
        question: the latest user message.
        history: earlier turns as {"role": "user"|"assistant", "content": str}.
    Returns:
        The stand-alone question (unchanged when it already stands alone).
    """
    q = question.strip()
    prior = user_turns(history or [])
    # "is there anything else (they use for kids)?": other options, for the same person.
    named = [m for m in find_mentions(q) if m.kind in ("treatment", "medicine")]
    if prior and _ELSE.search(q) and not named and _about_treatment(prior):
        who = asked_for(q) or of_conversation([{"role": "user", "content": p} for p in prior])
        tail = f" in {_AUDIENCE_WORDS[who]}" if who else ""
        return Resolved(f"What other treatments are used for ITP{tail}?", q, True, "treatment")

    mentions = [m for m in find_mentions(q) if m.name not in _PEOPLE]
    terms = query_terms(q)
    lead = _SWAP_LEAD.match(q)
    # "what about my kids?" / "and in pregnancy?": the previous question, for that person.
    if lead and prior and not named and (who := asked_for(q)):
        return Resolved(f"{prior[-1].rstrip(' ?')} in {_AUDIENCE_WORDS[who]}?", q, True, "", reasks=True)

    # "what about paracetamol?" → the previous question with its entity swapped. A follow-up
    # that says more than a name ("what about after having my spleen out?") adds to the previous
    # question instead.
    if lead and mentions and prior:
        # Only a name of the same kind is swapped (a medicine for a medicine): "what about on
        # eltrombopag?" after a question about alcohol asks about both.
        new = mentions[0]
        bare_name = len(_remainder(q, lead.end(), new)) <= 2
        for prev in reversed(prior) if bare_name else ():
            old = next((m for m in find_mentions(prev) if m.kind == new.kind), None)
            if old:
                swapped = prev[: old.start] + new.surface + prev[old.start + len(old.surface):]
                return Resolved(swapped, q, True, new.name, reasks=True)
        previous = _previous_question(history or [])
        return Resolved(f"{previous.rstrip(' ?.!')} {q[lead.end():]}", q, True, new.name, reasks=True)

    entity = _conversation_entity(prior)
    if mentions:
        # "why would they give that instead of steroids?" after IVIG: "that" is still IVIG.
        pointer = _POINTER.search(q)
        if (pointer and entity and entity.kind in ("medicine", "treatment") and not _EXPLETIVE.search(q)
                and entity.name not in {m.name for m in mentions}):
            rewritten = q[: pointer.start()] + entity.name + q[pointer.end():]
            return Resolved(rewritten, q, True, entity.name)
        return Resolved(q, q)
    context = entity.name if entity else ""
    pronoun = None if _EXPLETIVE.search(q) else _pronoun(q, entity, prior)
    if _ITP.search(q) and len(terms) > 1 and not (pronoun and prior):
        # "Could it upset my ITP treatment?" asked alone: "it" is not ITP, and nothing else
        # is known, so the message stands as written.
        return Resolved(q, q, context=context)
    subject = entity.name if entity else "ITP"
    if pronoun and prior and not _names_referent(pronoun.group(1).lower(), entity, prior, q):
        # The pronoun points at something the lexicon does not name ("my consultant mentioned
        # azathioprine" / "how long does it take to work?"), at what was just asked about ("is
        # that dangerous?" after a count of 30), or at people ("what count do they want?"):
        # the previous question is kept before it for search instead of a guessed name (on the
        # follow-up suite, previous-first answered 89 of 160, message-first 87).
        previous = _previous_question(history or [])
        return Resolved(f"{previous.rstrip(' ?.!')} — {q}", q, True, subject, beside=True)
    if pronoun and not prior and pronoun.group(1).lower() in _PLURAL_POINTERS:
        return Resolved(q, q)  # with nothing before it, "they" is the doctors, not ITP
    if pronoun:
        word = pronoun.group(1).lower()
        replacement = f"{subject}'s" if word == "its" else f"{subject} is" if word == "it's" else subject
        rewritten = q[: pronoun.start()] + replacement + q[pronoun.end():]
        return Resolved(rewritten, q, bool(prior), subject)
    if lead and prior and entity and entity.kind in ("medicine", "treatment"):
        # "and the side effects?" after rituximab: the new aspect, asked about it.
        return Resolved(f"{q[lead.end():].rstrip(' ?.!')} of {entity.name}?", q, True, entity.name)
    if lead and prior:  # "and for kids?" with no known entity: lean on the previous question
        return Resolved(f"{prior[-1]} {q[lead.end():]}", q, True, subject, reasks=True)
    if len(terms) <= 2 and prior:
        if entity:
            return Resolved(f"{entity.name} {q}", q, True, entity.name)
        return Resolved(f"{prior[-1]} {q}", q, True, "", reasks=True)
    return Resolved(q, q, context=context)
