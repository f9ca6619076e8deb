"""How many words of a message the library never uses: a feature of the learned triage heads."""

from __future__ import annotations

from pathlib import Path

from qa.understanding.triage.banks import load_banks
from qa.understanding.triage.model import Tfidf, model_key
from qa.understanding.triage.unknown_words import BANDS, Library

CORPUS = Path(__file__).resolve().parents[4] / "corpus"


def test_words_the_documents_never_use_are_unknown_and_one_letter_typos_are_forgiven() -> None:
    library = Library.from_corpus(CORPUS)
    assert library.unknown("explain pythagoras to her simply") == ["pythagoras"]
    assert library.unknown("write me a poem about my cat") == ["poem", "cat"]
    assert library.unknown("can my platlet count drop after a viral infection?") == []  # "platlet": a typo
    assert library.band("can ibuprofen make bleeding worse?") == ["unknown_words_0"]
    assert library.band("which magician, balloons and cake for a wedding?") == [BANDS[-1]]


def test_without_a_vocabulary_the_feature_is_off() -> None:
    assert Library().band("explain pythagoras") == []
    assert Library.from_corpus(Path("/nonexistent/corpus")).words == frozenset()


def test_a_huge_word_is_unknown_without_spelling_out_its_edits() -> None:
    library = Library(frozenset({"platelet"}))
    assert library.unknown("a" * 5000 + " platelets") == ["a" * 5000]


def test_the_band_is_a_term_of_the_fitted_word_features() -> None:
    library = Library.from_corpus(CORPUS)
    tfidf = Tfidf.fit(["explain pythagoras simply", "write a poem about cats", "what is itp", "is itp rare"],
                      min_df=1, library=library)
    assert {"unknown_words_0", "unknown_words_1", "unknown_words_2"} <= set(tfidf.vocabulary)
    assert tfidf.vocabulary["unknown_words_2"] in tfidf.vector("explain quantum physics to me")


def test_a_changed_vocabulary_changes_the_cache_key() -> None:
    train = [ex for ex in load_banks() if ex.split == "train"][:50]
    assert model_key(train, (), Library(frozenset({"a"}))) != model_key(train, (), Library(frozenset({"b"})))
