"""The clickable body chart: the same figure and region places as the handout's chart
(``crux.body_chart``), with every vocabulary region a link on each side it has, labelled
for screen readers and reachable by keyboard (SVG links take focus). No script needed:
a link adds or removes the region and side, and the page is drawn again."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from crux.body_chart import HEIGHT, VIEW_CENTRE, centres, places, silhouette
from crux.vocabulary import load_vocabulary

Picked = set[tuple[str, str]]  # (region, side): side left, right or central


MIN_R = 5  # the smallest half-width of a place, to be big enough to tap


def _size(region: str) -> float:
    p = places()[region]
    return max(p.rx, MIN_R) * max(p.ry, MIN_R)


def sides_of(region: str) -> tuple[str, ...]:
    return ("central",) if places()[region].dx == 0 else ("right", "left")


def clickable_svg(picked: Picked, href: Callable[[str, str], str]) -> str:
    """Two figures, front and back, side by side on a wide screen and one above the other
    on a phone (each as wide as the screen, so the places are big enough to tap)."""
    return "".join(_view(view, picked, href) for view in ("front", "back"))


def _view(view: str, picked: Picked, href: Callable[[str, str], str]) -> str:
    regions = load_vocabulary().regions
    c = VIEW_CENTRE[view]
    left, right = ("R", "L") if view == "front" else ("L", "R")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{c - 100} 0 200 {HEIGHT}" '
        f'class="chart" role="group" aria-labelledby="chart-{view}">',
        f'<title id="chart-{view}">Body chart, {view} view: choose where it hurts</title>',
        f'<g class="figure" aria-hidden="true">{silhouette(c)}</g>',
        '<g class="chart-labels" aria-hidden="true">',
        f'<text x="{c}" y="424">{view}</text>',
        f'<text x="{c - 78}" y="14">{left}</text><text x="{c + 78}" y="14">{right}</text>',
        "</g>",
    ]
    mine = [r for r in places() if places()[r].view == view]
    # the largest first, so that a small place on top of a large one can still be chosen
    for region in sorted(mine, key=lambda r: (-_size(r), r)):
        for side in sides_of(region):
            marks = centres(region, None if side == "central" else side)
            chosen = (region, side) in picked
            words = regions.get(region, region) + ("" if side == "central" else f", {side}")
            state = "chosen; choose again to remove" if chosen else "not chosen"
            out.append(
                f'<a href="{escape(href(region, side))}" class="region{" chosen" * chosen}" '
                f'data-region="{region}" data-side="{side}" '
                f'aria-label="{escape(words)} ({state})">'
                f"<title>{escape(words)}</title>"
            )
            for x, y, p in marks:
                out.append(f'<ellipse cx="{x:g}" cy="{y:g}" rx="{max(p.rx, MIN_R):g}" '
                           f'ry="{max(p.ry, MIN_R):g}"/>')
            out.append("</a>")
    out.append("</svg>")
    return "".join(out)
