"""The corpus as the checker reads it: statements, bullets with their lead-in, `##` sections."""

from __future__ import annotations

from qa.corpus.text import checked_sections, units


def test_a_bullet_is_read_with_the_sentence_that_introduces_its_list() -> None:
    got = units("Call your team if you have:\n- A nosebleed over 15 minutes.\n- Blood in your urine.\n\n"
                "Rest afterwards.")
    assert [(u.text, u.item) for u in got] == [
        ("Call your team if you have:", False),
        ("Call your team if you have: A nosebleed over 15 minutes.", True),
        ("Call your team if you have: Blood in your urine.", True),
        ("Rest afterwards.", False),
    ]


def test_a_wrapped_line_continues_its_item_and_a_unit_ends_its_sentence() -> None:
    got = units("- Tiny red dots,\n  often on the legs.\n\nA normal count is 150 to 400 x10^9/L. Each lab differs.")
    assert [u.text for u in got] == ["Tiny red dots, often on the legs.", "A normal count is 150 to 400 x10^9/L.",
                                     "Each lab differs."]


def test_sections_are_the_level_two_headings_with_their_statements() -> None:
    body = "# Title\nIntro line.\n\n## What is ITP?\nITP is an immune condition. It lowers platelets.\n\n" \
           "## Is it catching?\nNo, it is not.\n"
    sections = checked_sections("what-is-itp", body)
    by_heading = {s.heading: s for s in sections}
    assert by_heading["What is ITP?"].text == "ITP is an immune condition. It lowers platelets."
    assert by_heading["Is it catching?"].units[0].text == "No, it is not."
    assert all(s.doc == "what-is-itp" for s in sections)
