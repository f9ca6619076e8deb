"""The default generator: pick the source sentences that answer the question, in reading order."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.answer.generate import Draft, Generator, Request, Sentence
from qa.text.dose import DOSE_AMOUNT
from qa.text.words import query_terms, stem
from qa.understanding import audience
from qa.understanding.lexicon import find_mentions, named_in
from qa.understanding.ranker import Ranker, add_relative
from qa.understanding.ranker import load as load_ranker

COVERAGE_CANDIDATES = 3  # ranked sections looked at before saying the sources do not cover it
# Words that name what a question is about, not what it asks (the "aspect" is the rest).
_GENERIC = frozenset({"itp", "immune", "thrombocytopenia", "people", "person", "someone", "doctor",
                      "doctors", "need", "get", "take", "like", "want", "know"})


def aspect_terms(question: str, vocabulary: Mapping[str, int] | None = None) -> dict[str, float]:
    """The question's words minus the entities it names (what it asks *about* them), weighted.

    A word the sources rarely use ("exercise") tells more than a common one ("safe"), so each
    stem is weighted by 1 / log(2 + its frequency in the indexed text).
    """
    vocabulary = vocabulary or {}
    entity_words = {w for m in find_mentions(question) for w in query_terms(f"{m.surface} {m.name}")}
    weights: dict[str, float] = {}
    for t in query_terms(question):
        if t in entity_words or t in _GENERIC:
            continue
        weights[stem(t)] = max(weights.get(stem(t), 0.0), 1.0 / math.log(2 + vocabulary.get(t, 1)))
    return weights


@dataclass(frozen=True)
class _Scores:
    """What `_score_all` measured for each hit."""

    ranking: list[float]  # section scores, higher first
    match: list[float]  # the hand-set match score (what the abstain thresholds are calibrated on)
    sentences: list[list[_Scored]]
    asked: list[set[str]]  # the asked-about words each section mentions
    features: list[dict[str, float]]  # what the ranker sees for each hit (qa/understanding/ranker.py FEATURES)


@dataclass(frozen=True)
class _Scored:
    hit: int
    index: int  # sentence position in its chunk
    text: str
    score: float
    vec: np.ndarray


class ExtractiveGenerator(Generator):
    """Answers only with sentences copied from the retrieved passages, each cited.

    The lead passage is the one whose section best matches the question (headings are phrased
    like patients' questions, and the corpus puts the direct answer first in each section).
    """

    name = "extractive"

    def __init__(self, min_sentence: float = 0.15, relative: float = 0.4, max_chars: int = 650,
                 min_passage: float = 0.33, weak_passage: float = 0.44,
                 ranker: Ranker | bool | None = True) -> None:
        # ranker=True: the fitted ranker in qa/understanding/ranker.yaml if there is one; None/False: hand weights.
        self.ranker = load_ranker() if ranker is True else (ranker or None)
        self.min_passage = min_passage
        self.weak_passage = weak_passage
        self.min_sentence = min_sentence
        self.relative = relative
        self.max_chars = max_chars

    def _score_all(self, request: Request) -> _Scores:
        """Section scores, scored sentences, and what of the question each section mentions."""
        q = request.vector
        terms = {stem(t) for t in query_terms(request.question)}
        aspect = aspect_terms(request.expanded or request.question, request.vocabulary)
        aspect_total = sum(aspect.values())
        mentioned = find_mentions(request.question)
        entities = {m.name for m in mentioned if m.kind != "topic"}
        topics = {m.name for m in mentioned if m.kind == "topic"}
        passage_scores: list[float] = []
        match: list[float] = []
        per_hit: list[list[_Scored]] = []
        asked: list[set[str]] = []
        features: list[dict[str, float]] = []
        who = audience.asked_for(request.original or request.question) or audience.of_conversation(request.history)
        top_lex = max((h.lexical for h in request.hits), default=0.0) or 1.0
        top_fused = max((h.fused for h in request.hits), default=0.0) or 1.0
        for h, hit in enumerate(request.hits):
            row = hit.row
            head_terms = {stem(t) for t in query_terms(f"{row.passage.title} {row.passage.section}")}
            body_terms = {stem(t) for t in query_terms(row.passage.text)}
            coverage = len(terms & (head_terms | body_terms)) / len(terms) if terms else 0.0
            sims = row.sent_vecs @ q if len(row.sentences) else np.zeros(0)
            best_sent = float(sims.max()) if len(sims) else 0.0
            # Headings are phrased as questions: a heading that names what is asked (the dose,
            # flying, side effects) beats one that merely names the same medicine.
            heading_words = {stem(t) for t in query_terms(row.passage.section.split(" › ")[-1])}
            aspect_cov = sum(w for t, w in aspect.items() if t in heading_words) / aspect_total if aspect else 0.0
            asked.append({t for t in aspect if t in head_terms | body_terms})
            # A passage that never names the medicine asked about is rarely the answer.
            entity_cov = topic_cov = 1.0
            if entities or topics:
                named = named_in(row.passage.title, row.passage.section, row.passage.text)
                entity_cov = len(entities & named) / len(entities) if entities else 1.0
                # A topic asked about (vaccines, travel) counts for less: sections often imply it.
                topic_cov = len(topics & named) / len(topics) if topics else 1.0
            match.append(
                0.30 * hit.heading + 0.25 * hit.dense + 0.15 * best_sent + 0.15 * coverage
                + 0.15 * aspect_cov + 0.15 * (entity_cov - 1.0)
            )
            features.append({
                "heading": hit.heading, "dense": hit.dense, "question": hit.question, "section": hit.section,
                "best_sentence": best_sent, "coverage": coverage, "aspect": aspect_cov,
                "entity": entity_cov, "topic": topic_cov, "lexical": hit.lexical / top_lex,
                "fused": hit.fused / top_fused,
                "audience": audience.match(who, audience.written_for(row.passage.title, row.passage.section)),
            })
            passage_scores.append(match[-1] - 0.05 * (1.0 - topic_cov))
            scored = []
            for i, (text, sim) in enumerate(zip(row.sentences, sims, strict=True)):
                s_terms = {stem(t) for t in query_terms(text)}
                lex = len(terms & s_terms) / len(terms) if terms else 0.0
                score = (0.50 * float(sim) + 0.20 * hit.dense + 0.15 * hit.heading + 0.15 * lex
                         + (0.04 if i == 0 else 0.0))
                scored.append(_Scored(h, i, text, score, row.sent_vecs[i]))
            per_hit.append(scored)
        add_relative(features)
        if self.ranker is not None:
            passage_scores = [self.ranker.score(f) for f in features]
        return _Scores(passage_scores, match, per_hit, asked, features)

    def rank(self, request: Request) -> list[int]:
        """Hit indexes, best section first, as `select` weighs them."""
        passage_scores = self._score_all(request).ranking
        return sorted(range(len(request.hits)), key=lambda h: -passage_scores[h])

    def select(self, request: Request) -> list[Sentence]:
        """Choose, order and cite the sentences of the answer."""
        if not request.hits:
            return []
        scores = self._score_all(request)
        passage_scores, per_hit, asked = scores.ranking, scores.sentences, scores.asked
        order = sorted(range(len(request.hits)), key=lambda h: -passage_scores[h])
        lead = order[0]
        # Say the sources do not cover it when the best section is a poor match, or a weak one
        # that mentions nothing of what is asked ("how much does romiplostim cost in Canada?").
        # A topic the section leaves unnamed only reorders sections; it never makes us abstain.
        # The ranker may lead with a section the match score rates lower (a close paraphrase of
        # its bank questions): the library covers the question if a section it would lead with
        # among its first few matches well.
        judged = max(order[:COVERAGE_CANDIDATES], key=lambda h: scores.match[h])
        match = scores.match[judged]
        weak = (match < self.weak_passage and not asked[judged]
                and bool(aspect_terms(request.expanded or request.question, request.vocabulary)))
        if request.mode == "answer" and (match < self.min_passage or weak):
            return []
        limit = request.max_sentences if request.mode == "answer" else 2
        lead_sents = per_hit[lead]
        if not lead_sents:
            return []
        best = max(lead_sents, key=lambda s: s.score)
        # A section answers one question and opens with the direct answer, so read it in order:
        # its first sentence, its best sentence, then the sentences between and after that still
        # bear on the question.
        picked = {0, best.index} if best.index < 8 or request.mode == "answer" else {best.index}
        floor = max(self.min_sentence, best.score * self.relative)
        for s in lead_sents:
            if len(picked) >= limit:
                break
            if s.score >= floor:
                picked.add(s.index)
        chosen = [lead_sents[i] for i in sorted(picked)][:limit]
        # A second section may add what the lead does not say (e.g. a question naming two
        # things), but only when it mentions something asked about that the lead does not.
        if request.mode == "answer" and len(chosen) < limit and len(order) > 1:
            lead_doc = request.hits[lead].row.passage.doc_id
            for h in order[1:3]:
                if scores.match[h] < scores.match[lead] * 0.92:
                    break
                if request.hits[h].row.passage.doc_id == lead_doc or not asked[h] - asked[lead]:
                    continue
                extra = max(per_hit[h], key=lambda s: s.score, default=None)
                if extra and extra.score >= best.score * 0.9:
                    chosen.append(extra)
                    break
        # Drop near-duplicates and anything that reads like a dose; keep it short for phones.
        kept: list[_Scored] = []
        size = 0
        for s in chosen:
            if any(float(s.vec @ k.vec) > 0.92 for k in kept) or DOSE_AMOUNT.search(s.text):
                continue
            if len(kept) >= 2 and size + len(s.text) > self.max_chars:
                continue
            kept.append(s)
            size += len(s.text)
        rank = {h: r for r, h in enumerate(order)}
        kept.sort(key=lambda s: (rank[s.hit], s.index))
        return [Sentence(s.text, (s.hit,)) for s in kept]

    def generate(self, request: Request) -> Draft:
        return Draft(self.select(request))

    def stream(self, request: Request, info: dict[str, Any] | None = None) -> Iterator[Sentence]:
        yield from self.select(request)
