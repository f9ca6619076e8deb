"""Load source files (Markdown with front matter, text, HTML, PDF) into `Document`s."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from qa.corpus.html import html_to_blocks
from qa.types import Document, Section, SourceRef

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
MAX_FILE_BYTES = 20 * 1024 * 1024
_FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SKIP_SECTIONS = re.compile(r"^(sources?|references?|further reading|bibliography)$", re.I)
# libyaml when available: the same safe loading, ~10x faster (front matter dominates re-ingest).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # control characters but \t \n \f \r


class LoadError(Exception):
    """A file that cannot be used, with a message meant for the person running ingest."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "document"


def _decode(path: Path, raw: bytes) -> str:
    if not raw.strip():
        raise LoadError(path, "the file is empty; skipped")
    if b"\x00" in raw[:8192]:
        raise LoadError(path, "this looks like a binary file, not text; skipped")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            path, f"the file is not valid UTF-8 text (bad byte at position {exc.start}); "
            "re-save it as UTF-8; skipped"
        ) from None
    if not text.strip():
        raise LoadError(path, "the file has only whitespace; skipped")
    control = len(_CONTROL.findall(text, 0, 20000))
    if control > 0.05 * min(len(text), 20000):
        raise LoadError(path, "this looks like a binary file, not text; skipped")
    return text


