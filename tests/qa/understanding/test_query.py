"""Query understanding: typo repair, brand names, lay words, count ranges."""

from __future__ import annotations

from qa.understanding.query import correct_spelling, count_band, prepare

VOCAB = {"prednisone": 40, "second": 30, "treatment": 80, "effects": 50, "pain": 60, "travel": 5}


def test_one_letter_typos_are_repaired() -> None:
    assert correct_spelling("predisone makes me hungry", VOCAB) == "prednisone makes me hungry"
    assert correct_spelling("whats secnd line treatmnt", VOCAB) == "whats second line treatment"
    assert correct_spelling("side efects", VOCAB) == "side effects"


def test_short_words_are_not_shortened_into_other_words() -> None:
    assert correct_spelling("going to spain", VOCAB) == "going to spain"


def test_everyday_words_the_sources_never_use_are_not_typos() -> None:
    vocab = {**VOCAB, "thinning": 9, "getting": 20, "brothers": 4, "bleeding": 90}
    assert correct_spelling("thinking of getting my nose pierced", vocab) == "thinking of getting my nose pierced"
    assert correct_spelling("her brother started wetting the bed", vocab) == "her brother started wetting the bed"
    assert correct_spelling("bleding gums", vocab) == "bleeding gums"  # still a typo


def test_brand_names_add_the_generic_name() -> None:
    q = prepare("can I do my nplate shots at home", VOCAB)
    assert "romiplostim" in q.dense
    assert "injection" in q.lexical


def test_count_ranges() -> None:
    assert count_band(8) == "count below 10"
    assert count_band(45) == "count between 20 and 50"
    assert "between 20 and 50" in prepare("my count came back at 45", VOCAB).lexical


def test_fear_in_an_ordinary_question_does_not_steer_search_to_emotional_support() -> None:
    # Frightened people ask about everything; the question bank holds their voices for every
    # section, so fear words are no search term. Asking how to cope still is.
    assert "emotional" not in prepare("what does ITP even mean?? im really scared", {}).lexical
    assert "emotional" in prepare("how do I cope with ITP?", {}).lexical
