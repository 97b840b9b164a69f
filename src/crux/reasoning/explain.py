"""Explanations: the most probable causal path from a root cause to what hurts, and the
answers that support it. Pure functions over the network, the posteriors and the case's
observed findings; the words come from the knowledge base (labels and edge mechanisms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crux.reasoning.network import Network


@dataclass(frozen=True)
class Path:
    variables: tuple[int, ...]  # root first, ending at the parent of an observed complaint
    finding: int  # the observed finding variable the path explains
    score: float


def _children(network: Network) -> list[list[tuple[int, float]]]:
    kids: list[list[tuple[int, float]]] = [[] for _ in network.variables]
    for i, var in enumerate(network.variables):
        for p, w in zip(var.parents, var.weights, strict=True):
            kids[p].append((i, w))
    return kids


def best_path(
    network: Network,
    posterior: np.ndarray,
    root: int,
    targets: Sequence[int],
) -> Path | None:
    """The path from ``root`` to one of the observed finding variables ``targets`` with
    the highest product of link strength times the posterior of each node it passes.

    That product is how likely the chain is to be active given everything observed, so
    the path chosen is the one the evidence supports best, not merely the shortest.
    """
    n = len(network.variables)
    kids = _children(network)
    score = np.full(n, -1.0)
    back = np.full(n, -1, dtype=int)
    score[root] = posterior[root]
    for i in range(root, n):  # variables are in topological order
        if score[i] < 0:
            continue
        for child, w in kids[i]:
            s = score[i] * w * posterior[child]
            if s > score[child]:
                score[child] = s
                back[child] = i
    best: Path | None = None
    for f in targets:
        fv = network.findings[f]
        for p, w in zip(fv.parents, fv.weights, strict=True):
            if score[p] < 0:
                continue
            s = score[p] * w
            if best is None or s > best.score:
                chain = [p]
                while chain[-1] != root:
                    chain.append(int(back[chain[-1]]))
                best = Path(variables=tuple(reversed(chain)), finding=f, score=float(s))
    return best


def ancestors(network: Network, index: int) -> set[int]:
    seen: set[int] = set()
    stack = [index]
    while stack:
        for p in network.variables[stack.pop()].parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def descendants(network: Network, index: int) -> set[int]:
    kids = _children(network)
    seen: set[int] = set()
    stack = [index]
    while stack:
        for c, _ in kids[stack.pop()]:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return seen


def supporting_findings(
    network: Network, root: int, present: Sequence[int]
) -> list[int]:
    """Present findings that bear on ``root``: those its consequences explain, and those
    that show one of its own causes (an exposure behind it, say)."""
    below = descendants(network, root) | {root}
    above = ancestors(network, root)
    near: list[int] = []
    far: list[int] = []
    for f in present:
        parents = set(network.findings[f].parents)
        if parents & below:
            near.append(f)
        elif parents & above:
            far.append(f)
    return near + far
