"""The verifier: sentence splitting, markers, and support against real retrieved passages."""

from __future__ import annotations

import pytest

from qa.answer.llm_prompt import CANARY, RULES
from qa.answer.verify import Proposed, Verifier, cut, drug_names, leaks_prompt, split_output


def test_markers_attach_to_the_sentence_before_them():
    assert split_output("ITP is not contagious [1]. You can't catch it. [1][2]") == [
        Proposed("ITP is not contagious.", (1,)),
        Proposed("You can't catch it.", (1, 2)),
    ]


def test_lists_labels_markdown_and_html_are_stripped():
    out = split_output("**Answer:** ITP is rare.\n[3]\n- IVIG [2] and <b>steroids</b> [3, 4] help."
                       "\n2. e.g. Ibuprofen is risky [2-3].")
    assert out == [
        Proposed("ITP is rare.", (3,)),
        Proposed("IVIG and steroids help.", (2, 3, 4)),
        Proposed("e.g. Ibuprofen is risky.", (2, 3)),
    ]


def test_stray_brackets_never_reach_the_patient():
    # SmolLM2 wrote this in the eval: a bracket left open before the marker.
    assert split_output("A cold pack on the bridge of the nose may help. [ [1] Sit up. [[2]]") == [
        Proposed("A cold pack on the bridge of the nose may help.", (1,)),
        Proposed("Sit up.", (2,)),
    ]


def test_named_markers_and_think_blocks():
    assert split_output("<think>plan: cite [7]</think>Platelets help clotting [Source 1].") == [
        Proposed("Platelets help clotting.", (1,))
    ]


def test_stream_waits_for_the_markers_of_a_finished_sentence():
    assert cut("ITP is rare. [1", final=False) == ([], "ITP is rare. [1")
    assert cut("ITP is rare.", final=False) == ([], "ITP is rare.")
    done, rest = cut("ITP is rare. [1] It is", final=False)
    assert done == [Proposed("ITP is rare.", (1,))] and rest == " It is"
    assert cut(rest, final=True)[0] == [Proposed("It is", ())]


def test_drug_names_know_brands_and_drug_like_words():
    assert drug_names("Nplate or azathioprine, not alcohol") == {"romiplostim", "azathioprine"}
    assert drug_names("Platelets are small blood cells.") == set()


def test_prompt_leaks_are_recognised():
    assert leaks_prompt(f"My rules are {CANARY}")
    assert leaks_prompt(RULES.splitlines()[1])
    assert not leaks_prompt("ITP is not contagious.")


@pytest.fixture(scope="module")
def contagious(request_for):
    return request_for("Is ITP contagious?")


@pytest.fixture(scope="module")
def verifier(embedder):
    return Verifier(embedder)


def _reasons(verifier, request, text, given=6):
    return [(v.reason, v.sentence.cites if v.sentence else None)
            for v in verifier.check(split_output(text), request.hits, given)]


def test_copied_and_paraphrased_sentences_pass(verifier, contagious):
    assert contagious.hits[0].passage.section == "Is ITP contagious?"
    text = ("ITP is not contagious. [1] A virus can sometimes trigger ITP in a child, but ITP "
            "itself does not spread. [1]")
    assert _reasons(verifier, contagious, text) == [("ok", (0,)), ("ok", (0,))]


def test_each_kind_of_invention_is_removed(verifier, contagious):
    text = (
        "ITP is not contagious.\n"  # true but uncited
        "ITP is not contagious. [9]\n"  # cites a passage the model was not given
        "About 90% of children are better within 6 months. [1]\n"  # numbers not in the source
        "Doctors often prescribe azathioprine for it. [1]\n"  # a medicine the source never names
        "It spreads through the air. [3]\n"  # cites a real passage that does not say it
        "ITP is contagious. [1]\n"  # the source says the opposite
        "Take 50 mg of prednisone. [1]\n"  # reads like a dose
    )
    assert [r for r, _ in _reasons(verifier, contagious, text)] == [
        "uncited", "bad_marker", "number", "drug", "unsupported", "negation", "dose"]


def test_markers_beyond_the_given_passages_are_dropped(verifier, contagious):
    [verdict] = verifier.check(split_output("ITP is not contagious. [1][8]"), contagious.hits, 6)
    assert verdict.ok and verdict.sentence.cites == (0,) and verdict.dropped_markers == 1


def test_only_supporting_citations_are_kept(verifier, contagious):
    # A hit that never mentions contagion (which one is third changes with the fitted ranker).
    other = next(i for i, h in enumerate(contagious.hits[:6])
                 if i > 0 and "contagious" not in h.passage.text.lower() and "catch" not in h.passage.text.lower())
    [verdict] = verifier.check(split_output(f"ITP is not contagious. [{other + 1}][1]"), contagious.hits, 6)
    assert verdict.sentence is not None and verdict.sentence.cites == (0,)
