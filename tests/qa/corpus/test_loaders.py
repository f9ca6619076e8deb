"""Loading every supported format, page-furniture removal, and friendly errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.loaders import LoadError, discover, load_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _all_text(doc) -> str:
    return "\n".join(s.text for s in doc.sections)


def test_saved_news_page_indexes_only_its_article() -> None:
    doc = load_file(FIXTURES / "saved_news_page.html", FIXTURES)
    text = _all_text(doc)
    assert doc.title == "Platelet counts explained"
    assert doc.url == "https://bloodhealth.example/itp/platelet-counts-explained/"
    assert doc.last_reviewed == "2025-05-14"
    assert "A platelet count measures how many platelets" in text
    assert "Some medicines can lower the count until they are stopped." in text
    assert "Your care team looks at the count" in text
    assert [s.headings for s in doc.sections][1:] == [("Why counts go down",), ("What the number means for you",)]
    furniture = [
        "Skip to content", "Conditions", "ITP treatment", "Facebook", "Instagram", "help you find",
        "Share on", "Related articles", "Dental procedures", "newsletter", "Recent Posts",
        "High LDH", "Leadership", "Privacy Policy", "Copyright", "cookies", "dataLayer", "display:flex",
        "strictly a news",
    ]
    for phrase in furniture:
        assert phrase.lower() not in text.lower(), phrase


def test_markdown_front_matter_and_sections(tmp_path: Path) -> None:
    f = tmp_path / "demo.md"
    f.write_text(
        "---\nid: demo\ntitle: Demo page\nlast_reviewed: 2026-01-02\nsources:\n"
        "  - title: ASH 2019\n    doi: 10.1182/bloodadvances.2019000966\n    year: 2019\n---\n"
        "# Demo page\n\n## Is it catching?\nNo, it is not catching.\n\n## Sources\nShould not be indexed.\n"
    )
    doc = load_file(f, tmp_path)
    assert (doc.doc_id, doc.title, doc.last_reviewed) == ("demo", "Demo page", "2026-01-02")
    assert doc.references[0].link == "https://doi.org/10.1182/bloodadvances.2019000966"
    assert [s.headings for s in doc.sections] == [("Is it catching?",)]


def test_reviewed_by_is_carried_from_front_matter(tmp_path: Path) -> None:
    f = tmp_path / "demo.md"
    f.write_text('---\nid: demo\ntitle: Demo\nlast_reviewed: 2026-12-01\n'
                 'reviewed_by: "project medical review,\n  2026-12"\n---\n# Demo\n\n## Is it catching?\nNo.\n')
    assert load_file(f, tmp_path).reviewed_by == "project medical review, 2026-12"
    f.write_text("---\nid: demo\ntitle: Demo\n---\n# Demo\n\n## Is it catching?\nNo.\n")
    assert load_file(f, tmp_path).reviewed_by == ""


def test_plain_text_with_abstract_front_matter(tmp_path: Path) -> None:
    f = tmp_path / "abstract.txt"
    f.write_text('---\nreference_id: "PMID:123"\ntitle: A study\ndoi: 10.1/x\nyear: "2024"\n---\nSome findings here.\n')
    doc = load_file(f, tmp_path)
    assert doc.title == "A study"
    assert doc.references[0].pmid == "123"


def test_pdf_is_read(tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 20 100 Td (Platelets help blood clot.) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = tmp_path / "leaflet.pdf"
    with open(out, "wb") as fh:
        writer.write(fh)
    doc = load_file(out, tmp_path)
    assert "Platelets help blood clot." in _all_text(doc)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"   \n\t\n  ", "empty"),
        ("binary.txt", bytes(range(256)) * 20, "binary"),
        ("latin1.md", "caf\xe9 platelets".encode("latin-1"), "UTF-8"),
        ("broken.md", b"---\ntitle: [unclosed\n---\n# T\n## Q?\nA.\n", "YAML"),
        ("fake.pdf", b"this is not a pdf", "not a valid PDF"),
        ("truncated.pdf", b"%PDF-1.4\n1 0 obj garbage", "could not be read"),
        ("nav-only.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
    ],
)
def test_bad_files_give_friendly_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(LoadError) as err:
        load_file(f, tmp_path)
    assert message in err.value.message
    assert "skipped" in err.value.message or "no article" in err.value.message


def test_discover_skips_hidden_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\n## Q?\nAnswer.\n")
    (tmp_path / ".hidden.md").write_text("# H\n")
    (tmp_path / "_draft.md").write_text("# D\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    files, errors = discover([tmp_path, tmp_path / "missing"])
    assert [f.name for f, _ in files] == ["a.md"]
    assert len(errors) == 1 and "no such file" in errors[0].message
