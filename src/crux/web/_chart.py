"""The clickable body chart: the same figure and region places as the handout's chart
(``crux.body_chart``), with every vocabulary region a link on each side it has, labelled
for screen readers and reachable by keyboard (SVG links take focus). No script needed:
a link adds or removes the region and side, and the page is drawn again."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from crux.body_chart import HEIGHT, VIEW_CENTRE, WIDTH, centres, places, silhouette
from crux.vocabulary import load_vocabulary

Picked = set[tuple[str, str]]  # (region, side): side left, right or central


def sides_of(region: str) -> tuple[str, ...]:
    return ("central",) if places()[region].dx == 0 else ("right", "left")


def clickable_svg(picked: Picked, href: Callable[[str, str], str]) -> str:
    regions = load_vocabulary().regions
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'class="chart" role="group" aria-labelledby="chart-title">',
        '<title id="chart-title">Body chart: choose where it hurts</title>',
        '<g class="figure" aria-hidden="true">',
        silhouette(VIEW_CENTRE["front"]), silhouette(VIEW_CENTRE["back"]), "</g>",
        '<g class="chart-labels" aria-hidden="true">',
        f'<text x="{VIEW_CENTRE["front"]}" y="424">front</text>',
        f'<text x="{VIEW_CENTRE["back"]}" y="424">back</text>',
        '<text x="22" y="14">R</text><text x="178" y="14">L</text>',
        '<text x="222" y="14">L</text><text x="378" y="14">R</text>',
        "</g>",
    ]
    for region in sorted(places(), key=lambda r: (places()[r].view, places()[r].y)):
        for side in sides_of(region):
            marks = centres(region, None if side == "central" else side)
            chosen = (region, side) in picked
            words = regions.get(region, region) + ("" if side == "central" else f", {side}")
            state = "chosen; choose again to remove" if chosen else "not chosen"
            out.append(
                f'<a href="{escape(href(region, side))}" class="region{" chosen" * chosen}" '
                f'data-region="{region}" data-side="{side}" '
                f'aria-label="{escape(words)} ({state})" aria-pressed="{str(chosen).lower()}">'
                f"<title>{escape(words)}</title>"
            )
            for x, y, p in marks:
                out.append(f'<ellipse cx="{x:g}" cy="{y:g}" rx="{max(p.rx, 6):g}" '
                           f'ry="{max(p.ry, 6):g}"/>')
            out.append("</a>")
    out.append("</svg>")
    return "".join(out)
