"""Scoring assessments against worked vignettes: top-3 hits, triage, calibration (Brier
score and a reliability table) and robustness to shifting one edge's strength.

A vignette is a case with what a sound assessment shows (the format of
../shared/vignettes/dev.yaml): ``expect.triage`` is the least urgent acceptable level
(for a self-care case, anything more urgent is over-triage), and for each of
``root_causes``, ``conditions`` and ``factors`` at least one listed id must rank in the
top 3 of that list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from crux.assess import Model, assess
from crux.contract import parse_case
from crux.knowledge.schema import KnowledgeBase
from crux.reasoning.evidence import case_evidence
from crux.vocabulary import TRIAGE_ORDER

LISTS = ("root_causes", "conditions", "factors")
STRENGTH_LADDER = ("weak", "moderate", "strong", "defining")
TOP = 3


@dataclass(frozen=True)
class Vignette:
    id: str
    note: str
    case: dict[str, Any]
    expect: dict[str, Any]

    @property
    def mechanical(self) -> bool:
        """A case whose right answer is self-care (no red flag)."""
        return self.expect.get("triage", "self_care") == "self_care"


def load_vignettes(*paths: Path) -> list[Vignette]:
    """Vignettes from YAML files (each a list of vignettes), in order."""
    out: list[Vignette] = []
    for path in paths:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append(
                Vignette(
                    id=str(item["id"]),
                    note=str(item.get("note", "")),
                    case=item["case"],
                    expect=item.get("expect", {}),
                )
            )
    return out


@dataclass(frozen=True)
class Outcome:
    """How one assessment fares against its vignette."""

    id: str
    mechanical: bool
    level: str
    wanted: str
    top: dict[str, tuple[str, ...]]  # the top 3 ids of each list
    hits: dict[str, bool]  # per list the vignette names: an expected id in the top 3

    @property
    def triage_ok(self) -> bool:
        if self.wanted == "self_care":
            return self.level == "self_care"
        return TRIAGE_ORDER.index(self.level) <= TRIAGE_ORDER.index(self.wanted)

    @property
    def over_triaged(self) -> bool:
        return TRIAGE_ORDER.index(self.level) < TRIAGE_ORDER.index(self.wanted)

    @property
    def passed(self) -> bool:
        return self.triage_ok and all(self.hits.values())


def evaluate(vignette: Vignette, model: Model | None = None) -> Outcome:
    result = assess(parse_case(vignette.case), model)
    ranked = {
        "root_causes": result.root_causes,
        "conditions": result.conditions,
        "factors": result.contributing_factors,
    }
    top = {key: tuple(x.id for x in items[:TOP]) for key, items in ranked.items()}
    hits = {
        key: bool(set(vignette.expect[key]) & set(top[key]))
        for key in LISTS
        if vignette.expect.get(key)
    }
    wanted = vignette.expect.get("triage", "self_care")
    return Outcome(vignette.id, vignette.mechanical, result.triage.level, wanted, top, hits)


# ---------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Forecast:
    vignette: str
    node: str
    probability: float
    expected: bool


def forecasts(vignettes: Iterable[Vignette], model: Model) -> list[Forecast]:
    """Every root cause and condition's probability (the likelier side) per vignette,
    with whether the vignette names it as expected."""
    out: list[Forecast] = []
    kinds = {"root_cause": "root_causes", "condition": "conditions"}
    for v in vignettes:
        evidence = case_evidence(model.kb, model.network, parse_case(v.case))
        posterior = model.engine.posteriors(evidence)
        best: dict[str, tuple[float, str]] = {}
        for i, var in enumerate(model.network.variables):
            if var.kind in kinds:
                p = float(posterior[i])
                if var.node not in best or p > best[var.node][0]:
                    best[var.node] = (p, var.kind)
        for node, (p, kind) in sorted(best.items()):
            expected = node in set(v.expect.get(kinds[kind], ()))
            out.append(Forecast(v.id, node, p, expected))
    return out


def brier(items: Sequence[Forecast]) -> float:
    if not items:
        return float("nan")
    p = np.array([f.probability for f in items])
    y = np.array([f.expected for f in items], dtype=float)
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    mean_probability: float
    observed: float  # share of forecasts in the bin that were expected


def reliability(items: Sequence[Forecast], bins: int = 10) -> list[Bin]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    out = []
    for k in range(bins):
        low, high = float(edges[k]), float(edges[k + 1])
        last = k == bins - 1
        inside = [
            f for f in items if low <= f.probability < high or (last and f.probability == high)
        ]
        if inside:
            mean_p = float(np.mean([f.probability for f in inside]))
            observed = float(np.mean([f.expected for f in inside]))
        else:
            mean_p = observed = float("nan")
        out.append(Bin(low, high, len(inside), mean_p, observed))
    return out


# ----------------------------------------------------------------------- robustness


@dataclass(frozen=True)
class Shift:
    cause: str
    effect: str
    before: str
    after: str
    changed: tuple[str, ...]  # vignettes whose top 3 (of any list) changed
    flipped: tuple[str, ...]  # vignettes that passed and now fail, or failed and now pass


def shifted(kb: KnowledgeBase, index: int, strength: str) -> KnowledgeBase:
    edges = list(kb.edges)
    edges[index] = edges[index].model_copy(update={"strength": strength})
    return kb.model_copy(update={"edges": tuple(edges)})


def robustness(kb: KnowledgeBase, vignettes: Sequence[Vignette]) -> list[Shift]:
    """Each edge one strength step up and one down (where the ladder allows), and what
    that does to every vignette's top 3 and pass or fail."""
    baseline = {v.id: evaluate(v, Model.build(kb)) for v in vignettes}
    out: list[Shift] = []
    for i, edge in enumerate(kb.edges):
        step = STRENGTH_LADDER.index(edge.strength)
        for j in (step - 1, step + 1):
            if not 0 <= j < len(STRENGTH_LADDER):
                continue
            model = Model.build(shifted(kb, i, STRENGTH_LADDER[j]))
            changed, flipped = [], []
            for v in vignettes:
                now = evaluate(v, model)
                was = baseline[v.id]
                if now.top != was.top:
                    changed.append(v.id)
                if now.passed != was.passed:
                    flipped.append(v.id)
            out.append(
                Shift(edge.cause, edge.effect, edge.strength, STRENGTH_LADDER[j],
                      tuple(changed), tuple(flipped))
            )
    return out
