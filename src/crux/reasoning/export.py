"""Export the compiled network in the standard exchange formats BIF and XMLBIF.

Both files hold every variable of the network, hidden variables first (in the network's
topological order) and then the findings, each with its full conditional probability
table expanded from the noisy-OR parameters:

    P(X = absent | parents) = (1 - leak) * prod over parents that are present of (1 - weight)

so that tools without noisy-OR support (pyAgrum, pgmpy, SamIam, GeNIe, Hugin, Netica)
open them and compute the same posteriors as Crux.

States are named ``absent`` (state 0) and ``present`` (state 1).

Names. Crux names a lateral copy ``node@side`` (``tight_iliopsoas@left``); ``@`` is not
allowed in the identifiers of these formats, so :func:`safe_name` writes it as a double
underscore (``tight_iliopsoas__left``), and :func:`original_name` reverses that. The
mapping is one-to-one for every name Crux produces: knowledge-base ids match
``[a-z][a-z0-9_]*`` and do not contain a double underscore (safe_name refuses one that
does, so a file can never be read back ambiguously). Each variable also carries its Crux
name and kind as properties (``crux_name``, ``crux_kind``).

The output is deterministic: the same network always gives byte-identical text. Numbers
are written with Python's shortest round-trip ``repr``, so no precision is lost.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np

from crux.reasoning.network import Network

STATES = ("absent", "present")
NETWORK_NAME = "crux"
_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SEPARATOR = "__"


def safe_name(name: str) -> str:
    """The identifier used for ``name`` in the exported files: ``a@left`` -> ``a__left``.

    Raises ValueError for a name that could not be written reversibly: it must be an
    identifier (a letter, then letters, digits and single underscores) with at most one
    ``@side`` suffix.
    """
    base, at, side = name.partition("@")
    parts = [base, side] if at else [base]
    for part in parts:
        if not _SAFE.match(part) or _SEPARATOR in part or part.endswith("_"):
            raise ValueError(f"cannot export the name {name!r} reversibly")
    return _SEPARATOR.join(parts)


def original_name(safe: str) -> str:
    """The Crux name of an exported identifier: ``a__left`` -> ``a@left``."""
    return safe.replace(_SEPARATOR, "@", 1)


@dataclass(frozen=True)
class Node:
    """One exported variable: safe name, Crux name, kind, parents (safe names) and CPT."""

    name: str
    crux_name: str
    kind: str
    parents: tuple[str, ...]
    # p_absent[c] is P(absent | parent configuration c); configurations are in row-major
    # order over ``parents`` (the first parent varies slowest, state 0 = absent first).
    p_absent: np.ndarray


def merged_parents(
    parents: tuple[int, ...], weights: tuple[float, ...]
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Parents without repeats: two links from one parent act as one of weight
    1 - (1 - w1)(1 - w2), which is what the noisy-OR product gives."""
    keep: dict[int, float] = {}
    for p, w in zip(parents, weights, strict=True):
        keep[p] = 1.0 - (1.0 - keep[p]) * (1.0 - w) if p in keep else w
    return tuple(keep), tuple(keep.values())


def noisy_or_table(leak: float, weights: tuple[float, ...]) -> np.ndarray:
    """P(absent | parents) for every parent configuration, shape (2,) * len(weights)."""
    table = np.full((2,) * len(weights), 1.0 - leak)
    for axis, w in enumerate(weights):
        factor = np.ones(2)
        factor[1] = 1.0 - w
        shape = [1] * len(weights)
        shape[axis] = 2
        table = table * factor.reshape(shape)
    return table


