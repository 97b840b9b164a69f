"""Turn a validated case into evidence on the network: which findings are present,
which are known to be absent, and which demographic variables are observed.

The rules are generic; what each finding means comes from its ``when`` in the data:

- complaint: present when a complaint matches every given field. Its side picks the
  lateral copy (left, right; both and central mean both copies). Onset, duration and
  severity are single answers, so when a complaint in the finding's region gives one
  and it does not match, the finding is absent. Contexts, qualities and radiation are
  lists a person rarely completes: not listing one leaves it unknown.
- exposure, history: a yes/no answer is present or absent; a number is compared with
  ``at_least`` (or, with no bound, present when given); a region list is present when
  it names any region.
- measurement: compared with the vocabulary's threshold (or the finding's own bound),
  per side when the measurement is given per side.
- red_flag: true is present, false is absent.
- age_at_least, age_below, sex: present or absent once age or sex is known.
Anything the case does not give is unknown and counts for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from crux.knowledge.compile import SIDES, variable_name
from crux.knowledge.schema import ComplaintMatch, Condition, Finding, KnowledgeBase
from crux.reasoning.network import Evidence, Network
from crux.vocabulary import load_vocabulary

Observation = dict[str | None, bool]  # side (None when not lateral) -> present?


@dataclass(frozen=True)
class Observed:
    """A finding the case shows or rules out, with the side it applies to."""

    finding: Finding
    side: str | None
    present: bool


def _sides_of(complaint_side: str) -> tuple[str, ...]:
    return SIDES if complaint_side in ("both", "central") else (complaint_side,)


def _complaint_observation(match: ComplaintMatch, complaints: Iterable[Any]) -> Observation:
    obs: Observation = {}
    regions = set(match.regions())
    for c in complaints:
        if regions and c.region not in regions:
            continue
        if match.side and c.side != match.side:
            continue
        verdict: bool | None = True
        for key in ("worse_with", "better_with", "radiates_to"):
            wanted = getattr(match, key)
            if wanted is not None:
                listed = getattr(c, key) or []
                if wanted not in listed:
                    verdict = None  # not listed: unknown
        if match.quality is not None and match.quality not in (c.qualities or []):
            verdict = None
        if verdict is not False and match.onset is not None:
            if c.onset is None:
                verdict = None if verdict else verdict
            elif c.onset != match.onset:
                verdict = False
        for bound, attr, ok in (
            (match.duration_weeks_at_least, "duration_weeks", lambda v, b: v >= b),
            (match.duration_weeks_below, "duration_weeks", lambda v, b: v < b),
            (match.severity_at_least, "severity", lambda v, b: v >= b),
        ):
            if bound is None or verdict is False:
                continue
            value = getattr(c, attr)
            if value is None:
                verdict = None
            elif not ok(value, bound):
                verdict = False
        if verdict is None:
            continue
        for side in _sides_of(c.side):
            # present on a side wins over absent from another complaint on that side
            obs[side] = obs.get(side, False) or verdict
    return obs


def _value_present(value: Any, at_least: float | None) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return len(value) > 0
    if at_least is None:
        return True
    return float(value) >= at_least


def _measurement_present(value: float | bool, cond: Condition, term: Any) -> bool:
    if isinstance(value, bool):
        return value
    if cond.below is not None:
        return value < cond.below
    if cond.above is not None:
        return value > cond.above
    direction, limit = term.threshold
    return value < limit if direction == "below" else value > limit


def observe(cond: Condition, case: BaseModel) -> Observation:
    """What the case says about one condition: side -> present (missing keys: unknown).

    The key None means "not tied to a side"; lateral findings read it as both sides.
    """
    if cond.complaint is not None:
        return _complaint_observation(cond.complaint, case.complaints)
    if cond.exposure is not None or cond.history is not None:
        section = case.exposures if cond.exposure is not None else case.history
        key = cond.exposure if cond.exposure is not None else cond.history
        value = getattr(section, key) if section is not None else None
        if value is None:
            return {}
        return {None: _value_present(value, cond.at_least)}
    if cond.measurement is not None:
        term = load_vocabulary().measurements[cond.measurement]
        value = getattr(case.measurements, cond.measurement) if case.measurements else None
        if value is None:
            return {}
        if isinstance(value, BaseModel):
            obs: Observation = {}
            for side in SIDES:
                v = getattr(value, side)
                if v is not None:
                    obs[side] = _measurement_present(v, cond, term)
            return obs
        return {None: _measurement_present(value, cond, term)}
    if cond.red_flag is not None:
        value = getattr(case.red_flags, cond.red_flag) if case.red_flags else None
        return {} if value is None else {None: bool(value)}
    if cond.age_at_least is not None or cond.age_below is not None:
        if case.age is None:
            return {}
        if cond.age_at_least is not None:
            return {None: case.age >= cond.age_at_least}
        return {None: case.age < cond.age_below}
    if cond.sex is not None:
        if case.sex is None or case.sex == "unknown":
            return {}
        return {None: case.sex == cond.sex}
    return {}


def observed_findings(kb: KnowledgeBase, case: BaseModel) -> list[Observed]:
    """Every finding of the knowledge base that the case shows or rules out."""
    out: list[Observed] = []
    for finding in kb.findings:
        for side, present in observe(finding.when, case).items():
            out.append(Observed(finding=finding, side=side, present=present))
    return out


def to_evidence(network: Network, observed: Iterable[Observed]) -> Evidence:
    """Place observations on the network's findings and variables.

    A side-less observation of a lateral finding applies to both copies; a sided
    observation of a finding that is not lateral applies to the one finding.
    """
    findings: dict[int, bool] = {}
    variables: dict[int, bool] = {}

    def put(target: dict[int, bool], idx: int, present: bool) -> None:
        target[idx] = target.get(idx, False) or present

    for ob in observed:
        f = ob.finding
        if f.observes:
            sides: tuple[str | None, ...] = (None,)
            if variable_name(f.observes, None) not in network.index:
                sides = SIDES if ob.side is None else (ob.side,)
            for side in sides:
                put(variables, network.index[variable_name(f.observes, side)], ob.present)
            continue
        if f.id in network.finding_index:  # not lateral
            put(findings, network.finding_index[f.id], ob.present)
            continue
        for side in SIDES if ob.side is None else (ob.side,):
            put(findings, network.finding_index[variable_name(f.id, side)], ob.present)
    return Evidence(findings=findings, variables=variables)


def case_evidence(kb: KnowledgeBase, network: Network, case: BaseModel) -> Evidence:
    return to_evidence(network, observed_findings(kb, case))