def _references(raw: Any) -> tuple[SourceRef, ...]:
    refs: list[SourceRef] = []
    for item in raw or []:
        if isinstance(item, str):
            refs.append(SourceRef(title=item))
        elif isinstance(item, dict):
            refs.append(
                SourceRef(
                    title=str(item.get("title") or item.get("citation") or "").strip(),
                    url=str(item.get("url") or "").strip(),
                    citation=str(item.get("citation") or "").strip(),
                    doi=str(item.get("doi") or "").strip(),
                    pmid=str(item.get("pmid") or "").strip(),
                    year=str(item.get("year") or "").strip(),
                )
            )
    return tuple(r for r in refs if r.title or r.link)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter from a Markdown/text body (empty dict when there is none)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.load(m.group(1), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise LoadError(path, f"the front matter is not valid YAML{where}; skipped") from None
    if not isinstance(meta, dict):
        raise LoadError(path, "the front matter must be a YAML mapping (key: value); skipped")
    return meta, text[m.end():]


def markdown_sections(body: str) -> tuple[str, list[Section]]:
    """Split Markdown into sections keyed by heading path; returns (first h1, sections)."""
    title = ""
    path: list[tuple[int, str]] = []
    sections: list[Section] = []
    buf: list[str] = []
    skipping = False

    def flush() -> None:
        text = "\n".join(buf).strip()
        if text and not skipping:
            sections.append(Section(tuple(h for _, h in path), text))
        buf.clear()

    in_code = False
    for line in body.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        m = None if in_code else _HEADING.match(line)
        if m:
            flush()
            level, heading = len(m.group(1)), m.group(2).strip()
            if level == 1 and not title:
                title = heading
                path = []
                continue
            path = [(lv, h) for lv, h in path if lv < level] + [(level, heading)]
            skipping = bool(_SKIP_SECTIONS.match(heading))
            continue
        buf.append(line)
    flush()
    return title, sections


def _date_str(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value or "").strip()[:10]


def _reviewer(value: Any) -> str:
    """`reviewed_by` as one line of text ("" when absent)."""
    return re.sub(r"\s+", " ", str(value or "")).strip()[:200]


def load_markdown(path: Path, text: str, rel: str) -> Document:
    meta, body = split_front_matter(path, text)
    h1, sections = markdown_sections(body)
    if not sections:
        raise LoadError(path, "no body text found under the headings; skipped")
    title = str(meta.get("title") or h1 or path.stem.replace("-", " ").capitalize())
    return Document(
        doc_id=str(meta.get("id") or _slug(Path(rel).with_suffix("").as_posix())),
        title=title,
        source=rel,
        sections=tuple(sections),
        url=str(meta.get("url") or ""),
        summary=str(meta.get("summary") or ""),
        last_reviewed=_date_str(meta.get("last_reviewed")),
        audience=_as_tuple(meta.get("audience")),
        topics=_as_tuple(meta.get("topics")),
        references=_references(meta.get("sources") or meta.get("references")),
        reviewed_by=_reviewer(meta.get("reviewed_by")),
    )


def load_text(path: Path, text: str, rel: str) -> Document:
    meta, body = split_front_matter(path, text)
    if any(_HEADING.match(ln) for ln in body.splitlines()):
        doc = load_markdown(path, text, rel)
        if meta.get("title") or meta.get("id"):
            return doc
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    if not lines:
        raise LoadError(path, "the file has no text; skipped")
    title = str(meta.get("title") or lines[0])[:200]
    refs = _references(meta.get("sources"))
    if not refs and (meta.get("doi") or meta.get("reference_id")):
        pmid = str(meta.get("reference_id") or "").removeprefix("PMID:")
        refs = (SourceRef(title=title, doi=str(meta.get("doi") or ""), pmid=pmid,
                          year=str(meta.get("year") or "")),)
    return Document(
        doc_id=str(meta.get("id") or _slug(Path(rel).with_suffix("").as_posix())),
        title=title,
        source=rel,
        sections=(Section((), body.strip()),),
        url=str(meta.get("url") or ""),
        last_reviewed=_date_str(meta.get("last_reviewed")),
        references=refs,
        reviewed_by=_reviewer(meta.get("reviewed_by")),
    )


def load_html(path: Path, text: str, rel: str) -> Document:
    meta, blocks = html_to_blocks(text)
    sections: list[Section] = []
    heading: tuple[str, ...] = ()
    buf: list[str] = []
    for tag, content in blocks:
        if tag in ("h1", "h2", "h3", "h4"):
            if buf:
                sections.append(Section(heading, "\n\n".join(buf)))
                buf = []
            if tag != "h1":
                heading = (content,)
            continue
        buf.append(f"- {content}" if tag == "li" else content)
    if buf:
        sections.append(Section(heading, "\n\n".join(buf)))
    sections = [s for s in sections if not (s.headings and _SKIP_SECTIONS.match(s.headings[-1]))]
    if not sections:
        raise LoadError(path, "no article text found in this page; skipped")
    title = meta.get("title") or path.stem
    return Document(
        doc_id=_slug(Path(rel).with_suffix("").as_posix()),
        title=title,
        source=rel,
        sections=tuple(sections),
        url=meta.get("url", ""),
        last_reviewed=meta.get("modified", ""),
        references=(SourceRef(title=title, url=meta["url"]),) if meta.get("url") else (),
    )


def load_pdf(path: Path, rel: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [(page.extract_text() or "") for page in reader.pages]
        info_title = str(reader.metadata.get("/Title") or "" if reader.metadata else "").strip()
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(path, f"this PDF could not be read ({exc.__class__.__name__}); skipped") from None
    sections = [
        Section((f"Page {i}",), re.sub(r"[ \t]+", " ", txt).strip())
        for i, txt in enumerate(pages, 1)
        if txt.strip()
    ]
    if not sections:
        raise LoadError(path, "no extractable text in this PDF (is it a scan?); skipped")
    first_line = sections[0].text.splitlines()[0].strip()
    return Document(
        doc_id=_slug(Path(rel).with_suffix("").as_posix()),
        title=info_title or first_line[:200] or path.stem,
        source=rel,
        sections=tuple(sections),
    )


def load_file(path: Path, root: Path | None = None) -> Document:
    """Load one supported file.

    Args:
        path: the file.
        root: the folder ingest was pointed at; the document's `source` is relative to it.
    Returns:
        The document.
    Raises:
        LoadError: the file is empty, binary, undecodable, malformed or unsupported.
    """
    rel = path.name if root is None else path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(path, f"unsupported file type '{suffix}'; skipped")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(path, f"cannot read this file ({exc.strerror}); skipped") from None
    if size > MAX_FILE_BYTES:
        raise LoadError(path, f"the file is too large ({size // 1_048_576} MiB > 20 MiB); skipped")
    if suffix == ".pdf":
        head = path.read_bytes()[:5]
        if head != b"%PDF-":
            raise LoadError(path, "this is not a valid PDF file; skipped")
        return load_pdf(path, rel)
    text = _decode(path, path.read_bytes())
    if suffix in (".md", ".markdown"):
        return load_markdown(path, text, rel)
    if suffix in (".html", ".htm"):
        return load_html(path, text, rel)
    return load_text(path, text, rel)


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path]], list[LoadError]]:
    """Find supported files under `paths` as (file, root) pairs, sorted; missing paths are errors."""
    found: list[tuple[Path, Path]] = []
    errors: list[LoadError] = []
    for p in paths:
        if not p.exists():
            errors.append(LoadError(p, "no such file or folder"))
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                rel_parts = f.relative_to(p).parts
                if any(part.startswith((".", "_")) for part in rel_parts):
                    continue
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append((f, p))
        elif p.is_file():
            found.append((p, p.parent))
    return found, errors
