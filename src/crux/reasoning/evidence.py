"""Turn a validated case into evidence on the network: which findings are present,
which are known to be absent, and which demographic variables are observed.

A case is read with the same three-valued logic as the red-flag rules
(:mod:`crux.answers`): true is present, false is absent, unknown counts for nothing.
What each finding asks comes from its ``when`` in the data:

- complaint: the complaint list is the body chart, so pain in a region with no
  complaint is absent. A finding about a detail of the pain there (its context,
  quality, onset, duration, severity or radiation) is read only when the region hurts:
  otherwise it is unknown, so one pain-free region counts once, not once per detail.
  In a region that hurts, a different onset, or a duration or severity on the other
  side of the bound, is absent; a context, quality or radiation not listed is unknown.
- exposure, history: a yes/no answer is itself (or its opposite, with ``is: false``);
  a number is compared with ``at_least`` or ``below``.
- measurement: compared with the vocabulary's threshold (or the finding's own bound).
- red_flag: true is present, false is absent.
- age_at_least, age_below, sex: known once age or sex is given.

A finding with a lateral cause is read per side: a complaint felt on the left (or on
both sides, or centrally) speaks to the left copy, and so on; a per-side measurement
speaks to each side; an answer with no side speaks to both copies.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from crux.answers import SIDES, Truth, answer, any_complaint, any_of, section_value
from crux.knowledge.compile import variable_name
from crux.knowledge.schema import ComplaintMatch, Condition, Finding, KnowledgeBase
from crux.reasoning.network import Evidence, Network
from crux.vocabulary import load_vocabulary


@dataclass(frozen=True)
class Observed:
    """A finding the case shows or rules out, with the side it applies to."""

    finding: Finding
    side: str | None  # None: not lateral
    present: bool


@dataclass(frozen=True)
class Reading:
    """What a case says about one condition, overall and on each side."""

    overall: Truth
    left: Truth
    right: Truth

    @classmethod
    def same(cls, value: Truth) -> Reading:
        return cls(value, value, value)

    def side(self, side: str) -> Truth:
        return self.left if side == "left" else self.right


def _beyond(value: Any, cond: Condition, term: Any) -> Truth:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if cond.below is not None:
        return value < cond.below
    if cond.above is not None:
        return value > cond.above
    direction, limit = term.threshold
    return value < limit if direction == "below" else value > limit


def _complaint(match: ComplaintMatch, complaints: list[Any], side: str | None) -> Truth:
    truth = any_complaint(match, complaints, side)
    if truth is not False or not _is_detail(match):
        return truth
    region = ComplaintMatch(region=match.region, side=match.side)
    return False if any_complaint(region, complaints, side) else None


@cache
def _is_detail(match: ComplaintMatch) -> bool:
    """Whether the match asks for more than a region and side (frozen: kept once read)."""
    return any(
        value is not None
        for key, value in match
        if key not in ("region", "side")
    )


def _answered(value: Any, cond: Condition) -> Truth:
    if value is None:
        return None
    if cond.is_ is not None:
        return value is cond.is_
    if cond.below is not None and not isinstance(value, bool):
        return float(value) < cond.below
    return answer(value, cond.at_least)


def read(cond: Condition, case: BaseModel) -> Reading:
    """What the case says about one condition."""
    if cond.complaint is not None:
        complaints = case.complaints
        return Reading(
            overall=_complaint(cond.complaint, complaints, None),
            left=_complaint(cond.complaint, complaints, "left"),
            right=_complaint(cond.complaint, complaints, "right"),
        )
    if cond.exposure is not None:
        return Reading.same(_answered(section_value(case, "exposures", cond.exposure), cond))
    if cond.history is not None:
        return Reading.same(_answered(section_value(case, "history", cond.history), cond))
    if cond.measurement is not None:
        term = load_vocabulary().measurements[cond.measurement]
        value = section_value(case, "measurements", cond.measurement)
        if isinstance(value, BaseModel):  # given per side
            left = _beyond(value.left, cond, term)
            right = _beyond(value.right, cond, term)
            return Reading(any_of((left, right)), left, right)
        return Reading.same(_beyond(value, cond, term))
    if cond.red_flag is not None:
        return Reading.same(_answered(section_value(case, "red_flags", cond.red_flag), cond))
    if cond.age_at_least is not None or cond.age_below is not None:
        if case.age is None:
            return Reading.same(None)
        if cond.age_at_least is not None:
            return Reading.same(case.age >= cond.age_at_least)
        return Reading.same(case.age < cond.age_below)
    if cond.sex is not None:
        if case.sex is None or case.sex == "unknown":
            return Reading.same(None)
        return Reading.same(case.sex == cond.sex)
    return Reading.same(None)


@cache
def lateral_findings(kb: KnowledgeBase) -> frozenset[str]:
    """Ids of the findings read per side: those with a lateral cause."""
    lateral_nodes = {n.id for n in kb.nodes if n.lateral}
    return frozenset(
        f.id for f in kb.findings if any(c.node in lateral_nodes for c in f.causes)
    )


_KEPT_READINGS = 16  # whole cases read, kept (an interview reads each case twice: once to
# assess it after an answer, once to choose the next question)
_readings: OrderedDict[tuple[int, str], tuple[KnowledgeBase, list[Observed]]] = OrderedDict()
_readings_lock = threading.Lock()


def observed_findings(
    kb: KnowledgeBase, case: BaseModel, findings: Iterable[Finding] | None = None
) -> list[Observed]:
    """Every finding of the knowledge base (or of ``findings``) that the case shows or
    rules out. Reading every finding of a case is kept for the last few cases."""
    if findings is not None:
        return _observed(kb, case, findings)
    key = (id(kb), case.model_dump_json())
    with _readings_lock:
        hit = _readings.get(key)
        if hit is not None and hit[0] is kb:
            _readings.move_to_end(key)
            return list(hit[1])
    out = _observed(kb, case, kb.findings)
    with _readings_lock:
        _readings[key] = (kb, out)
        while len(_readings) > _KEPT_READINGS:
            _readings.popitem(last=False)
    return list(out)


def _observed(kb: KnowledgeBase, case: BaseModel, findings: Iterable[Finding]
              ) -> list[Observed]:
    lateral = lateral_findings(kb)
    out: list[Observed] = []
    for finding in findings:
        reading = read(finding.when, case)
        if finding.id in lateral:
            for side in SIDES:
                value = reading.side(side)
                if value is not None:
                    out.append(Observed(finding, side, value))
        elif reading.overall is not None:
            out.append(Observed(finding, None, reading.overall))
    return out


def finding_variable(network: Network, ob: Observed) -> int:
    return network.finding_index[variable_name(ob.finding.id, ob.side)]


def to_evidence(network: Network, observed: Iterable[Observed]) -> Evidence:
    """Place observations on the network's findings and directly observed variables."""
    findings: dict[int, bool] = {}
    variables: dict[int, bool] = {}
    for ob in observed:
        if ob.finding.observes:
            variables[network.index[ob.finding.observes]] = ob.present
        else:
            findings[finding_variable(network, ob)] = ob.present
    return Evidence(findings=findings, variables=variables)


def case_evidence(kb: KnowledgeBase, network: Network, case: BaseModel) -> Evidence:
    return to_evidence(network, observed_findings(kb, case))
