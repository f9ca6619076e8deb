"""Inline SVG charts for the HTML report (no scripts, no external assets; every label escaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

GOOD, BAD, NEUTRAL, TICK = "#2e7d32", "#c62828", "#1565c0", "#222"


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: a value on a 0..`scale` axis, with an optional threshold tick."""

    label: str
    value: float | None
    threshold: float | None = None
    ok: bool | None = None  # colours the bar: True green, False red, None blue
    text: str = ""  # shown after the bar (defaults to the value)


def _color(ok: bool | None) -> str:
    return NEUTRAL if ok is None else GOOD if ok else BAD


def bar_chart(bars: Sequence[Bar], *, title: str, scale: float = 1.0, width: int = 560) -> str:
    """Horizontal bars with value labels and threshold ticks.

    Args:
        bars: the rows.
        title: accessible name of the chart.
        scale: the value at the right end of the axis.
        width: total width in pixels.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    label_w, text_w, row_h = 210, 70, 22
    plot_w = width - label_w - text_w
    height = row_h * len(bars) + 8
    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}"><title>{escape(title)}</title>']
    for i, b in enumerate(bars):
        y = 4 + i * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="lbl">{escape(b.label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{plot_w}" height="{row_h - 8}" fill="#eee"/>')
        if b.value is not None:
            w = max(0.0, min(1.0, b.value / scale)) * plot_w
            out.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{_color(b.ok)}"/>')
        if b.threshold is not None:
            x = label_w + max(0.0, min(1.0, b.threshold / scale)) * plot_w
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + row_h - 2}" stroke="{TICK}" '
                       f'stroke-width="2"><title>threshold {b.threshold:g}</title></line>')
        text = b.text or ("n/a" if b.value is None else f"{b.value:.3f}")
        out.append(f'<text x="{label_w + plot_w + 6}" y="{y + 15}" class="val">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def heatmap(matrix: Mapping[str, Mapping[str, int]], rows: Sequence[str], cols: Sequence[str], *,
            title: str, row_title: str = "expected", col_title: str = "actual") -> str:
    """A confusion matrix: darker cells hold more cases; the diagonal is green, the rest red."""
    cell, left, top = 64, 90, 44
    width, height = left + cell * len(cols) + 10, top + cell * len(rows) + 10
    peak = max([matrix.get(r, {}).get(c, 0) for r in rows for c in cols] + [1])
    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}"><title>{escape(title)}</title>',
           f'<text x="{left + cell * len(cols) / 2:.0f}" y="12" text-anchor="middle" class="lbl">'
           f'{escape(col_title)} →</text>']
    for j, c in enumerate(cols):
        out.append(f'<text x="{left + j * cell + cell / 2:.0f}" y="{top - 8}" text-anchor="middle" '
                   f'class="lbl">{escape(c)}</text>')
    for i, r in enumerate(rows):
        y = top + i * cell
        out.append(f'<text x="{left - 6}" y="{y + cell / 2 + 4:.0f}" text-anchor="end" class="lbl">'
                   f'{escape(r)}</text>')
        for j, c in enumerate(cols):
            n = matrix.get(r, {}).get(c, 0)
            alpha = 0.08 + 0.92 * (n / peak) if n else 0.0
            color = GOOD if r == c else BAD
            x = left + j * cell
            out.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{color}" '
                       f'fill-opacity="{alpha:.2f}" stroke="#ccc"><title>{escape(r)} → {escape(c)}: {n}'
                       f'</title></rect>')
            out.append(f'<text x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 5:.0f}" text-anchor="middle" '
                       f'class="num{" inv" if alpha > 0.55 else ""}">{n}</text>')
    out.append(f'<text x="6" y="{top - 8}" class="lbl">{escape(row_title)} ↓</text></svg>')
    return "".join(out)


def histogram(values: Sequence[float], *, title: str, bins: int = 12, unit: str = "",
              width: int = 560, height: int = 180, marker: float | None = None) -> str:
    """Counts of values in equal-width bins, with an optional vertical marker (e.g. a target)."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    pad_l, pad_b, pad_t = 36, 30, 10
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}"><title>{escape(title)}</title>']
    if not values:
        out.append(f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" class="lbl">'
                   'no values</text></svg>')
        return "".join(out)
    lo, hi = min(values), max(values)
    if marker is not None:
        lo, hi = min(lo, marker), max(hi, marker)
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / span * bins))] += 1
    peak = max(counts)
    bw = plot_w / bins
    for i, n in enumerate(counts):
        h = plot_h * n / peak
        x = pad_l + i * bw
        a, b = lo + span * i / bins, lo + span * (i + 1) / bins
        out.append(f'<rect x="{x + 1:.1f}" y="{pad_t + plot_h - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                   f'fill="{NEUTRAL}"><title>{a:.1f}–{b:.1f}{escape(unit)}: {n}</title></rect>')
        if n:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{pad_t + plot_h - h - 2:.1f}" text-anchor="middle" '
                       f'class="val">{n}</text>')
    for frac in (0.0, 0.5, 1.0):
        x = pad_l + plot_w * frac
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        out.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="{anchor}" class="lbl">'
                   f'{lo + span * frac:.1f}{escape(unit)}</text>')
    if marker is not None:
        x = pad_l + plot_w * (marker - lo) / span
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{pad_t}" y2="{pad_t + plot_h}" stroke="{BAD}" '
                   f'stroke-dasharray="4 3"><title>target {marker:g}{escape(unit)}</title></line>')
    out.append(f'<line x1="{pad_l}" x2="{pad_l + plot_w}" y1="{pad_t + plot_h}" y2="{pad_t + plot_h}" '
               'stroke="#999"/></svg>')
    return "".join(out)
