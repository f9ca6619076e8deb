"""Triage: the rules and the learned detector together decide urgent, abstain or decline first.

Rules (`qa.understanding.triage.rules`) need nothing and always run. The learned detector (`qa.understanding.triage.model`)
adds recall once it is ready; until then the rules decide alone and no reply ever waits for it.
If a message cannot be embedded (the embedding model failed), the detector's words-only heads
decide with the rules; with no cached model to take them from, they are fitted from the banks
alone (`fit_words`, seconds), so the rules never decide alone for long. Urgent if either fires;
then abstain; then decline.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.corpus.questions import answerable_questions
from qa.npz import READ_ERRORS
from qa.reasons import GateReason
from qa.settings import Settings
from qa.text.sentences import split_sentences
from qa.understanding.followup import resolve, user_turns
from qa.understanding.lexicon import find_mentions
from qa.understanding.triage import rules
from qa.understanding.triage.banks import BANK_DIR, load_banks, reason_of
from qa.understanding.triage.flags import flag
from qa.understanding.triage.gate import Gate
from qa.understanding.triage.model import FORMAT, Detection, TriageModel, fit, fit_words, model_key
from qa.understanding.triage.unknown_words import Library
from qa.understanding.triage.vectors import VectorCache

log = logging.getLogger("qa")

MAX_PIECES = 8
LONG_MESSAGE_WORDS = 60  # past this the whole-message embedding blurs (and past ~200, truncates)


def pieces(message: str) -> list[str]:
    """The whole message; for a long one also each pair of neighbouring sentences.

    An emergency can be one line of a long message, which the whole-message embedding blurs.
    Pairs keep some context ("last year ... the scan was clear") that single clauses lose.
    """
    out = [message]
    if len(message.split()) <= LONG_MESSAGE_WORDS:
        return out
    sentences = split_sentences(message)
    for i in range(len(sentences)):
        window = " ".join(sentences[i:i + 2])
        if window not in out:
            out.append(window)
        if i + 2 >= len(sentences):
            break
    return out[: MAX_PIECES + 1]


_RUNNING: weakref.WeakSet[Triage] = weakref.WeakSet()


@atexit.register
def _stop_fits() -> None:
    for triage in list(_RUNNING):
        triage.stop()


def _last_user_turn(history: Sequence[dict]) -> str:
    for h in reversed(history):
        if isinstance(h, dict) and h.get("role") == "user" and str(h.get("content") or "").strip():
            return str(h["content"]).strip()
    return ""


# A decline names its category ("I can't change how I work" for an injection, "I can't write
# poems" for a task) only when the group model gives that category a majority; otherwise the
# plain off-topic wording, true of every decline, is used ("capital of Peru?" split 0.37
# injection / 0.34 off-topic / 0.27 task).
SPECIFIC_DECLINE_SHARE = 0.5
_UNNAMED: tuple[tuple[str, float], ...] = (("", 1.0),)  # a kind with no group model: one nameless group


def _decline_reason(detection: Detection) -> GateReason:
    group, share = (detection.ranked.get("decline") or _UNNAMED)[0]
    return reason_of("decline", group) if share >= SPECIFIC_DECLINE_SHARE else "off_topic"


class Triage:
    """Decides whether a message is urgent, a personal decision, off-topic, or a question.

    >>> triage = Triage(embedder, model_dir)       # doctest: +SKIP
    >>> triage.check("i hit my head, probably fine right?").reason   # doctest: +SKIP
    'head_injury'
    """

    def __init__(self, embedder: object | None, model_dir: Path | None,
                 bank_dir: Path = BANK_DIR, answerable: Sequence[str] = (), library: Library | None = None,
                 ) -> None:
        self.embedder = embedder
        self.model_dir = model_dir
        self.bank_dir = bank_dir
        self.answerable = tuple(answerable)
        self.library = library or Library()
        self._model: TriageModel | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.error: str = ""
        # For measuring the fallbacks: use_embeddings False decides as when the embedding model
        # fails (the words-only heads and the rules); use_model False, with the rules alone.
        self.use_model = True
        self.use_embeddings = True

    @classmethod
    def for_settings(cls, settings: Settings, embedder: object | None) -> Triage:
        """The detector as the app uses it: cached in the data dir, the question bank as negatives,
        the documents' words as its vocabulary."""
        return cls(embedder, settings.triage_cache,
                   answerable=answerable_questions(settings.corpus_dir / "questions"),
                   library=Library.from_corpus(settings.corpus_dir))

    # -- readiness ------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def model(self) -> TriageModel | None:
        return self._model

    def _path(self) -> Path | None:
        if self.model_dir is None:
            return None
        key = model_key([ex for ex in load_banks(self.bank_dir) if ex.split == "train"], self.answerable,
                        self.library)
        return self.model_dir / f"triage-v{FORMAT}-{key}.npz"  # an older layout is never read

    def load_cached(self) -> bool:
        """Use fitted weights from the cache if they exist (milliseconds); never fits."""
        path = self._path()
        if path is None or not path.exists():
            return False
        try:
            self._model = TriageModel.load(path)
            return True
        except READ_ERRORS as exc:
            log.warning("triage model cache unreadable (%s); it will be refitted", exc)
            return False

    def prepare(self) -> TriageModel | None:
        """Load the cached model or fit it now (at ingest, eval and server start)."""
        with self._lock:
            if self._model is not None or self.load_cached():
                return self._model
            if self.embedder is None:
                return self._prepare_words("no embedding model")
            try:
                with VectorCache(self.model_dir / "vectors.npz" if self.model_dir else None,
                                 self._embed) as cached:
                    model = fit(load_banks(self.bank_dir), cached, self.answerable, self.library)
            except Exception as exc:  # the words-only model and the rules still decide
                if self._stopping.is_set():
                    return None
                return self._prepare_words(f"{type(exc).__name__}: {exc}")
            path = self._path()
            if path is not None:
                try:
                    model.save(path)
                except OSError as exc:
                    log.warning("triage model not cached: %s", exc)
            self._model = model
            return model

    def _prepare_words(self, why: str) -> TriageModel | None:
        """No embeddings and no cached model: fit the words-only heads (seconds). It is never
        cached, so the next start with a working embedding model fits or loads the full one."""
        self.error = why
        log.warning("triage model could not be fitted (%s); fitting the words-only detector", why)
        try:
            self._model = fit_words(load_banks(self.bank_dir), self.answerable, self.library)
        except Exception as exc:  # the rules still decide alone; say why once
            self.error = f"{why}; words-only: {type(exc).__name__}: {exc}"
            log.warning("words-only triage model could not be fitted (%s); rules decide alone", exc)
            return None
        return self._model

    def prepare_in_background(self) -> None:
        """Fit (or load) without blocking anyone: replies use the rules until it is ready."""
        if self._model is not None or (self._thread and self._thread.is_alive()):
            return
        self._thread = threading.Thread(target=self.prepare, name="triage-fit", daemon=True)
        self._thread.start()
        _RUNNING.add(self)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a background fit (at exit: a model call cut off mid-way can abort the process)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _embed_pieces(self, texts: Sequence[str]) -> np.ndarray:
        """The whole message through the embedder's query cache (retrieval usually embeds the
        same text next, so it costs one model call, not two); other pieces in one batch."""
        whole = np.asarray(self.embedder.embed_query(texts[0]), dtype=np.float32)[None, :]  # type: ignore[union-attr]
        if len(texts) == 1:
            return whole
        return np.vstack([whole, np.asarray(self._embed(texts[1:]), dtype=np.float32)])

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._stopping.is_set():
            raise RuntimeError("stopped")
        return self.embedder.embed_queries(list(texts))  # type: ignore[union-attr]

    # -- deciding -------------------------------------------------------------------------------
    def check(self, message: str, history: Sequence[dict] = ()) -> Gate | None:
        """The gate for this message in its conversation, or None to answer it.

        Args:
            message: the newest user message.
            history: earlier turns ({"role", "content"}); the previous user turn can complete
                an emergency ("my count is 8" then "my gums won't stop bleeding").
        """
        previous = _last_user_turn(history)
        joined = f"{previous} {message}" if previous else ""
        rule_urgent = rules.urgent_reason(message) or (rules.urgent_reason(joined) if joined else None)
        detection = self._detect(message)  # the joined turns only matter in context, below
        if rule_urgent:
            return Gate("urgent", rule_urgent, "rules")
        if detection and detection.fired.get("urgent"):
            urgent = self._urgent_gate(detection, message, history)
            if urgent is not None:
                return urgent
        rule_abstain = rules.abstain_reason(message)
        if rule_abstain:
            return Gate("abstain", rule_abstain, "rules")
        # A short follow-up ("how is it given?", "and at 20?") means little alone: in a
        # conversation the model must see it with the previous turn too before it refers or
        # declines. (Urgency never needs that: it only ever adds.)
        in_context = self._in_context(joined, detection) if joined and detection else None
        if detection and detection.fired.get("abstain") and (in_context is None or in_context.fired["abstain"]):
            return Gate("abstain", reason_of("abstain", detection.groups["abstain"]), "model",
                        detection.scores["abstain"])
        rule_decline = rules.decline_reason(message)
        if rule_decline:
            return Gate("decline", rule_decline, "rules")
        if (detection and detection.fired.get("decline") and (in_context is None or in_context.fired["decline"])
                and self._off_topic_throughout(message, history)):
            return Gate("decline", _decline_reason(detection), "model", detection.scores["decline"])
        return None

    def _off_topic_throughout(self, message: str, history: Sequence[dict]) -> bool:
        """Does a follow-up still read as off-topic once its pronouns are resolved?

        The turn just before may not name what the conversation is about: "I do my own
        romiplostim injections" / "we're flying to Portugal" / "how do I keep it cold?" asks
        how to keep romiplostim cold. A message that stands alone is not read again.
        """
        if not history:
            return True
        try:
            resolved = resolve(message, history)
        except Exception:  # the reading already made stands
            return True
        if not resolved.used_history or resolved.beside or resolved.question == message:
            return True
        if resolved.entity and any(m.kind in ("treatment", "medicine") for m in find_mentions(resolved.entity)):
            return False  # "it" is a medicine the conversation named: a question about it
        again = self._detect(resolved.question)
        return again is None or bool(again.fired.get("decline"))

    @staticmethod
    def _urgent_gate(detection: Detection, message: str, history: Sequence[dict]) -> Gate | None:
        """The detector's urgent gate, with the signs the red-flag table rules out set aside.

        A "very low count" in a conversation that states the person's count, none of it under
        the row's `count_below`, is not that sign ("my count came back at 25, am I going to
        die?"). The message stays urgent if it is urgent enough for the other signs: its urgent
        probability times the share the group model gives them must still reach the threshold
        ("count 23, spots spreading fast since lunch" is fast-spreading purpura).
        """
        score = detection.scores["urgent"]
        ranked = detection.ranked.get("urgent") or _UNNAMED
        counts = [c for t in (*user_turns(history), message) if (c := rules.parse_count(t)) is not None]
        stated = min(counts) if counts else None
        allowed = [(g, p) for g, p in ranked
                   if (row := flag(reason_of("urgent", g))) is None or not row.contradicted_by(stated)]
        if len(allowed) == len(ranked):
            return Gate("urgent", reason_of("urgent", ranked[0][0]), "model", score)
        remaining = score * sum(p for _, p in allowed)
        if not allowed or remaining < detection.thresholds.get("urgent", 0.0):
            return None
        return Gate("urgent", reason_of("urgent", allowed[0][0]), "model", remaining)

    def off_topic_when_unsupported(self, message: str, history: Sequence[dict] = ()) -> Gate | None:
        """A decline for a message the library had nothing on, at the model's lower threshold
        for that case (`UNSUPPORTED_DECLINE`); None if it is not off-topic enough, or if the full
        model cannot score it (not ready, or no embeddings).

        As in `check`, a message in a conversation must also read as off-topic together with the
        previous user turn: "can you put that in simpler words?" alone looks like a task.
        """
        model = self._model
        if model is None or model.words_only or not self.use_model or not self.use_embeddings or self.embedder is None:
            return None
        previous = _last_user_turn(history)
        texts = [message] + ([f"{previous} {message}"] if previous else [])
        try:
            vectors = np.vstack([np.asarray(self._embed_pieces([t]), dtype=np.float32) for t in texts])
        except Exception:  # "not in my sources" then stands
            return None
        detections = [model.detect([t], vectors[i:i + 1], ["whole"]) for i, t in enumerate(texts)]
        if any(d.scores["decline"] < model.unsupported_decline for d in detections):
            return None
        first = detections[0]
        return Gate("decline", _decline_reason(first), "model", first.scores["decline"])

    def _in_context(self, joined: str, detection: Detection) -> Detection | None:
        """The detector on the previous turn and the message together (only when it matters)."""
        if not (detection.fired.get("abstain") or detection.fired.get("decline")):
            return None
        return self._detect(joined)

    def _detect(self, message: str) -> Detection | None:
        model = self._model
        if model is None or not self.use_model:
            return None
        texts = pieces(message)
        roles = ["whole"] + ["part"] * (len(texts) - 1)
        if self.embedder is None or not self.use_embeddings or model.words_only:
            return model.detect_words(texts, roles)
        try:
            vectors = self._embed_pieces(texts)
        except Exception as exc:  # an embedding model that cannot run: the words-only heads and the rules
            log.warning("triage embedding failed (%s); the words-only detector and the rules decide", exc)
            return model.detect_words(texts, roles)
        return model.detect(texts, np.asarray(vectors, dtype=np.float32), roles)
