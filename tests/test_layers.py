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
    assert switches_after("qa.settings, qa.types, qa.understanding.triage.rules") == "[]"
    assert switches_after("ui") == str(sorted(OFFLINE_ENV))
    assert switches_after("qa.cli") == str(sorted(OFFLINE_ENV))


# The engine's layout follows the data: each layer may import its own and the layers below it
# (and the shared base: types, settings, reasons, the disclaimer, offline switches, npz caches,
# text measures), never above.
LAYERS = {"corpus": 1, "index": 2, "understanding": 3, "answer": 4}
BASE = {"qa.types", "qa.settings", "qa.reasons", "qa.offline", "qa.disclaimer", "qa.npz"}


def _layer(module: str) -> int:
    """0 for the shared base, 1-4 for the subpackages, 5 for the facade (assistant, chain, CLI)."""
    if module in BASE or module == "qa.text" or module.startswith("qa.text."):
        return 0
    parts = module.split(".")
    return LAYERS.get(parts[1], 5) if len(parts) > 1 else 5


def _all_imports(path: Path) -> set[str]:
    """Every qa module a file imports, top-level or inside a function ("from qa.x import y" as qa.x.y
    when y is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.split(".")[0] == "qa"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "qa":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                is_module = (ROOT / (sub.replace(".", "/") + ".py")).exists() or (ROOT / sub.replace(".", "/")).is_dir()
                names.add(sub if is_module else node.module)
    return names


def test_each_layer_imports_only_itself_and_the_layers_below() -> None:
    upward = {}
    for p in sorted((ROOT / "qa").rglob("*.py")):
        module = ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        bad = sorted(n for n in _all_imports(p) if _layer(n) > _layer(module))
        if bad:
            upward[module] = bad
    assert upward == {}


def test_the_layout_has_the_four_layers_and_no_loose_engine_modules() -> None:
    top = sorted(p.stem for p in (ROOT / "qa").glob("*.py"))
    assert top == ["__init__", "assistant", "chain", "cli", "disclaimer", "npz", "offline", "reasons", "settings",
                   "types"]
    assert all((ROOT / "qa" / name / "__init__.py").exists() for name in (*LAYERS, "text"))
