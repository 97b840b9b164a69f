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
name and kind: as properties in XMLBIF (``crux_name``, ``crux_kind``) and as a comment
before its block in BIF (BIF properties are not read by every tool, pyAgrum among them).

The output is deterministic: the same network always gives byte-identical text. Numbers
are written with Python's shortest round-trip ``repr``, so no precision is lost; the
present probability is computed as ``-expm1(sum of log1p(-p))`` rather than as
``1 - P(absent)``, so that a small leak such as 1e-05 is written exactly.
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
    # p_absent[c] / p_present[c] are P(absent | c) and P(present | c) for the parent
    # configuration c; configurations are in row-major order over ``parents`` (the first
    # parent varies slowest, state 0 = absent first).
    p_absent: np.ndarray
    p_present: np.ndarray


def merged_parents(
    parents: tuple[int, ...], weights: tuple[float, ...]
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Parents without repeats: two links from one parent act as one of weight
    1 - (1 - w1)(1 - w2), which is what the noisy-OR product gives."""
    keep: dict[int, float] = {}
    for p, w in zip(parents, weights, strict=True):
        keep[p] = 1.0 - (1.0 - keep[p]) * (1.0 - w) if p in keep else w
    return tuple(keep), tuple(keep.values())


def noisy_or_table(leak: float, weights: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(P(absent | parents), P(present | parents)) for every parent configuration, each
    of shape (2,) * len(weights), axis i being parent i (index 0 = absent)."""
    shape = (2,) * len(weights)
    absent = np.full(shape, 1.0 - leak)
    with np.errstate(divide="ignore"):  # a weight of 1.0 gives log(0) = -inf, as it should
        log_absent = np.full(shape, np.log1p(-leak))
        for axis, w in enumerate(weights):
            axis_shape = [1] * len(weights)
            axis_shape[axis] = 2
            absent = absent * np.array([1.0, 1.0 - w]).reshape(axis_shape)
            log_absent = log_absent + np.array([0.0, np.log1p(-w)]).reshape(axis_shape)
    return absent, -np.expm1(log_absent)


def _tables(leak: float, weights: tuple[float, ...]) -> dict[str, np.ndarray]:
    absent, present = noisy_or_table(leak, weights)
    return {"p_absent": absent.reshape(-1), "p_present": present.reshape(-1)}


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
                **_tables(v.leak, weights),
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
                **_tables(f.leak, weights),
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
    return repr(float(x) + 0.0)  # + 0.0 turns -0.0 into 0.0


def _rows(node: Node) -> Iterator[tuple[str, str]]:
    for a, p in zip(node.p_absent, node.p_present, strict=True):
        yield _num(a), _num(p)


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
            ((a, p),) = _rows(node)
            out += [f"probability ( {node.name} ) {{", f"  table {a}, {p};", "}"]
            continue
        out.append(f"probability ( {node.name} | {', '.join(node.parents)} ) {{")
        for config, (a, p) in zip(_configurations(len(node.parents)), _rows(node), strict=True):
            states = ", ".join(STATES[s] for s in config)
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
        values = " ".join(f"{a} {p}" for a, p in _rows(node))
        out += ["<DEFINITION>", f"  <FOR>{node.name}</FOR>"]
        out += [f"  <GIVEN>{parent}</GIVEN>" for parent in node.parents]
        out += [f"  <TABLE>{values}</TABLE>", "</DEFINITION>"]
    out += ["</NETWORK>", "</BIF>"]
    return "\n".join(out) + "\n"
