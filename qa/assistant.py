"""`Assistant`: the public entry point (`ask`, `stream`) over the answer pipeline."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from qa.answer import templates
from qa.answer.generate import Draft, Generator, Sentence
from qa.answer.render import build_reply
from qa.chain import Pipeline, Turn, clean_history
from qa.index.embedder import Embedder, embedder_for
from qa.index.reader import IndexReader
from qa.offline import enforce_offline
from qa.reasons import is_decline
from qa.settings import Settings, get_settings
from qa.text.clean import clean_text, clean_turns
from qa.types import Passage, Reply
from qa.understanding.retrieve import HybridSearch
from qa.understanding.triage.detector import Triage

log = logging.getLogger("qa")


@dataclass(frozen=True)
class StreamEvent:
    """A piece of a streamed reply: `delta` text to append; the last event carries `reply`."""

    delta: str
    reply: Reply | None = None


def make_generator(settings: Settings, embedder: Embedder | None = None) -> Generator:
    """The generator named by `settings.generator` (extractive unless an LLM is configured).

    Args:
        settings: `generator`, `min_answer_score` and, for an LLM, its back end settings are read.
        embedder: what an LLM generator's verifier embeds with (default: the shared embedder).
    """
    from qa.answer.compose import ExtractiveGenerator

    spec = settings.generator.strip() or "extractive"
    extractive = ExtractiveGenerator(min_passage=settings.min_answer_score)
    if spec == "extractive":
        return extractive
    from qa.answer.llm import make_llm_generator  # optional extra

    # The fallback answers when the model fails: with the same floor as the extractive generator.
    return make_llm_generator(spec, settings, embedder=embedder, fallback=extractive)


class Assistant:
    """Answers ITP questions from the indexed sources.

    >>> bot = Assistant()                                    # doctest: +SKIP
    >>> reply = bot.ask("Is ITP contagious?")                # doctest: +SKIP
    >>> reply.kind, reply.citations[0].title                 # doctest: +SKIP
    ('answer', 'What is ITP?')
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 generator: Generator | None = None, reader: IndexReader | None = None,
                 triage: Triage | None = None) -> None:
        enforce_offline()  # before any library that could phone home loads
        self.settings = settings or get_settings()
        self.embedder = embedder or embedder_for(self.settings)
        self.reader = reader or IndexReader(self.settings)
        self.search = HybridSearch(self.reader, self.embedder, self.settings.candidates)
        self.generator = generator or make_generator(self.settings, self.embedder)
        self.triage = triage or Triage.for_settings(self.settings, self.embedder)
        self.triage.load_cached()  # milliseconds; a model not fitted yet is fitted by warm_up
        self.pipeline = Pipeline(self.settings, self.search, self.generator, self.triage)
        self.chain = self.pipeline.runnable()

    def warm_up(self, *, wait_for_triage: bool = False) -> None:
        """Load the model and open the index now, so the first question is fast.

        Args:
            wait_for_triage: fit the learned triage detector before returning (evals); by
                default it is fitted in the background and the rules decide until it is ready.
        """
        try:
            self.embedder.warm_up()
        except Exception:  # the rules still triage; answers will say what is wrong
            log.exception("the embedding model could not load")
        if wait_for_triage:
            self.triage.prepare()
        else:
            self.triage.prepare_in_background()
        try:
            self.generator.warm_up()  # a local LLM loads now; remote ones and extractive: nothing
        except Exception:  # answers fall back to extractive when the model cannot run
            log.exception("the answer generator could not warm up")
        info, _ = self.reader.current()
        try:
            self.search.matcher(info.generation)  # read the adapted phrasings now, not at the first question
        except Exception:  # phrasings then match unadapted, or not at all
            log.exception("the question-bank phrasings could not be read")

    def retrieve(self, question: str, history: Sequence[dict] | None = None, k: int | None = None) -> list[Passage]:
        """The passages the assistant would answer from, best first (for evals and debugging).

        Args:
            question: what the user typed.
            history: earlier turns, used to resolve follow-ups exactly as `ask` does.
            k: how many passages (default: the `top_k` setting).
        """
        turn, _ = self._check_input(question, history)
        if turn is None:
            return []
        turn = self.pipeline.retrieve(self.pipeline.understand(turn))
        ranked = self.pipeline.rank(turn)
        return [turn.hits[h].passage for h in ranked][: k or self.settings.top_k]

    def _check_input(self, question: Any, history: Any) -> tuple[Turn | None, Reply | None]:
        text = clean_text(question).strip() if isinstance(question, str) else ""
        if not text:
            return None, build_reply("decline", templates.EMPTY_INPUT, [], [], "", "empty_input")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            # Safety first: a long message that describes an emergency still gets urgent advice.
            gate = self.triage.check(text[:20_000])
            if gate is not None and gate.kind == "urgent":
                return None, self.pipeline.offline_reply(Turn(message=text[:limit], gate=gate))
            msg = templates.TOO_LONG.format(length=len(text), limit=limit)
            return None, build_reply("decline", msg, [], [], "", "too_long")
        turns, dropped = clean_history(clean_turns(history), self.settings.max_history_turns)
        return Turn(message=text, history=turns, notice=templates.BAD_HISTORY if dropped else ""), None

    def ask(self, question: str, history: Sequence[dict] | None = None) -> Reply:
        """Answer one question (the same steps as `stream`, run to the end).

        Args:
            question: what the user typed.
            history: earlier turns, [{"role": "user"|"assistant", "content": str}, ...].
        Returns:
            A `Reply` whose `text` is exactly what the user sees, disclaimer included.
        """
        reply = None
        for event in self._events(question, history, live=False):
            reply = event.reply or reply
        assert reply is not None
        return reply

    def stream(self, question: str, history: Sequence[dict] | None = None) -> Iterator[StreamEvent]:
        """Answer one question, yielding text as it is ready; the last event holds the `Reply`.

        Triage runs first and needs nothing: with a missing or broken index, or no embedding
        model, an emergency still gets the urgent reply and a personal decision its referral.
        """
        yield from self._events(question, history, live=True)

    def _events(self, question: str, history: Sequence[dict] | None, live: bool) -> Iterator[StreamEvent]:
        """The one answer path. `live`: show an LLM's sentences as it writes them (else one call)."""
        turn, early = self._check_input(question, history)
        if early is not None:
            yield StreamEvent(early.text, early)
            return
        assert turn is not None
        p = self.pipeline
        turn = p.understand(turn)
        gate = turn.gate
        if gate and gate.kind == "decline":
            reply = p.decline(turn, gate.reason if is_decline(gate.reason) else "off_topic")
            yield StreamEvent(reply.text, reply)
            return
        if gate and gate.kind in ("urgent", "abstain"):
            yield from _as_events(p.gated_reply(turn))
            return
        parts = p.answer_parts(turn)  # IndexMissing here is the operator's to fix: callers say so
        if parts is not None:
            yield from _as_events(p.reply(parts))
            return
        turn = p.avoid_repeat(p.retrieve(turn))
        if live and p.answers_freely(turn):
            yield from self._stream_answer(turn)
            return
        yield from _as_events(p.reply(p.draft(turn)))

    def _stream_answer(self, turn: Turn) -> Iterator[StreamEvent]:
        """Show each sentence as the generator releases it (an LLM's only once verified)."""
        p = self.pipeline
        info: dict[str, Any] = {}
        sentences: list[Sentence] = []
        shown = ""
        for sentence in p.stream_draft(turn, info):
            sentences.append(sentence)
            partial = p.reply(replace(turn, draft=Draft(list(sentences))))
            if partial.kind != "answer" or not partial.answer.startswith(shown):
                continue  # cannot happen with today's replies; never show text that would change
            piece = partial.answer[len(shown):]
            shown += piece
            yield StreamEvent(piece)
        reply = p.reply(replace(turn, draft=Draft(sentences, dict(info))))
        # The last event holds the whole reply; clients show it in place of the streamed text.
        yield StreamEvent(reply.text[len(shown):] if reply.text.startswith(shown) else "", reply)


def _as_events(reply: Reply) -> Iterator[StreamEvent]:
    """A finished reply as display pieces (the lead, urgent action first, then each sentence)."""
    shown = ""
    for piece in _pieces(reply):
        shown += piece
        yield StreamEvent(piece)
    yield StreamEvent(reply.text[len(shown):], reply)


def _pieces(reply: Reply) -> Iterator[str]:
    """Split a reply's text into display pieces that rebuild it exactly."""
    text = reply.text
    pos = 0
    for marker in [c for c in text.split(" ") if c.endswith("]")][:12]:
        idx = text.find(marker, pos)
        if idx < 0:
            continue
        end = idx + len(marker)
        yield text[pos:end]
        pos = end
    if pos < len(text):
        yield text[pos:]

