"""The answer pipeline as one LangChain runnable: understand → gate → retrieve → draft → reply."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda

from qa.answer import templates
from qa.answer.generate import Draft, Generator, Request, Sentence
from qa.answer.render import build_reply
from qa.index.reader import IndexMissing
from qa.reasons import DeclineReason, is_decline
from qa.settings import Settings
from qa.types import Reply
from qa.understanding.followup import resolve, user_turns
from qa.understanding.lexicon import find_mentions, has_domain_word, named_in
from qa.understanding.parts import plan
from qa.understanding.query import prepare
from qa.understanding.retrieve import Hit, HybridSearch
from qa.understanding.triage import rules
from qa.understanding.triage.detector import Triage
from qa.understanding.triage.flags import flag
from qa.understanding.triage.gate import Gate

log = logging.getLogger("qa")
MAX_PART_SENTENCES = 4  # per part of a two-part question
MAX_TOTAL_SENTENCES = 7
# How much better another reading of a follow-up must match before it replaces the rewrite.
CONTEXT_MARGIN = 0.08


@dataclass
class Turn:
    """The state one question carries through the pipeline."""

    message: str
    history: Sequence[dict] = ()
    question: str = ""  # stand-alone question
    context: str = ""  # what the conversation was about (for follow-ups without pronouns)
    gate: Gate | None = None
    notice: str = ""  # a note for the user about their input (e.g. unreadable history)
    expanded: str = ""  # the search query with lay words spelled out
    vector: np.ndarray | None = None
    hits: list[Hit] = field(default_factory=list)
    draft: Draft | None = None
    relevant: bool = True
    reasks: bool = False  # the question re-asks the previous one with a twist (followup.Resolved)
    # A follow-up rewritten from the conversation can lose what the turn before it said ("a boy
    # in his class has chickenpox" / "what should we do?" became "prednisone what should we
    # do?"): the message with that turn before it is searched too (`retrieve`).
    beside: str = ""


@dataclass(frozen=True)
class SearchResult:
    """One search for a question: the repaired query, its vector, the hits and how well they match."""

    question: str  # spelling repaired; what composition scores sentences against
    expanded: str  # the bm25 query, lay words and count ranges spelled out
    vector: np.ndarray
    hits: list[Hit]
    best: float  # the best passage or heading similarity among the hits


def clean_history(history: Any, max_turns: int) -> tuple[list[dict], bool]:
    """Keep well-formed {"role", "content"} turns (the last `max_turns`); flag anything dropped."""
    if history is None:
        return [], False
    if not isinstance(history, (list, tuple)):
        return [], True
    ok = [
        {"role": h["role"], "content": h["content"]}
        for h in history
        if isinstance(h, dict) and h.get("role") in ("user", "assistant") and isinstance(h.get("content"), str)
    ]
    return (ok[-max_turns:] if max_turns > 0 else []), len(ok) != len(history)


class Pipeline:
    """Builds the runnable; each step is a small method so it can be tested on its own."""

    def __init__(self, settings: Settings, search: HybridSearch, generator: Generator,
                 triage: Triage) -> None:
        self.settings = settings
        self.search = search
        self.generator = generator
        self.triage = triage

    # -- steps --------------------------------------------------------------------------------
    def understand(self, turn: Turn) -> Turn:
        """Triage first (rules, then the learned detector once ready), then resolve follow-ups.

        Needs no index: an emergency is recognised even when nothing else works.
        """
        gate = self.triage.check(turn.message, turn.history)
        try:
            resolved = resolve(turn.message, turn.history)
        except Exception:  # understanding a follow-up must never stand between a patient and triage
            log.exception("follow-up resolution failed")
            return replace(turn, question=turn.message, gate=gate)
        if gate is None and resolved.used_history and not resolved.beside:
            # The rewritten question is a new message ("what about 2 tablets?"); one with the
            # previous question only kept beside it is not (triage read those turns already).
            gate = rules.check(resolved.question)
        beside = ""
        if resolved.used_history and not resolved.beside and not resolved.reasks:
            earlier = user_turns(turn.history)
            beside = f"{earlier[-1].rstrip(' ?.!')} — {turn.message}" if earlier else ""
        return replace(turn, question=resolved.question, context=resolved.context, gate=gate,
                       reasks=resolved.reasks, beside=beside)

    def _search(self, question: str) -> SearchResult:
        _, lexical = self.search.reader.current()
        query = prepare(question, lexical.vocabulary())
        vector = self.search.embedder.embed_query(query.dense)
        hits = self.search.search(query.dense, k=self.settings.top_k, vector=vector,
                                  lexical_query=query.lexical)
        best = max((max(h.dense, h.heading) for h in hits), default=0.0)
        return SearchResult(question=query.text, expanded=query.lexical, vector=vector, hits=hits, best=best)

    def urgent_context(self, turn: Turn) -> Turn:
        """The red flag's own cited sections: the action to take, quoted from the library."""
        red = flag(turn.gate.reason) if turn.gate else None
        if red is None:
            return turn
        _, lexical = self.search.reader.current()
        ids = [cid for doc, heading in red.cited_sections() for cid in lexical.section_ids(doc, heading)]
        rows = lexical.rows(ids)
        hits = [Hit(row=rows[c], fused=1.0, dense=1.0, lexical=0.0, heading=1.0) for c in ids if c in rows]
        sentences: list[Sentence] = []
        for i, hit in enumerate(hits):
            take = 3 if i == 0 else 1  # each section's first sentences answer it directly
            sentences += [Sentence(text, (i,)) for text in hit.row.sentences[:take]]
        return replace(turn, hits=hits, draft=Draft(sentences[:4]))

    def retrieve(self, turn: Turn) -> Turn:
        found = self._search(turn.question)
        if turn.context and turn.context.lower() not in found.question.lower():
            # A follow-up may lean on the conversation without a pronoun ("why do I need a
            # hepatitis test first?"): keep the contextual reading when it matches much better.
            contextual = self._search(f"{found.question} {turn.context}")
            if contextual.best > found.best + CONTEXT_MARGIN:
                found = contextual
        if turn.beside:
            with_previous = self._search(turn.beside)
            if with_previous.best > found.best + CONTEXT_MARGIN:
                found = with_previous
        return replace(turn, question=found.question, expanded=found.expanded, vector=found.vector,
                       hits=found.hits, relevant=found.best >= self.settings.min_relevance)

    def rank(self, turn: Turn) -> list[int]:
        """Indexes of `turn.hits` in the order the generator would weigh them."""
        if turn.vector is None or not turn.hits:
            return list(range(len(turn.hits)))
        return self.generator.rank(self._request(turn, "answer"))

    def _request(self, turn: Turn, mode: str, max_sentences: int | None = None) -> Request:
        assert turn.vector is not None
        return Request(
            question=turn.question, original=turn.message, hits=turn.hits, vector=turn.vector,
            history=turn.history, max_sentences=max_sentences or self.settings.max_sentences, mode=mode,
            vocabulary=self.search.reader.current()[1].vocabulary(), expanded=turn.expanded,
        )

    def answers_freely(self, turn: Turn) -> bool:
        """Will the generator write this answer itself (no gate fired, relevant hits)?"""
        return turn.gate is None and turn.relevant and bool(turn.hits) and turn.vector is not None

    def stream_draft(self, turn: Turn, info: dict[str, Any]) -> Iterator[Sentence]:
        """The generator's sentences as each is ready (for `answers_freely` turns); fills `info`."""
        yield from self.generator.stream(self._request(turn, "answer"), info=info)

    def draft(self, turn: Turn) -> Turn:
        if not turn.hits or turn.vector is None:
            return replace(turn, draft=Draft([]))
        gate_kind = turn.gate.kind if turn.gate else None
        if gate_kind is None and not turn.relevant:
            return replace(turn, draft=Draft([]))
        if gate_kind in ("urgent", "abstain") and not turn.relevant:
            return replace(turn, draft=Draft([]))
        request = self._request(turn, "answer" if gate_kind is None else "context")
        return replace(turn, draft=self.generator.generate(request))

    # -- two-part questions and comparisons --------------------------------------------------
    def answer_parts(self, turn: Turn) -> Turn | None:
        """Answer a message that asks two things, each part from its own best section.

        Returns None when the message asks one thing, or when the whole message already leads
        with a section that covers both named things (a comparison section), so the caller
        answers it the usual way.
        """
        planned = plan(turn.question)
        if len(planned.parts) < 2:
            return None
        if planned.comparison:
            whole = self._comparison_section(turn, planned.comparison)
            if whole is not None:
                return whole
        # A comparison gives each side one or two sentences; two questions get up to four each.
        per_part = 2 if planned.comparison else MAX_PART_SENTENCES
        hits: list[Hit] = []
        sentences: list[Sentence] = []
        seen: set[str] = set()
        fallbacks = [f"what is {name}" for name in planned.comparison] if planned.comparison else ["", ""]
        for part, fallback in zip(planned.parts, fallbacks, strict=True):
            draft, sub = self._draft_part(turn, part, per_part)
            if not draft.sentences and fallback:  # the aspect asked is not in the sources: say what it is
                draft, sub = self._draft_part(turn, fallback, per_part)
            if not draft.sentences:
                continue
            offset = len(hits)
            hits += sub.hits
            for s in draft.sentences:
                if s.text not in seen:
                    seen.add(s.text)
                    sentences.append(Sentence(s.text, tuple(c + offset for c in s.cites)))
        if not sentences:
            return None
        return replace(turn, hits=hits, draft=Draft(sentences[:MAX_TOTAL_SENTENCES]), relevant=True)

    def avoid_repeat(self, turn: Turn) -> Turn:
        """A follow-up must not get the previous reply again ("what about my kids?").

        When a follow-up that re-asks the previous question with a twist would only repeat
        sentences the assistant just gave, the sections they came from step aside and the next
        best ones answer. A follow-up that asks something of its own keeps its best section even
        if the last reply quoted it ("I take avatrombopag and my baby is due in March" / "can I
        breastfeed on it?"): on the follow-up suite, stepping aside there cost 19 of 160 answers.
        If the sections left would give no answer at all, the previous ones stay.
        """
        previous = next((str(h.get("content") or "") for h in reversed(turn.history)
                         if isinstance(h, dict) and h.get("role") == "assistant"), "")
        if not turn.reasks or not previous or not turn.hits or turn.vector is None or self.generator.name != "extractive":
            return turn
        draft = self.generator.generate(self._request(turn, "answer"))
        if not draft.sentences or not all(s.text in previous for s in draft.sentences):
            return turn
        fresh = [h for h in turn.hits if not any(s in previous for s in h.row.sentences)]
        # Another medicine's section is no answer: "and the side effects?" after rituximab must
        # not get rilzabrutinib's. Saying the same again beats saying the wrong thing.
        asked = {m.name for m in find_mentions(turn.question) if m.kind in ("medicine", "treatment")}
        if asked:
            fresh = [h for h in fresh
                     if asked <= named_in(h.row.passage.title, h.row.passage.section, h.row.passage.text)]
        if not fresh:
            return turn
        stepped = replace(turn, hits=fresh)
        # When the sections left have nothing to say, the same answer again beats "not in my
        # sources": "wat about a tattoo?" after a piercing is answered by the section that
        # covers both.
        return stepped if self.generator.generate(self._request(stepped, "answer")).sentences else turn

    def _draft_part(self, turn: Turn, question: str, limit: int) -> tuple[Draft, Turn]:
        sub = self.retrieve(replace(turn, question=question, context=""))
        if not sub.relevant or not sub.hits or sub.vector is None:
            return Draft([]), sub
        return self.generator.generate(self._request(sub, "answer", limit)), sub

    def _comparison_section(self, turn: Turn, names: tuple[str, str]) -> Turn | None:
        """The whole question's answer, when its lead section itself compares the two."""
        whole = self.draft(self.retrieve(turn))
        if not whole.draft or not whole.draft.sentences:
            return None
        lead = whole.hits[whole.draft.sentences[0].cites[0]].row.passage
        named = named_in(lead.title, lead.section, lead.text)
        return whole if set(names) <= named else None

    def reply(self, turn: Turn) -> Reply:
        reply = self._reply(turn)
        info = turn.draft.info if turn.draft else {}
        return replace(reply, draft_info=dict(info)) if info else reply

    def urgent_lead(self, gate: Gate, offline: bool = False) -> str:
        """Emergency number first, then what was recognised (and, without sources, what to do)."""
        lead = templates.URGENT_LEAD.format(number=self.settings.emergency_number)
        try:
            red = flag(gate.reason)
        except Exception:  # an unreadable table must never cost the patient the emergency advice
            log.exception("red-flag table unreadable")
            red = None
        if red is None:
            return lead
        return f"{lead}\n\n{red.says}" + (f" {red.action}" if offline else "")

    def offline_reply(self, turn: Turn) -> Reply:
        """The reply for an urgent or abstain gate when the library cannot be searched."""
        gate = turn.gate
        assert gate is not None
        if gate.kind == "urgent":
            return build_reply("urgent", self.urgent_lead(gate, offline=True), [], [], turn.message,
                               gate.reason)
        return build_reply(gate.kind, templates.abstain_lead(gate.reason), [], [], turn.message, gate.reason)

    def _reply(self, turn: Turn) -> Reply:
        sentences = turn.draft.sentences if turn.draft else []
        gate = turn.gate
        if gate and gate.kind == "urgent":
            if not sentences:
                return self.offline_reply(turn)
            return build_reply("urgent", self.urgent_lead(gate), sentences, turn.hits, turn.question,
                               gate.reason, templates.URGENT_CONTEXT)
        if gate and gate.kind == "abstain":
            return build_reply("abstain", templates.abstain_lead(gate.reason), sentences, turn.hits, turn.question, gate.reason,
                               templates.ABSTAIN_CONTEXT)
        if gate and gate.kind == "decline":
            return self.decline(turn, gate.reason if is_decline(gate.reason) else "off_topic")
        if not sentences:
            # A follow-up in a conversation about ITP is on topic even without ITP words
            # ("what should I tell the staff?" after asking about nursery with ITP).
            if not any(has_domain_word(t) for t in (turn.question, turn.message, *user_turns(turn.history))):
                return self.decline(turn, "off_topic")
            # ...unless the message itself reads as off-topic ("cheers. best pizza in Naples?"):
            # with nothing to answer from, a lower decline threshold holds.
            off_topic = self.triage.off_topic_when_unsupported(turn.message, turn.history)
            if off_topic is not None:
                return self.decline(turn, off_topic.reason if is_decline(off_topic.reason) else "off_topic")
            return build_reply("abstain", templates.NOT_IN_SOURCES, [], [], turn.question, "not_in_sources")
        lead = turn.notice
        return build_reply("answer", lead, sentences, turn.hits, turn.question)

    def decline(self, turn: Turn, reason: DeclineReason) -> Reply:
        return build_reply("decline", templates.decline_text(reason), [], [], turn.question, reason)

    def gated_reply(self, turn: Turn) -> Reply:
        """An urgent or abstain reply with cited context when the library can give it, else without."""
        try:
            if turn.gate is not None and turn.gate.kind == "urgent":
                return self.reply(self.urgent_context(turn))
            return self.reply(self.draft(self.retrieve(turn)))
        except Exception as exc:  # a missing or broken index must not cost the patient the advice
            if not isinstance(exc, IndexMissing):
                log.exception("no sources for a %s reply", turn.gate.kind if turn.gate else "gated")
            return self.offline_reply(turn)

    # -- the runnable -------------------------------------------------------------------------
    def runnable(self) -> Runnable[Turn, Reply]:
        """understand | (decline → reply) or (urgent/abstain → gated reply) or (retrieve | draft | reply).

        The same steps `Assistant` runs (its `ask`/`stream` add two-part questions and streaming).
        """
        declined: Runnable[Turn, Reply] = RunnableLambda(
            lambda t: self.decline(t, t.gate.reason if t.gate and is_decline(t.gate.reason) else "off_topic"), name="decline")
        answer = (
            RunnableLambda(self.retrieve, name="retrieve")
            | RunnableLambda(self.draft, name="draft")
            | RunnableLambda(self.reply, name="reply")
        )
        return RunnableLambda(self.understand, name="understand") | RunnableBranch(
            (lambda t: t.gate is not None and t.gate.kind == "decline", declined),
            (lambda t: t.gate is not None, RunnableLambda(self.gated_reply, name="gated")),
            answer,
        )
