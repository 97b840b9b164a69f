"""Our own exercise drawings: a stick figure in a pose (data: ``data/poses.yaml``) with
the props, the area worked on and the movement of each intervention (data:
``data/drawings.yaml``), drawn as a small SVG. No image is downloaded or copied."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources
from typing import Any

import yaml

INK = "#2b3440"
FAR = "#9aa3ab"
AREA = "#d62828"
MOVE = "#1d4ed8"
_LIMBS = (("shoulder", "hip"), ("shoulder", "elbow"), ("elbow", "hand"), ("hip", "knee"),
          ("knee", "ankle"), ("ankle", "toe"))
_FAR_LIMBS = (("shoulder", "elbow2"), ("elbow2", "hand2"), ("hip", "knee2"),
              ("knee2", "ankle2"), ("ankle2", "toe2"))


def _load(name: str) -> Any:
    path = resources.files("crux").joinpath("plan").joinpath("data").joinpath(name)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def poses() -> dict[str, dict[str, tuple[float, float]]]:
    data = _load("poses.yaml")["poses"]
    return {k: {j: tuple(xy) for j, xy in v.items()} for k, v in data.items()}


@dataclass(frozen=True)
class Drawing:
    pose: str
    props: tuple[dict[str, Any], ...]
    area: tuple[float, float] | None
    arrow: tuple[tuple[float, float], tuple[float, float]] | None


@cache
def drawings() -> dict[str, Drawing]:
    out = {}
    for k, v in _load("drawings.yaml")["drawings"].items():
        arrow = v.get("arrow")
        out[k] = Drawing(
            pose=v["pose"],
            props=tuple(v.get("props") or ()),
            area=tuple(v["area"]) if v.get("area") else None,  # type: ignore[arg-type]
            arrow=(tuple(arrow[0]), tuple(arrow[1])) if arrow else None,  # type: ignore[arg-type]
        )
    return out


def _line(a: tuple[float, float], b: tuple[float, float], colour: str, width: float) -> str:
    return (f'<line x1="{a[0]:g}" y1="{a[1]:g}" x2="{b[0]:g}" y2="{b[1]:g}" stroke="{colour}" '
            f'stroke-width="{width:g}" stroke-linecap="round"/>')


def _prop(p: dict[str, Any]) -> str:
    x, y = p["at"]
    kind = p["kind"]
    if kind in ("ball", "big_ball", "exercise_ball"):
        r = {"ball": 5, "big_ball": 8, "exercise_ball": 14}[kind]
        return (f'<circle cx="{x}" cy="{y - r + 5}" r="{r}" fill="#f4a261" stroke="#b5651d" '
                'stroke-width="1"/>')
    if kind == "tool":
        return (f'<path d="M{x - 6},{y + 2} L{x + 6},{y + 2} L{x},{y - 7} Z" fill="#e9c46a" '
                'stroke="#a07c1c" stroke-width="1"/>')
    if kind == "roller":
        return (f'<circle cx="{x}" cy="{y - 2}" r="6" fill="#90be6d" stroke="#4f772d" '
                'stroke-width="1"/>')
    if kind == "chair":
        return (f'<path d="M{x - 14},{y + 2} H{x + 10} M{x - 12},{y + 2} V86 M{x + 8},{y + 2} '
                f'V86 M{x - 14},{y + 2} V{y - 30}" stroke="#8d6e63" stroke-width="3" fill="none"/>')
    if kind == "desk":
        return (f'<path d="M{x - 16},{y} H{x + 24} M{x + 20},{y} V86" stroke="#8d6e63" '
                'stroke-width="3" fill="none"/>')
    if kind == "step":
        return f'<rect x="{x - 12}" y="{y}" width="30" height="{86 - y}" fill="#adb5bd"/>'
    if kind == "rail":
        return f'<line x1="{x}" y1="{y}" x2="{x}" y2="86" stroke="#6c757d" stroke-width="2"/>'
    if kind == "wall":
        return f'<rect x="{x}" y="{y}" width="8" height="86" fill="#ced4da"/>'
    if kind == "mat":
        return f'<rect x="{x}" y="85" width="130" height="3" fill="#a8dadc"/>'
    if kind == "towel":
        return f'<ellipse cx="{x}" cy="{y + 2}" rx="6" ry="3" fill="#e0e1dd" stroke="#999"/>'
    if kind == "cushion":
        return f'<rect x="{x - 10}" y="{y - 2}" width="18" height="4" rx="2" fill="#cdb4db"/>'
    if kind == "cold_pack":
        return f'<rect x="{x - 8}" y="{y - 3}" width="16" height="6" rx="2" fill="#a2d2ff"/>'
    if kind == "hands":
        return (f'<path d="M{x - 8},{y} q8,-8 16,0" stroke="{INK}" stroke-width="2.5" '
                'fill="none"/>')
    raise ValueError(f"unknown prop {kind!r}")


def render(intervention_id: str, label: str = "") -> str:
    """The drawing of one intervention as SVG (KeyError when it has none)."""
    d = drawings()[intervention_id]
    j = poses()[d.pose]
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 96" class="drawing" '
        f'role="img" aria-label="{escape(label or intervention_id)}">',
        '<line x1="4" y1="86.5" x2="156" y2="86.5" stroke="#ced4da" stroke-width="1.5"/>',
    ]
    out += [_prop(p) for p in d.props if p["kind"] in ("wall", "mat", "step", "chair", "desk")]
    out += [_line(j[a], j[b], FAR, 4) for a, b in _FAR_LIMBS if a in j and b in j]
    out += [_line(j[a], j[b], INK, 4.5) for a, b in _LIMBS]
    hx, hy = j["head"]
    out.append(f'<circle cx="{hx:g}" cy="{hy:g}" r="7" fill="#fff" stroke="{INK}" '
               'stroke-width="3"/>')
    out += [_prop(p) for p in d.props
            if p["kind"] not in ("wall", "mat", "step", "chair", "desk")]
    if d.area is not None:
        out.append(f'<ellipse cx="{d.area[0]:g}" cy="{d.area[1]:g}" rx="7" ry="5" fill="{AREA}" '
                   'fill-opacity="0.45"/>')
    if d.arrow is not None:
        (x1, y1), (x2, y2) = d.arrow
        out.append(
            f'<defs><marker id="m-{intervention_id}" viewBox="0 0 10 10" refX="8" refY="5" '
            'markerWidth="5" markerHeight="5" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 Z" fill="{MOVE}"/></marker></defs>'
            f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{MOVE}" '
            f'stroke-width="2" marker-end="url(#m-{intervention_id})"/>'
        )
    out.append("</svg>")
    return "".join(out)
