"""Quality gates: metric thresholds from a YAML file or `--fail-under`/`--fail-over`, and checking them.

Gate file format (e.g. eval/thresholds.yaml):

    min:                        # the metric must be at least this
      kind_accuracy: 0.95
    max:                        # the metric must be at most this
      false_urgent_rate: 0.02
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode

from eval.scoring import METRICS


class GateError(ValueError):
    """A threshold is malformed or names an unknown metric (a usage error)."""


@dataclass(frozen=True)
class Threshold:
    """One bound on one summary metric."""

    metric: str
    bound: str  # "min" or "max"
    value: float
    source: str = ""  # where it was set ("eval/thresholds.yaml:7", "--fail-under")

    def describe(self) -> str:
        return f"{self.metric} {'>=' if self.bound == 'min' else '<='} {self.value:g}"


@dataclass(frozen=True)
class GateResult:
    """A threshold and the measured value; `ok` is False when missed or not measured."""

    threshold: Threshold
    actual: float | None
    ok: bool

    @property
    def message(self) -> str:
        t = self.threshold
        if self.actual is None:
            return f"{t.metric} was not measured (no cases for it), needs {t.describe()}"
        got = f"{self.actual:.4g}"
        return f"{t.metric} = {got}, needs {'>=' if t.bound == 'min' else '<='} {t.value:g}"


def _known(metric: str, where: str) -> None:
    if metric not in METRICS:
        raise GateError(f"{where}: unknown metric '{metric}' (known: {', '.join(sorted(METRICS))})")


def _number(raw: object, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or math.isnan(float(raw)):
        raise GateError(f"{where}: threshold must be a number, got {raw!r}")
    return float(raw)


def parse_spec(spec: str, bound: str) -> Threshold:
    """Parse a command-line threshold "metric=value" (`bound` "min" for --fail-under, "max" for --fail-over).

    >>> parse_spec("kind_accuracy=0.9", "min")
    Threshold(metric='kind_accuracy', bound='min', value=0.9, source='--fail-under')
    """
    flag = "--fail-under" if bound == "min" else "--fail-over"
    name, sep, raw = spec.partition("=")
    name = name.strip()
    if not sep or not name or not raw.strip():
        raise GateError(f"{flag} expects metric=value, got '{spec}'")
    _known(name, flag)
    try:
        value = float(raw)
    except ValueError:
        raise GateError(f"{flag} {name}: '{raw}' is not a number") from None
    higher = METRICS[name].higher_is_better
    if bound == "min" and not higher:
        raise GateError(f"{flag}: {name} is better when lower; use --fail-over {name}={raw}")
    if bound == "max" and higher:
        raise GateError(f"{flag}: {name} is better when higher; use --fail-under {name}={raw}")
    return Threshold(name, bound, value, flag)


def load_gate(path: str | Path) -> list[Threshold]:
    """Read a gate file (see the module docstring).

    Raises:
        GateError: missing file, bad YAML, unknown keys or metrics, non-numbers; with file:line.
    """
    path = Path(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except FileNotFoundError:
        raise GateError(f"{path}: gate file not found") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise GateError(f"{path}:{line}: invalid YAML: {exc.problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GateError(f"{path}: cannot read gate file: {exc}") from None
    if root is None:
        raise GateError(f"{path}: the gate file is empty")
    if not isinstance(root, MappingNode):
        raise GateError(f"{path}:{root.start_mark.line + 1}: expected a mapping with 'min:' and/or 'max:'")
    loader = yaml.SafeLoader("")
    out: list[Threshold] = []
    seen: set[tuple[str, str]] = set()
    for key_node, section in root.value:
        bound = key_node.value if isinstance(key_node, ScalarNode) else None
        where = f"{path}:{key_node.start_mark.line + 1}"
        if bound not in ("min", "max"):
            raise GateError(f"{where}: unknown key {key_node.value!r} (use 'min' and 'max')")
        if isinstance(section, ScalarNode) and section.tag.endswith(":null"):
            continue
        if not isinstance(section, MappingNode):
            raise GateError(f"{where}: '{bound}' must map metric names to numbers")
        for m_node, v_node in section.value:
            where = f"{path}:{m_node.start_mark.line + 1}"
            metric = str(m_node.value)
            _known(metric, where)
            if (bound, metric) in seen:
                raise GateError(f"{where}: '{metric}' appears twice under '{bound}'")
            seen.add((bound, metric))
            higher = METRICS[metric].higher_is_better
            if (bound == "min") != higher:
                other = "max" if bound == "min" else "min"
                raise GateError(f"{where}: {metric} is better when {'higher' if higher else 'lower'}; "
                                f"put it under '{other}:'")
            out.append(Threshold(metric, bound, _number(loader.construct_object(v_node), where), where))
    return out


def check(metrics: Mapping[str, float | None], thresholds: Sequence[Threshold]) -> list[GateResult]:
    """Compare measured metrics with thresholds (an unmeasured metric fails its threshold)."""
    results = []
    for t in thresholds:
        actual = metrics.get(t.metric)
        if actual is None:
            ok = False
        elif t.bound == "min":
            ok = actual >= t.value
        else:
            ok = actual <= t.value
        results.append(GateResult(t, actual, ok))
    return results
