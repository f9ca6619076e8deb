"""Eval suites: load YAML case files (with includes) into typed cases, with errors at file:line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KINDS: tuple[str, ...] = ("answer", "urgent", "decline", "abstain")
CASE_KEYS = ("id", "tags", "turns", "kind", "facts", "forbid", "docs", "notes")
SUITE_KEYS = ("suite", "description", "include", "cases")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SuiteError(ValueError):
    """A suite file is missing, unreadable or malformed; the message starts with `file:line:`."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        where = f"{self.path}:{line}: " if self.path and line else f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class Case:
    """One eval case: the user turns to send and what the last reply must look like.

    >>> Case(id="c1", turns=("is itp contagious?",), kind="answer").question
    'is itp contagious?'
    """

    id: str
    turns: tuple[str, ...]
    kind: str
    tags: tuple[str, ...] = ()
    facts: tuple[tuple[str, ...], ...] = ()  # each fact: acceptable phrasings (any one is enough)
    forbid: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()  # "doc-id" or "doc-id#Section heading"
    notes: str = ""
    source: str = ""  # "file:line" where the case is defined

    @property
    def question(self) -> str:
        """The turn whose reply is scored (the last one)."""
        return self.turns[-1]


@dataclass(frozen=True)
class Suite:
    """A named, ordered set of cases.

    >>> suite = load_suite("eval/suites/dev.yaml")            # doctest: +SKIP
    >>> len(suite.select(["urgent"]).cases)                  # doctest: +SKIP
    16
    """

    name: str
    path: str
    cases: tuple[Case, ...]
    description: str = ""
    files: tuple[str, ...] = field(default=())

    def select(self, tags: Iterable[str] = ()) -> Suite:
        """The cases carrying any of `tags` (all cases when `tags` is empty)."""
        wanted = {t.strip().lower() for t in tags if t.strip()}
        if not wanted:
            return self
        kept = tuple(c for c in self.cases if wanted & {t.lower() for t in c.tags})
        return replace(self, cases=kept)

    @property
    def tags(self) -> list[str]:
        """Every tag used, most common first."""
        counts: dict[str, int] = {}
        for c in self.cases:
            for t in c.tags:
                counts[t] = counts.get(t, 0) + 1
        return sorted(counts, key=lambda t: (-counts[t], t))


