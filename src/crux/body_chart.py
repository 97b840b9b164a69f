"""A body chart drawn as SVG (front and back), with regions marked: where it hurts, and
where the root cause sits. The regions' places are data (``data/body_chart.yaml``);
every vocabulary region has one. The web app's clickable chart draws from the same."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources
from typing import Literal

import yaml

VIEW_CENTRE = {"front": 100, "back": 300}
WIDTH, HEIGHT = 400, 430


@dataclass(frozen=True)
class Place:
    view: Literal["front", "back"]
    dx: float
    y: float
    rx: float
    ry: float


@cache
def places() -> dict[str, Place]:
    text = resources.files("crux").joinpath("data").joinpath("body_chart.yaml").read_text()
    return {k: Place(**v) for k, v in yaml.safe_load(text)["regions"].items()}


def centres(region: str, side: str | None) -> list[tuple[float, float, Place]]:
    """(x, y, place) of the marks for a region on a side: the person's right is the
    viewer's left from the front and the viewer's right from the back."""
    place = places()[region]
    c = VIEW_CENTRE[place.view]
    if place.dx == 0:
        return [(c, place.y, place)]
    sign = -1 if place.view == "front" else 1  # +1 moves toward the person's right, seen
    sides = {"left": ("left",), "right": ("right",)}.get(side or "", ("left", "right"))
    return [(c + (sign if s == "right" else -sign) * place.dx, place.y, place) for s in sides]


_SILHOUETTE = (
    '<circle cx="{c}" cy="26" r="19"/>'
    '<rect x="{n}" y="44" width="14" height="16" rx="4"/>'
    '<path d="M{a},66 Q{c},58 {b},66 L{b2},176 Q{c},214 {a2},176 Z"/>'
    '<path d="M{a},68 L{al},150 L{al2},205 L{al3},205 L{al4},150 L{a3},92 Z"/>'
    '<path d="M{b},68 L{bl},150 L{bl2},205 L{bl3},205 L{bl4},150 L{b3},92 Z"/>'
    '<path d="M{l1},176 L{l2},380 L{l3},408 L{l4},408 L{l5},380 L{l6},200 Z"/>'
    '<path d="M{r1},176 L{r2},380 L{r3},408 L{r4},408 L{r5},380 L{r6},200 Z"/>'
)


def silhouette(c: int) -> str:
    """The outline of a body (front or back) centred at x = c."""
    return _SILHOUETTE.format(
        c=c, n=c - 7, a=c - 38, b=c + 38, a2=c - 34, b2=c + 34, a3=c - 34, b3=c + 34,
        al=c - 54, al2=c - 62, al3=c - 52, al4=c - 44, bl=c + 54, bl2=c + 62, bl3=c + 52,
        bl4=c + 44, l1=c - 34, l2=c - 30, l3=c - 34, l4=c - 14, l5=c - 16, l6=c - 2,
        r1=c + 34, r2=c + 30, r3=c + 34, r4=c + 14, r5=c + 16, r6=c + 2,
    )


@dataclass(frozen=True)
class Mark:
    region: str
    side: str | None  # left, right, or None for both or central
    kind: Literal["pain", "cause"]
    label: str


def render_svg(marks: list[Mark], title: str = "Body chart") -> str:
    """The chart with each mark drawn: pain as a filled red patch, the root cause as a
    dashed blue ring. Text labels say the same for readers who cannot see the colours."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="bc-title" class="body-chart">',
        f'<title id="bc-title">{escape(title)}</title>',
        '<g fill="#eef0f2" stroke="#9aa3ab" stroke-width="1.5">',
        silhouette(VIEW_CENTRE["front"]), silhouette(VIEW_CENTRE["back"]), "</g>",
        '<g font-family="DejaVu Sans, sans-serif" font-size="11" fill="#444" '
        'text-anchor="middle">',
        f'<text x="{VIEW_CENTRE["front"]}" y="424">front</text>',
        f'<text x="{VIEW_CENTRE["back"]}" y="424">back</text>',
        '<text x="22" y="14" font-size="9">R</text><text x="178" y="14" font-size="9">L</text>',
        '<text x="222" y="14" font-size="9">L</text><text x="378" y="14" font-size="9">R</text>',
        "</g>",
    ]
    for mark in marks:
        for x, y, p in centres(mark.region, mark.side):
            label = escape(mark.label)
            if mark.kind == "pain":
                out.append(
                    f'<ellipse cx="{x:g}" cy="{y:g}" rx="{p.rx:g}" ry="{p.ry:g}" '
                    f'fill="#d62828" fill-opacity="0.55" stroke="#9d0208" stroke-width="1.5">'
                    f"<title>{label}</title></ellipse>"
                )
            else:
                out.append(
                    f'<ellipse cx="{x:g}" cy="{y:g}" rx="{p.rx + 5:g}" ry="{p.ry + 5:g}" '
                    f'fill="none" stroke="#1d4ed8" stroke-width="2.5" stroke-dasharray="4 3">'
                    f"<title>{label}</title></ellipse>"
                )
    out.append("</svg>")
    return "".join(out)
