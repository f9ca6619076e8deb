"""Layering: the engine and the UI never import the eval package (evaluators import the engine)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_nothing_under_qa_or_ui_imports_eval() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if n == "eval" or n.startswith("eval."))
        for package in ("qa", "ui") for p in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_import_qa_changes_nothing_but_an_assistant_and_the_entry_points_go_offline() -> None:
    import os
    import subprocess
    import sys

    from qa.offline import OFFLINE_ENV

    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}
    probe = "import os, {mod}; print(sorted(k for k in {keys!r} if k in os.environ))"
    def switches_after(mod: str) -> str:
        out = subprocess.run([sys.executable, "-c", probe.format(mod=mod, keys=sorted(OFFLINE_ENV))],
                             env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert switches_after("qa") == "[]"
    assert switches_after("qa.settings, qa.types, qa.triage.rules") == "[]"
    assert switches_after("ui") == str(sorted(OFFLINE_ENV))
    assert switches_after("qa.cli") == str(sorted(OFFLINE_ENV))