def export_nodes(network: Network) -> list[Node]:
    """Every variable of the network as it is exported, hidden variables first."""
    names = [safe_name(v.name) for v in network.variables]
    nodes: list[Node] = []
    for v, name in zip(network.variables, names, strict=True):
        parents, weights = merged_parents(v.parents, v.weights)
        nodes.append(
            Node(
                name=name,
                crux_name=v.name,
                kind=v.kind,
                parents=tuple(names[p] for p in parents),
                p_absent=noisy_or_table(v.leak, weights).reshape(-1),
            )
        )
    for f in network.findings:
        parents, weights = merged_parents(f.parents, f.weights)
        nodes.append(
            Node(
                name=safe_name(f.name),
                crux_name=f.name,
                kind="finding",
                parents=tuple(names[p] for p in parents),
                p_absent=noisy_or_table(f.leak, weights).reshape(-1),
            )
        )
    seen: dict[str, str] = {}
    for node in nodes:
        if node.name in seen:
            raise ValueError(
                f"two variables export as {node.name!r}: {seen[node.name]!r} and "
                f"{node.crux_name!r} (a finding and a node may not share an id)"
            )
        seen[node.name] = node.crux_name
    return nodes


def _num(x: float) -> str:
    return repr(float(x))


def _pair(p_absent: float) -> tuple[str, str]:
    return _num(p_absent), _num(1.0 - p_absent)


def _configurations(n: int) -> Iterator[tuple[int, ...]]:
    return itertools.product((0, 1), repeat=n)


def to_bif(network: Network) -> str:
    """The network in BIF (the Interchange Format read by pyAgrum, pgmpy, SamIam, GeNIe)."""
    nodes = export_nodes(network)
    out: list[str] = [
        f"// Crux noisy-OR network: {len(network.variables)} hidden variables, "
        f"{len(network.findings)} findings.",
        "// Full CPTs from P(absent | parents) = (1 - leak) * prod over present parents "
        "of (1 - weight).",
        f"network {NETWORK_NAME} {{",
        "}",
    ]
    for node in nodes:
        out += [
            f"// {node.name}: {node.crux_name} ({node.kind})",
            f"variable {node.name} {{",
            f"  type discrete [ 2 ] {{ {STATES[0]}, {STATES[1]} }};",
            "}",
        ]
    for node in nodes:
        if not node.parents:
            a, p = _pair(node.p_absent[0])
            out += [f"probability ( {node.name} ) {{", f"  table {a}, {p};", "}"]
            continue
        out.append(f"probability ( {node.name} | {', '.join(node.parents)} ) {{")
        for config, p_absent in zip(_configurations(len(node.parents)), node.p_absent, strict=True):
            states = ", ".join(STATES[s] for s in config)
            a, p = _pair(p_absent)
            out.append(f"  ({states}) {a}, {p};")
        out.append("}")
    return "\n".join(out) + "\n"


def to_xmlbif(network: Network) -> str:
    """The network in XMLBIF 0.3 (the XML form of BIF)."""
    nodes = export_nodes(network)
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Crux noisy-OR network: full CPTs from P(absent | parents) = "
        "(1 - leak) * prod over present parents of (1 - weight). -->",
        '<BIF VERSION="0.3">',
        "<NETWORK>",
        f"<NAME>{NETWORK_NAME}</NAME>",
    ]
    for node in nodes:
        out += [
            '<VARIABLE TYPE="nature">',
            f"  <NAME>{node.name}</NAME>",
            f"  <OUTCOME>{STATES[0]}</OUTCOME>",
            f"  <OUTCOME>{STATES[1]}</OUTCOME>",
            f"  <PROPERTY>crux_name = {escape(node.crux_name)}</PROPERTY>",
            f"  <PROPERTY>crux_kind = {escape(node.kind)}</PROPERTY>",
            "</VARIABLE>",
        ]
    for node in nodes:
        # The table lists, for each parent configuration (first GIVEN slowest), the
        # probabilities of the FOR variable's states.
        values = " ".join(f"{a} {p}" for a, p in map(_pair, node.p_absent))
        out += ["<DEFINITION>", f"  <FOR>{node.name}</FOR>"]
        out += [f"  <GIVEN>{parent}</GIVEN>" for parent in node.parents]
        out += [f"  <TABLE>{values}</TABLE>", "</DEFINITION>"]
    out += ["</NETWORK>", "</BIF>"]
    return "\n".join(out) + "\n"
