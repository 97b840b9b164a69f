"""From a validated case to an explained assessment.

Red-flag rules run first and set the triage level; nothing computed afterwards lowers
it. Then the exact posteriors of every root cause, contributing factor and condition are
ranked, and each root cause is explained by its most probable causal path to what hurts.
"""

from __future__ import annotations

import gc
import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
from pydantic import BaseModel

from crux.contract import (
    Assessment,
    FiredRule,
    Ranked,
    RankedCondition,
    RootCause,
    Triage,
)
from crux.knowledge import KnowledgeBase, compile_network, load_knowledge
from crux.knowledge.schema import Edge, Finding
from crux.reasoning.engine import ExactEngine
from crux.reasoning.evidence import Observed, finding_variable, observed_findings, to_evidence
from crux.reasoning.explain import best_path, supporting_findings
from crux.reasoning.network import Network
from crux.triage import screen

# How many items each ranked list shows: at least MIN_LISTED, and any more that reach
# LISTED_PROBABILITY, up to MAX_LISTED.
MIN_LISTED = 5
MAX_LISTED = 10
LISTED_PROBABILITY = 0.10


@dataclass(frozen=True)
class Model:
    """The knowledge base with its network and engine, compiled once and shared."""

    kb: KnowledgeBase
    network: Network
    engine: ExactEngine
    edges: dict[tuple[str, str], Edge]

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Model:
        network = compile_network(kb)
        return cls(
            kb=kb,
            network=network,
            engine=ExactEngine(network),
            edges={(e.cause, e.effect): e for e in kb.edges},
        )


@cache
def shipped_model() -> Model:
    """The model of the shipped knowledge, built once. It lives as long as the process,
    so its objects (and everything alive when it is built) are moved out of the cycle
    collector's generations: a full collection no longer walks them (measured: 50,000
    objects, about a third of a full collection's pause while choosing questions)."""
    model = Model.build(load_knowledge())
    gc.freeze()
    return model


@dataclass(frozen=True)
class _Best:
    node: str
    probability: float
    side: str | None
    variable: int


def _best_by_node(model: Model, posterior: np.ndarray, kind: str) -> list[_Best]:
    best: dict[str, _Best] = {}
    for i, var in enumerate(model.network.variables):
        if var.kind != kind:
            continue
        p = float(posterior[i])
        if var.node not in best or p > best[var.node].probability:
            best[var.node] = _Best(var.node, p, var.side, i)
    return sorted(best.values(), key=lambda b: (-b.probability, b.node))


def _listed(items: list[_Best]) -> list[_Best]:
    keep = [b for b in items if b.probability >= LISTED_PROBABILITY]
    return items[: max(MIN_LISTED, min(len(keep), MAX_LISTED))]


def _is_personal(finding: Finding) -> bool:
    when = finding.when
    return when.age_at_least is not None or when.age_below is not None or when.sex is not None


def _answer_text(ob: Observed, case: BaseModel) -> str:
    """The finding's words, with the number the person gave where there is one."""
    f: Finding = ob.finding
    text = f.label
    when = f.when
    value = None
    if when.exposure is not None and case.exposures is not None:
        value = getattr(case.exposures, when.exposure)
    elif when.history is not None and case.history is not None:
        value = getattr(case.history, when.history)
    elif when.measurement is not None and case.measurements is not None:
        value = getattr(case.measurements, when.measurement)
        if isinstance(value, BaseModel):
            value = getattr(value, ob.side) if ob.side else None
    if isinstance(value, float | int) and not isinstance(value, bool):
        text += f" ({value:g})"
    if ob.side and when.complaint is not None:
        text += f", {ob.side}"
    return text


def _summary(model: Model, path: list[str], complaint: str) -> str:
    kb = model.kb
    label = kb.node(path[0]).label
    steps = []
    for a, b in itertools.pairwise(path):
        edge = model.edges.get((a, b))
        if edge is not None:
            steps.append(edge.because.rstrip("."))
    chain = "; ".join(steps)
    text = f"{label[0].upper()}{label[1:]}"
    if chain:
        text += f": {chain}"
    return f"{text}. This fits your {complaint}."


def assess(case: BaseModel, model: Model | None = None) -> Assessment:
    """The assessment of one validated case (see crux.contract.parse_case)."""
    model = model or shipped_model()
    kb, network = model.kb, model.network
    triage = screen(case, kb.rules)

    observed = observed_findings(kb, case)
    evidence = to_evidence(network, observed)
    posterior = model.engine.posteriors(evidence)

    # the network finding variable of each present answer, and its words
    present_vars: list[int] = []
    answer_of: dict[int, str] = {}
    complaint_vars: list[int] = []
    personal: set[int] = set()  # age and sex: they shift likelihoods but explain nothing
    for ob in observed:
        if not ob.present or ob.finding.observes:
            continue
        idx = finding_variable(network, ob)
        present_vars.append(idx)
        answer_of[idx] = _answer_text(ob, case)
        if ob.finding.when.complaint is not None:
            complaint_vars.append(idx)
        if _is_personal(ob.finding):
            personal.add(idx)

    # a root cause is listed only when a causal path links it to what hurts
    explained = []
    for b in _best_by_node(model, posterior, "root_cause"):
        path = best_path(network, posterior, b.variable, complaint_vars)
        if path is not None:
            explained.append((b, path))
    root_causes: list[RootCause] = []
    for b, path in explained[: len(_listed([b for b, _ in explained]))]:
        ids = [network.variables[v].node for v in path.variables]
        support = [f for f in supporting_findings(network, b.variable, present_vars)
                   if f != path.finding and f not in personal]
        support.insert(0, path.finding)
        root_causes.append(
            RootCause(
                id=b.node,
                probability=round(b.probability, 6),
                side=b.side,
                explanation=ids,
                evidence=list(dict.fromkeys(answer_of[f] for f in support)),
                summary=_summary(model, ids, answer_of[path.finding]),
            )
        )

    suspected = {}
    for rule in triage.fired:
        suspected.setdefault(rule.suspects, rule.id)
    conditions_ranked = _best_by_node(model, posterior, "condition")
    if complaint_vars:  # conditions that fit: those that could cause what hurts
        conditions_ranked = [
            b for b in conditions_ranked
            if b.node in suspected
            or best_path(network, posterior, b.variable, complaint_vars) is not None
        ]
    flagged = [b for b in conditions_ranked if b.node in suspected]
    rest = [b for b in conditions_ranked if b.node not in suspected]
    conditions = [
        RankedCondition(
            id=b.node,
            probability=round(b.probability, 6),
            side=b.side,
            suspected_by=suspected.get(b.node),
        )
        for b in flagged + _listed(rest)
    ]
    factors = [
        Ranked(id=b.node, probability=round(b.probability, 6), side=b.side)
        for b in _listed(_best_by_node(model, posterior, "factor"))
    ]
    return Assessment(
        triage=Triage(
            level=triage.level,
            reasons=list(triage.reasons),
            advice=triage.advice,
            rules=[
                FiredRule(
                    id=r.id,
                    level=r.level,
                    suspects=r.suspects,
                    advice=r.advice,
                    sources=sorted({c.source for c in r.sources}),
                )
                for r in triage.fired
            ],
        ),
        root_causes=root_causes,
        contributing_factors=factors,
        conditions=conditions,
        knowledge_version=kb.version,
    )
