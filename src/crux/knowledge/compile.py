"""Compile the knowledge base into the noisy-OR network the engine reasons on.

Lateral nodes become a left and a right copy; an edge between two lateral nodes joins
copies on the same side (or the opposite side when the edge says so); an edge between a
lateral and a non-lateral node joins both copies. A finding with any lateral cause is
observed per side, so a left heel pain is explained by left-sided causes.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from graphlib import CycleError, TopologicalSorter

from crux.knowledge.schema import KnowledgeBase
from crux.reasoning.network import FindingVariable, Network, Variable

SIDES = ("left", "right")
_OPPOSITE = {"left": "right", "right": "left"}


def variable_name(node: str, side: str | None) -> str:
    return f"{node}@{side}" if side else node


def node_order(kb: KnowledgeBase) -> list[str]:
    """Node ids in topological order (causes first); raises CycleError on a cycle."""
    graph: dict[str, set[str]] = {n.id: set() for n in kb.nodes}
    for edge in kb.edges:
        graph.setdefault(edge.effect, set()).add(edge.cause)
    sorter = TopologicalSorter(graph)
    return list(sorter.static_order())


def compile_network(kb: KnowledgeBase) -> Network:
    strength = kb.scales.strengths
    prior = kb.scales.priors
    nodes = {n.id: n for n in kb.nodes}
    incoming = defaultdict(list)
    for edge in kb.edges:
        incoming[edge.effect].append(edge)

    try:
        order = node_order(kb)
    except CycleError as err:  # check_knowledge reports it; compiling cannot go on
        raise ValueError(f"the causal graph has a cycle: {' -> '.join(err.args[1])}") from err

    variables: list[Variable] = []
    index: dict[str, int] = {}
    for node_id in order:
        node = nodes[node_id]
        for side in SIDES if node.lateral else (None,):
            parents: list[int] = []
            weights: list[float] = []
            for edge in incoming[node_id]:
                cause = nodes[edge.cause]
                if cause.lateral and node.lateral:
                    assert side is not None
                    cause_sides = [side if edge.sides == "same" else _OPPOSITE[side]]
                elif cause.lateral:
                    cause_sides = list(SIDES)
                else:
                    cause_sides = [None]
                for cs in cause_sides:
                    parents.append(index[variable_name(edge.cause, cs)])
                    weights.append(strength[edge.strength])
            name = variable_name(node_id, side)
            index[name] = len(variables)
            variables.append(
                Variable(
                    name=name,
                    node=node_id,
                    side=side,
                    kind=node.kind,
                    leak=prior[node.prior],
                    parents=tuple(parents),
                    weights=tuple(weights),
                )
            )

    findings: list[FindingVariable] = []
    for finding in kb.findings:
        if finding.observes:
            continue  # a direct observation of a variable, not a child of it
        lateral = any(nodes[c.node].lateral for c in finding.causes)
        for side in SIDES if lateral else (None,):
            parents = []
            weights = []
            for cause in finding.causes:
                cs = side if nodes[cause.node].lateral else None
                parents.append(index[variable_name(cause.node, cs)])
                weights.append(strength[cause.strength])
            findings.append(
                FindingVariable(
                    name=variable_name(finding.id, side),
                    finding=finding.id,
                    side=side,
                    leak=prior[finding.leak] if finding.leak else 0.0,
                    parents=tuple(parents),
                    weights=tuple(weights),
                )
            )
    return Network(variables=tuple(variables), findings=tuple(findings))


@cache
def shipped_network() -> Network:
    """The network of the shipped knowledge base, compiled once."""
    from crux.knowledge.loader import load_knowledge

    return compile_network(load_knowledge())
