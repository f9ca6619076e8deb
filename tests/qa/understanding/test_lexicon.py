"""ITP vocabulary (qa/understanding/lexicon.py): entity mentions and on-topic words."""

from __future__ import annotations

import pytest

from qa.understanding.lexicon import ENTITIES, Mention, find_mentions, has_domain_word, named_in


def test_mentions_give_canonical_name_kind_surface_and_position() -> None:
    assert find_mentions("Can I take Advil with nplate?") == [
        Mention("ibuprofen", "medicine", "Advil", 11),
        Mention("romiplostim", "treatment", "nplate", 22),
    ]


def test_the_longest_overlapping_form_wins() -> None:
    assert find_mentions("I have chronic ITP and take tpo receptor agonists") == [
        Mention("chronic ITP", "topic", "chronic ITP", 7),
        Mention("TPO receptor agonists", "treatment", "tpo receptor agonists", 28),
    ]
    assert [(m.name, m.surface) for m in find_mentions("I had my spleen removed")] == [
        ("splenectomy", "spleen removed")]


def test_forms_inside_other_words_are_not_mentions() -> None:
    assert find_mentions("a predator, the index, my kidney, sleep, anti-depressant, non-steroid use") == []


def test_every_occurrence_is_found_case_insensitively() -> None:
    assert [(m.name, m.start) for m in find_mentions("aspirin or ASPIRIN")] == [("aspirin", 0), ("aspirin", 11)]


def test_positions_count_characters_not_bytes() -> None:
    assert find_mentions("🙂 Können Kinder Ibuprofen nehmen?") == [Mention("ibuprofen", "medicine", "Ibuprofen", 16)]


def test_no_text_no_mentions() -> None:
    assert find_mentions("") == []
    assert find_mentions("   \n") == []


def test_the_returned_list_is_the_callers_own() -> None:
    first = find_mentions("aspirin and warfarin")
    first.clear()
    assert [m.name for m in find_mentions("aspirin and warfarin")] == ["aspirin", "blood thinners"]


def test_a_long_text_yields_every_mention() -> None:
    # (speed is measured by `itpqa bench`, not by a timed test)
    found = find_mentions("is ibuprofen ok with nplate? " * 3000)
    assert len(found) == 6000


def test_every_surface_form_belongs_to_one_name() -> None:
    forms = [f.lower() for names in ENTITIES.values() for variants in names.values() for f in variants]
    assert len(forms) == len(set(forms))
    assert all(find_mentions(form) for form in forms)  # each form finds itself


@pytest.mark.parametrize("text", [
    "what is itp", "PLATELETS are low", "can I take nplate?", "red spots on my shins", "Evans syndrome",
])
def test_domain_words_and_itp_entities_are_on_topic(text: str) -> None:
    assert has_domain_word(text)


@pytest.mark.parametrize("text", ["best stocks to buy", "which wine goes with fish", "plan a holiday", ""])
def test_everyday_entities_and_other_words_are_not_on_topic(text: str) -> None:
    assert not has_domain_word(text)


def test_named_in_reads_title_heading_and_text() -> None:
    assert named_in("Pregnancy and ITP", "Treatment › IVIG", "Avoid aspirin and Advil.") == {
        "pregnancy", "IVIG", "aspirin", "ibuprofen"}
    assert named_in("", "", "") == set()
