"""Small SVG drawings for the pages: a causal chain from the root cause down to where it
hurts, and a chart of pain and function over time. Plain SVG, no script; each has a title
and the same facts in text beside it for screen readers."""

from __future__ import annotations

import textwrap
from datetime import date
from html import escape

BOX_W, BOX_H, GAP = 260, 46, 22


def chain_svg(steps: list[str], title: str) -> str:
    """Boxes from the root cause (top, blue) to what hurts (bottom, red), joined by
    arrows that read "leads to"."""
    height = len(steps) * BOX_H + (len(steps) - 1) * GAP + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {BOX_W + 4} {height}" '
        f'class="chain" role="img" aria-label="{escape(title)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="5" refY="10" markerWidth="10" '
        'markerHeight="10" markerUnits="userSpaceOnUse" orient="0">'
        '<path d="M0,0 L10,0 L5,10 z" fill="#555"/></marker></defs>',
    ]
    for i, step in enumerate(steps):
        y = 2 + i * (BOX_H + GAP)
        kind = "root" if i == 0 else ("pain" if i == len(steps) - 1 else "link")
        out.append(f'<rect class="step {kind}" x="2" y="{y}" width="{BOX_W}" height="{BOX_H}" '
                   'rx="8"/>')
        lines = textwrap.wrap(step, 38)[:2]
        for j, line in enumerate(lines):
            ty = y + BOX_H / 2 + (j - (len(lines) - 1) / 2) * 15 + 5
            out.append(f'<text x="{2 + BOX_W / 2}" y="{ty:g}">{escape(line)}</text>')
        if i < len(steps) - 1:
            out.append(f'<line x1="{2 + BOX_W / 2}" y1="{y + BOX_H}" x2="{2 + BOX_W / 2}" '
                       f'y2="{y + BOX_H + GAP - 2}" class="arrow" marker-end="url(#arrow)"/>')
    out.append("</svg>")
    return "".join(out)


CHART_W, CHART_H, PAD = 560, 220, 36


def progress_svg(points: dict[str, list[tuple[date, float]]], title: str) -> str:
    """Lines over days on a 0-10 scale, one per series (pain first, red; function, blue).
    Empty when there is nothing to draw."""
    days = sorted({d for series in points.values() for d, _ in series})
    if not days:
        return ""
    first, last = days[0], days[-1]
    span = max((last - first).days, 1)

    def x(d: date) -> float:
        return PAD + (d - first).days / span * (CHART_W - 2 * PAD)

    def y(v: float) -> float:
        return CHART_H - PAD + 10 - v / 10 * (CHART_H - 2 * PAD)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_W} {CHART_H}" '
        f'class="progress-chart" role="img" aria-label="{escape(title)}">',
    ]
    for v in (0, 5, 10):
        out.append(f'<line class="grid" x1="{PAD}" x2="{CHART_W - PAD}" y1="{y(v):g}" '
                   f'y2="{y(v):g}"/><text class="axis" x="{PAD - 8}" y="{y(v) + 4:g}">{v}</text>')
    shown = "%d %b %Y" if first.year != last.year else "%d %b"
    out.append(f'<text class="axis start" x="{PAD}" y="{CHART_H - 4}">'
               f"{first.strftime(shown)}</text>")
    if last != first:
        out.append(f'<text class="axis end" x="{CHART_W - PAD}" y="{CHART_H - 4}">'
                   f"{last.strftime(shown)}</text>")
    for n, (name, series) in enumerate(points.items()):
        kind = "pain" if name.startswith("pain") else "function"
        ordered = sorted(series)
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v):.1f}"
                        for i, (d, v) in enumerate(ordered))
        out.append(f'<path class="series {kind} s{n}" d="{path}"><title>{escape(name)}</title>'
                   "</path>")
        for d, v in ordered:
            out.append(f'<circle class="dot {kind}" cx="{x(d):.1f}" cy="{y(v):.1f}" r="3.5">'
                       f"<title>{escape(name)}: {v:g} on {d:%d %b}</title></circle>")
    out.append("</svg>")
    return "".join(out)