# --- YAML nodes with their positions -------------------------------------------------------------
class _Ctx:
    """The file being read, so every error can name file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.loader = yaml.SafeLoader("")

    def error(self, node: Node | None, message: str) -> SuiteError:
        line = node.start_mark.line + 1 if node is not None else None
        return SuiteError(message, self.path, line)

    def value(self, node: Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.error(node, f"{what} must be a mapping (key: value), got {_describe(node)}")
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise self.error(key_node, f"{what}: keys must be text, got {key!r}")
            if key in out:
                first = out[key][0].start_mark.line + 1
                raise self.error(key_node, f"{what}: duplicate key '{key}' (first on line {first})")
            out[key] = (key_node, value_node)
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.error(node, f"{what} must be a list, got {_describe(node)}")
        return list(node.value)

    def text(self, node: Node, what: str, allow_empty: bool = False) -> str:
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value is None:
            raise self.error(node, f"{what} must be text, got {_describe(node)}")
        text = str(value)
        if not allow_empty and not text.strip():
            raise self.error(node, f"{what} must not be empty")
        return text

    def texts(self, node: Node, what: str) -> tuple[str, ...]:
        return tuple(self.text(n, f"{what}[{i}]") for i, n in enumerate(self.sequence(node, what)))


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing (null)"
    return f"{node.value!r}"


def _parse_case(ctx: _Ctx, node: Node, index: int) -> Case:
    where = f"case #{index + 1}"
    fields = ctx.mapping(node, where)
    if "id" in fields:
        where = f"case '{ctx.text(fields['id'][1], 'id')}'"
    for key, (key_node, _) in fields.items():
        if key not in CASE_KEYS:
            raise ctx.error(key_node, f"{where}: unknown key '{key}' (allowed: {', '.join(CASE_KEYS)})")
    for required in ("id", "turns", "kind"):
        if required not in fields:
            raise ctx.error(node, f"{where}: missing required key '{required}'")
    id_node = fields["id"][1]
    case_id = ctx.text(id_node, "id")
    if not _ID.match(case_id):
        raise ctx.error(id_node, f"{where}: id may only hold letters, digits, '.', '_' and '-'")
    turns = ctx.texts(fields["turns"][1], f"{where}: turns")
    if not turns:
        raise ctx.error(fields["turns"][1], f"{where}: turns must hold at least one user message")
    kind_node = fields["kind"][1]
    kind = ctx.text(kind_node, f"{where}: kind")
    if kind not in KINDS:
        raise ctx.error(kind_node, f"{where}: kind must be one of {', '.join(KINDS)} (got '{kind}')")
    facts: list[tuple[str, ...]] = []
    if "facts" in fields and not _is_null(fields["facts"][1]):
        for i, fact_node in enumerate(ctx.sequence(fields["facts"][1], f"{where}: facts")):
            if isinstance(fact_node, ScalarNode):  # a bare string is a fact with one phrasing
                facts.append((ctx.text(fact_node, f"{where}: facts[{i}]"),))
                continue
            phrasings = ctx.texts(fact_node, f"{where}: facts[{i}]")
            if not phrasings:
                raise ctx.error(fact_node, f"{where}: facts[{i}] needs at least one phrasing")
            facts.append(phrasings)
    docs = _optional_texts(ctx, fields, "docs", where)
    for d_node, d in zip(_optional_nodes(ctx, fields, "docs", where), docs, strict=True):
        doc_id = d.split("#", 1)[0]
        if not doc_id.strip() or doc_id != doc_id.strip() or " " in doc_id:
            raise ctx.error(d_node, f"{where}: docs entry '{d}' must be 'doc-id' or 'doc-id#Section'")
    notes = ctx.text(fields["notes"][1], f"{where}: notes", True) if "notes" in fields else ""
    return Case(
        id=case_id, turns=turns, kind=kind,
        tags=_optional_texts(ctx, fields, "tags", where),
        facts=tuple(facts), forbid=_optional_texts(ctx, fields, "forbid", where), docs=docs,
        notes=notes, source=f"{ctx.path}:{node.start_mark.line + 1}",
    )


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null")


def _optional_nodes(ctx: _Ctx, fields: dict, key: str, where: str) -> list[Node]:
    if key not in fields or _is_null(fields[key][1]):
        return []
    return ctx.sequence(fields[key][1], f"{where}: {key}")


def _optional_texts(ctx: _Ctx, fields: dict, key: str, where: str) -> tuple[str, ...]:
    if key not in fields or _is_null(fields[key][1]):
        return ()
    return ctx.texts(fields[key][1], f"{where}: {key}")


def _compose(path: Path) -> Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError("suite file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read suite file: {exc}", path) from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise SuiteError(f"invalid YAML: {problem}", path, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise SuiteError(f"invalid YAML: {exc}", path) from None


def _read_file(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Any], list[Case], list[Path]]:
    """Cases of one file and of the files it includes (depth first, in order)."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise SuiteError(f"include cycle: {chain}", path)
    ctx = _Ctx(path)
    root = _compose(path)
    if root is None:
        raise SuiteError("suite file is empty", path, 1)
    meta: dict[str, Any] = {}
    cases: list[Case] = []
    files = [path]
    if isinstance(root, SequenceNode):  # a bare list of cases
        case_nodes = list(root.value)
    else:
        fields = ctx.mapping(root, "a suite file")
        for key, (key_node, _) in fields.items():
            if key not in SUITE_KEYS:
                raise ctx.error(key_node, f"unknown top-level key '{key}' (allowed: {', '.join(SUITE_KEYS)})")
        for key in ("suite", "description"):
            if key in fields:
                meta[key] = ctx.text(fields[key][1], key, allow_empty=key == "description")
        if "include" in fields and not _is_null(fields["include"][1]):
            for inc in ctx.sequence(fields["include"][1], "include"):
                rel = ctx.text(inc, "include entry")
                target = (path.parent / rel)
                if not target.is_file():
                    raise ctx.error(inc, f"included file not found: {rel} (looked in {path.parent})")
                _, inc_cases, inc_files = _read_file(target, (*seen, resolved))
                cases += inc_cases
                files += inc_files
        case_nodes = []
        if "cases" in fields and not _is_null(fields["cases"][1]):
            case_nodes = ctx.sequence(fields["cases"][1], "cases")
    cases += [_parse_case(ctx, node, i) for i, node in enumerate(case_nodes)]
    return meta, cases, files


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite file (a list of cases, or a mapping with `include`/`cases`).

    Args:
        path: the YAML file.
    Returns:
        The `Suite`, cases in file order (included files first, in `include` order).
    Raises:
        SuiteError: with `file:line:` for syntax errors, unknown keys, wrong types, bad kinds,
            duplicate ids, missing includes or an empty suite.
    """
    path = Path(path)
    meta, cases, files = _read_file(path, ())
    seen: dict[str, Case] = {}
    for case in cases:
        if case.id in seen:
            file, _, line = case.source.rpartition(":")
            raise SuiteError(
                f"duplicate case id '{case.id}' (first defined at {seen[case.id].source})",
                file, int(line),
            )
        seen[case.id] = case
    if not cases:
        raise SuiteError("the suite has no cases", path)
    return Suite(
        name=str(meta.get("suite") or path.stem), path=str(path), cases=tuple(cases),
        description=str(meta.get("description", "")), files=tuple(str(f) for f in files),
    )


def unknown_docs(suite: Suite, known: Sequence[str]) -> list[tuple[Case, str]]:
    """Expected doc ids that are not in `known` (e.g. the corpus file names), with their case."""
    have = set(known)
    return [(c, d) for c in suite.cases for d in c.docs if d.split("#", 1)[0] not in have]
