"""Citation markers: claims, and every marker resolving to a returned source."""

from __future__ import annotations

import pytest

from eval.metrics.citations import Claim, citation_validity, marker_numbers, sentences, split_claims


def test_marker_numbers() -> None:
    assert marker_numbers("A. [1] B. [2][1] C [3, 4].") == [1, 2, 1, 3, 4]
    assert marker_numbers("no markers, [a] or [ ]") == []


def test_split_claims_takes_the_sentence_before_each_marker() -> None:
    body = ("This could be an emergency. Call now.\n\nWhile you get help:\n\n"
            "ITP is rare. [1] It is not contagious [2]. Unmarked end.")
    claims, uncited = split_claims(body)
    assert claims == [Claim("ITP is rare.", (1,)), Claim("It is not contagious", (2,))]
    assert uncited == ["This could be an emergency.", "Call now.", "While you get help:", "Unmarked end."]


def test_split_claims_merges_repeated_numbers() -> None:
    claims, _ = split_claims("A is b. [1][2][1]")
    assert claims == [Claim("A is b.", (1, 2))]


def test_sentences_split_units_and_list_intros() -> None:
    assert sentences("Normal is 150 to 450 x10^9/L. Experts agreed. Tips include: Rest.") == [
        "Normal is 150 to 450 x10^9/L.", "Experts agreed.", "Tips include:", "Rest."]


def test_validity_by_hand() -> None:
    result = citation_validity(
        ["A. [1] B. [2]", "C. [1]", "no markers", None, "D. [3]"],
        [[1, 2], [2], [], [1], [1, 2, 3]],
    )
    first, second, third, fourth, fifth = result.per_case
    assert first is not None and first.valid and first.markers == 2 and first.unused == ()
    assert second is not None and not second.valid and second.unresolved == (1,) and second.unused == (2,)
    assert third is None and fourth is None
    assert fifth is not None and fifth.valid and fifth.unused == (1, 2)
    assert result.evaluated == 3
    assert result.validity_rate == pytest.approx(2 / 3)
    assert result.unresolved_markers == 1


def test_sources_without_markers_count_as_valid() -> None:
    result = citation_validity(["plain text"], [[1]])
    assert result.per_case[0] is not None and result.per_case[0].valid
    assert result.per_case[0].unused == (1,)


@pytest.mark.parametrize("sources", [[["1"]], [[True]], ["12"]])
def test_bad_sources_are_a_value_error(sources) -> None:
    with pytest.raises(ValueError):
        citation_validity(["A. [1]"], sources)


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        citation_validity(["a", "b"], [[1]])
