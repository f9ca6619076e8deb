"""The combined detector (rules + learned model) on the frozen validation rows, and its fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import triage as tri
from qa.understanding.triage.detector import Triage, pieces
from qa.understanding.triage.model import Detection

FROZEN = Path(__file__).resolve().parents[4] / "eval" / "suites" / "frozen" / "triage.yaml"
# Floors measured on the frozen sets when the detector was built (closing note of the triage
# issue): a fall below them is a regression. The targets are higher (urgent recall 1.0).
FLOORS = {"urgent_recall": 0.97, "abstain_recall": 0.70, "decline_recall": 0.60}
CEILINGS = {"false_urgent_rate": 0.30, "false_decline_rate": 0.05}


class _Outcome:
    def __init__(self, gate) -> None:
        self.kind = gate.kind if gate else "answer"
        self.reason = gate.reason if gate else ""


def _outcomes(triage: Triage, cases):
    out = []
    for case in cases:
        history = [{"role": "user", "content": t} for t in case.turns[:-1]]
        out.append(_Outcome(triage.check(case.turns[-1], history)))
    return out


@pytest.fixture(scope="module")
def fitted(assistant) -> Triage:
    assistant.triage.prepare()
    assert assistant.triage.ready, assistant.triage.error
    return assistant.triage


@pytest.mark.parametrize("source", ["banks-validation", "frozen-suite"])
def test_every_validation_row_through_the_combined_detector(fitted, source: str) -> None:
    cases = tri.bank_cases("validation") if source == "banks-validation" else tri.suite_cases(FROZEN)
    result = tri.score(cases, _outcomes(fitted, cases))
    metrics = result.metrics()
    for name, floor in FLOORS.items():
        assert metrics[name] is not None and metrics[name] >= floor, (name, metrics[name], result.misses[:5])
    for name, ceiling in CEILINGS.items():
        assert metrics[name] is not None and metrics[name] <= ceiling, (name, metrics[name])


@pytest.mark.parametrize(("message", "flag"), [
    ("my little boy walked into the corner of the table at nursery, theres a lump on his forehead, hes fine tho", "head_injury"),
    ("my wife is 30 weeks and the baby has barely moved today, probably just sleeping?", "pregnancy_emergency"),
    ("had my spleen out in 2019, feeling shivery and rubbish tonight, 38.9, sleep it off?", "fever_no_spleen"),
    ("my calf is swollen and hot since i started promacta, gym injury i guess", "clot_signs"),
])
def test_the_model_catches_what_the_rules_miss(fitted, message: str, flag: str) -> None:
    from qa.understanding.triage import rules

    assert rules.urgent_reason(message) is None  # ordinary words, reassurance-seeking
    gate = fitted.check(message)
    assert gate is not None and gate.kind == "urgent" and gate.by == "model" and gate.reason == flag


def test_without_a_model_the_rules_still_decide() -> None:
    triage = Triage(embedder=None, model_dir=None)
    gate = triage.check("I fell and hit my head on the floor, platelets 12")
    assert gate is not None and gate.kind == "urgent" and gate.by == "rules"
    assert triage.check("is itp contagious?") is None


class _Broken:
    def embed_queries(self, texts):
        raise RuntimeError("model files missing")


def test_an_embedder_that_cannot_load_leaves_the_rules_in_charge(tmp_path, fitted) -> None:
    triage = Triage(embedder=_Broken(), model_dir=tmp_path)
    triage._model = fitted.model  # a fitted model, but no way to embed the message
    gate = triage.check("I'm throwing up blood")
    assert gate is not None and gate.kind == "urgent"
    assert triage.prepare() is not None  # the fitted model stays; nothing crashes


# Measured when the words-only heads were added (banks' validation split, embeddings off): urgent
# recall 0.995 at 0.091 false (the rules alone: 0.373 at 0.026).
WORDS_ONLY_FLOORS = {"urgent_recall": 0.95, "abstain_recall": 0.70}
WORDS_ONLY_CEILINGS = {"false_urgent_rate": 0.15, "false_decline_rate": 0.05}


def _assert_words_only_figures(triage: Triage) -> None:
    cases = tri.bank_cases("validation")
    metrics = tri.score(cases, _outcomes(triage, cases)).metrics()
    for name, floor in WORDS_ONLY_FLOORS.items():
        assert metrics[name] is not None and metrics[name] >= floor, (name, metrics[name])
    for name, ceiling in WORDS_ONLY_CEILINGS.items():
        assert metrics[name] is not None and metrics[name] <= ceiling, (name, metrics[name])


def test_without_embeddings_the_words_only_heads_and_the_rules_decide(tmp_path, fitted) -> None:
    triage = Triage(embedder=_Broken(), model_dir=tmp_path)
    triage._model = fitted.model
    _assert_words_only_figures(triage)
    gate = triage.check("had my spleen out in 2019, feeling shivery and rubbish tonight, 38.9, sleep it off?")
    assert gate is not None and (gate.kind, gate.by) == ("urgent", "model")


def test_with_no_cached_model_and_no_embedder_the_words_only_model_is_fitted(tmp_path) -> None:
    # A fresh install whose embedding model cannot load: no cached weights to fall back on. The
    # words-only heads are fitted from the banks alone (seconds), so the rules never decide alone.
    from qa.corpus.questions import answerable_questions
    from qa.settings import get_settings

    answerable = answerable_questions(get_settings().corpus_dir / "questions")
    triage = Triage(embedder=_Broken(), model_dir=tmp_path, answerable=answerable)
    model = triage.prepare()
    assert model is not None and model.words_only and triage.ready
    assert not list(tmp_path.glob("triage-*.npz"))  # never cached as if it were the full model
    _assert_words_only_figures(triage)
    gate = triage.check("my calf is swollen and hot since i started promacta, gym injury i guess")
    assert gate is not None and (gate.kind, gate.by, gate.reason) == ("urgent", "model", "clot_signs")
    assert triage.check("is itp contagious?") is None


def test_with_no_embedder_at_all_the_words_only_model_is_fitted(tmp_path) -> None:
    triage = Triage(embedder=None, model_dir=tmp_path)
    model = triage.prepare()
    assert model is not None and model.words_only
    gate = triage.check("had my spleen out in 2019, feeling shivery and rubbish tonight, 38.9, sleep it off?")
    assert gate is not None and gate.kind == "urgent"


def test_the_words_only_heads_survive_the_cache(tmp_path, fitted) -> None:
    from qa.understanding.triage.model import TriageModel

    path = tmp_path / "model.npz"
    fitted.model.save(path)
    loaded = TriageModel.load(path)
    texts, roles = ["my calf is swollen and hot since i started promacta"], ["whole"]
    assert loaded.detect_words(texts, roles) == fitted.model.detect_words(texts, roles)
    assert loaded.fallback_thresholds == fitted.model.fallback_thresholds
    assert loaded.tfidf.library == fitted.model.tfidf.library and loaded.tfidf.library.words


def test_a_model_not_fitted_yet_never_delays_a_reply(tmp_path, embedder) -> None:
    import time

    triage = Triage(embedder, tmp_path)
    triage.prepare_in_background()
    started = time.perf_counter()
    gate = triage.check("my nose has been bleeding for 40 minutes and won't stop")
    assert time.perf_counter() - started < 1.0 and gate is not None and gate.kind == "urgent"
    triage.stop()


def test_long_messages_are_also_read_in_sentence_pairs() -> None:
    filler = "We moved house last month and the kids started a new school. " * 6
    parts = pieces(filler + "Also my daughter fell down the stairs and hit her head. She seems ok.")
    assert parts[0].startswith("We moved") and any("hit her head" in p for p in parts[1:])
    assert pieces("short question about itp") == ["short question about itp"]


def test_the_sign_is_named_right_for_most_emergencies(fitted) -> None:
    # Measured when the group model was fitted: 0.82 of caught bank-validation emergencies are
    # named with their own red flag (the rest mostly a neighbouring one: clot vs stroke signs).
    urgent = [c for c in tri.bank_cases("validation") if c.expected == "urgent"]
    named = [g.reason == c.group for c in urgent
             if (g := fitted.check(c.turns[-1], [{"role": "user", "content": t} for t in c.turns[:-1]]))
             and g.kind == "urgent"]
    assert len(named) >= 0.97 * len(urgent) and sum(named) / len(named) >= 0.75


def test_a_changed_fitting_setting_never_loads_old_weights(tmp_path, monkeypatch) -> None:
    # The cache key covers the fitting settings (thresholds' targets, weights), not only the data.
    from qa.understanding.triage import model

    triage = Triage(None, tmp_path)
    before = triage._path()
    monkeypatch.setattr(model, "FIT_CONFIG", model.FIT_CONFIG + " changed")
    assert triage._path() != before


def _named(flag: str, *others: tuple[str, float]) -> Detection:
    ranked = ((flag, 1.0 - sum(p for _, p in others)), *others)
    return Detection({"urgent": 0.9, "abstain": 0.0, "decline": 0.0},
                     {"urgent": True, "abstain": False, "decline": False},
                     {"urgent": ranked}, {"urgent": 0.5, "abstain": 0.5, "decline": 0.5})


def _turns(*texts: str) -> list[dict]:
    return [{"role": "user", "content": t} for t in texts]


def _urgent(detection: Detection, message: str, history: list[dict]) -> str | None:
    gate = Triage._urgent_gate(detection, message, history)
    return gate.reason if gate else None


def test_a_very_low_count_is_set_aside_when_the_conversation_states_a_higher_count() -> None:
    low = _named("very_low_count")
    assert _urgent(low, "my platelets came back at 25 today. am i going to die?", []) is None
    assert _urgent(low, "is it ok if I stop her tablets?", _turns("mum's count is 300 on revolade")) is None
    # Any count under the limit anywhere in the conversation keeps the sign (a past one too).
    assert _urgent(low, "it's 30 now, should I still worry?", _turns("her count was 8 on monday")) == "very_low_count"
    assert _urgent(low, "plts 8 gums bleeding a bit", []) == "very_low_count"
    assert _urgent(low, "his count is really low and his gums are bleeding", []) == "very_low_count"  # none stated
    # Only a sign defined by a count can be ruled out by one.
    assert _urgent(_named("head_injury"), "count 90, hit my head on a beam", []) == "head_injury"


def test_a_message_urgent_enough_for_another_sign_stays_urgent_under_that_sign() -> None:
    spreading = "since lunch the spots have spread to my arms and chest, last count was 23"
    # 0.9 x 0.6 = 0.54 for the other signs: over the 0.5 threshold.
    assert _urgent(_named("very_low_count", ("mouth_blisters_purpura", 0.6)), spreading, []) == \
        "mouth_blisters_purpura"
    # 0.9 x 0.2 = 0.18: not urgent for any sign the table allows.
    assert _urgent(_named("very_low_count", ("mouth_blisters_purpura", 0.2)), spreading, []) is None


def test_a_decline_names_its_category_only_with_a_majority() -> None:
    from qa.understanding.triage.detector import _decline_reason

    def declined(*ranked: tuple[str, float]) -> Detection:
        return Detection({"urgent": 0.0, "abstain": 0.0, "decline": 0.9},
                         {"urgent": False, "abstain": False, "decline": True}, {"decline": ranked})

    assert _decline_reason(declined(("injection", 0.37), ("off_topic", 0.34), ("task", 0.29))) == "off_topic"
    assert _decline_reason(declined(("injection", 0.9), ("off_topic", 0.1))) == "prompt_injection"
    assert _decline_reason(declined(("task", 0.98), ("off_topic", 0.02))) == "task"


@pytest.mark.parametrize("turns", [
    ("I give myself romiplostim jabs every Monday", "we're going to Spain for a fortnight", "how do I keep it cold?"),
    ("I do my own Nplate injections", "off to Italy by car for a week", "what's the best way to keep it chilled?"),
])
def test_a_follow_up_about_a_medicine_named_earlier_is_not_declined(fitted, turns) -> None:
    # With only the turn before it, the message reads as travel chat; "it" is the medicine.
    history = [{"role": "user", "content": t} for t in turns[:-1]]
    gate = fitted.check(turns[-1], history)
    assert gate is None or gate.kind != "decline", gate
