"""The expected information gain of each question, from exact posteriors.

A question's possible answers are reduced to the distinct ways they change the evidence
(a number only matters on either side of the bounds the knowledge reads it against), and
each way is weighed by its probability under the network given what is known. The gain
is the expected fall in the summed binary entropy of the root causes and conditions
(see :mod:`crux.reasoning.information`), so it is never negative.

Answers that only add absent findings, or present ones with a single parent, are
computed on the case's own junction tree. A present finding that would couple parents
(and so need another tree) is handled with the Quickscore identity instead:
P(e, F present) = P(e) - P(e, F absent), over every such finding by inclusion and
exclusion, so choosing a question never compiles a tree.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from crux.assess import Model
from crux.contract import CaseError, parse_case
from crux.interview._questions import Ask, apply
from crux.knowledge.schema import Condition, Finding
from crux.reasoning.engine import ImpossibleEvidence
from crux.reasoning.evidence import (
    Observed,
    finding_variable,
    observed_findings,
    to_evidence,
)
from crux.reasoning.information import entropy_bits
from crux.reasoning.network import Evidence
from crux.vocabulary import load_vocabulary

_EPS = 1e-6


def _keys(when: Condition) -> list[str]:
    """What a finding reads, as question keys ("complaint.worse_with.running", "age")."""
    if when.complaint is not None:
        m = when.complaint
        out = []
        if m.worse_with:
            out.append(f"complaint.worse_with.{m.worse_with}")
        if m.better_with:
            out.append(f"complaint.better_with.{m.better_with}")
        if m.quality:
            out.append(f"complaint.qualities.{m.quality}")
        if m.radiates_to:
            out.append(f"complaint.radiates_to.{m.radiates_to}")
        if m.onset:
            out.append("complaint.onset")
        if m.duration_weeks_at_least is not None or m.duration_weeks_below is not None:
            out.append("complaint.duration_weeks")
        if m.severity_at_least is not None:
            out.append("complaint.severity")
        return out
    for section, key in (("exposures", when.exposure), ("history", when.history),
                         ("measurements", when.measurement), ("red_flags", when.red_flag)):
        if key is not None:
            return [f"{section}.{key}"]
    if when.age_at_least is not None or when.age_below is not None:
        return ["age"]
    if when.sex is not None:
        return ["sex"]
    return []


def _ask_key(ask: Ask) -> str:
    assert ask.question is not None
    if ask.question.asks == "complaint.radiates_to":
        return f"complaint.radiates_to.{ask.region}"
    return ask.question.asks


def _cuts(when: Condition, key: str) -> list[float]:
    """The bounds a finding reads a number against."""
    if key == "complaint.duration_weeks":
        m = when.complaint
        return [b for b in (m.duration_weeks_at_least, m.duration_weeks_below) if b is not None]
    if key == "complaint.severity":
        return [when.complaint.severity_at_least]
    if key == "age":
        return [b for b in (when.age_at_least, when.age_below) if b is not None]
    cuts = [b for b in (when.at_least, when.below, when.above) if b is not None]
    if when.measurement is not None and not cuts:
        term = load_vocabulary().measurements[when.measurement]
        if term.threshold is not None:
            cuts.append(term.threshold[1])
    return cuts


@dataclass(frozen=True)
class Scored:
    ask: Ask
    gain: float  # bits


class Chooser:
    """Scores questions for one knowledge base; built once per model."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._reads: dict[str, list[Finding]] = defaultdict(list)
        for f in model.kb.findings:
            for key in _keys(f.when):
                self._reads[key].append(f)
        self._kinds = [v.kind for v in model.network.variables]

    def targets(self, observed: Sequence[Observed]) -> np.ndarray:
        """The root causes and conditions that could explain what hurts: every one with a
        causal path to a complaint the person has (the others are not this person's
        question, however uncertain they are)."""
        network = self.model.network
        stack = [
            p
            for ob in observed
            if ob.present and ob.finding.when.complaint is not None and not ob.finding.observes
            for p in network.findings[finding_variable(network, ob)].parents
        ]
        seen: set[int] = set()
        while stack:
            v = stack.pop()
            if v not in seen:
                seen.add(v)
                stack.extend(network.variables[v].parents)
        wanted = ("root_cause", "condition")
        return np.array(sorted(v for v in seen if self._kinds[v] in wanted), dtype=int)

    # ------------------------------------------------------------------ answers

    def _values(self, ask: Ask, findings: Sequence[Finding], key: str) -> list[Any]:
        """One answer per way the answer can change what the findings read."""
        q = ask.question
        assert q is not None
        if q.answer == "yes_no":
            return [True, False]
        if q.answer == "choice":
            return list(q.options or ())
        if q.answer == "region":
            return [[], [next(iter(load_vocabulary().regions))]]
        lo, hi = q.range or (0.0, 0.0)
        values = {lo, hi}
        for f in findings:
            for c in _cuts(f.when, key):
                values.update(v for v in (c - _EPS, c, c + _EPS) if lo <= v <= hi)
        return sorted(values)

    def branches(self, ask: Ask, case: Mapping[str, Any], evidence: Evidence
                 ) -> list[dict[int, bool]]:
        """The distinct changes to the finding evidence that the answers make (each a
        full assignment of the findings the question bears on)."""
        key = _ask_key(ask)
        findings = self._reads.get(key, [])
        if not findings:
            return []
        network = self.model.network
        touched: set[int] = set()
        for f in findings:
            for side in (None, "left", "right"):
                idx = network.finding_index.get(f"{f.id}@{side}" if side else f.id)
                if idx is not None:
                    touched.add(idx)
        before = {i: evidence.findings[i] for i in touched if i in evidence.findings}
        seen: list[dict[int, bool]] = []
        for value in self._values(ask, findings, key):
            try:
                hypothetical = parse_case(apply(case, ask, value))
            except CaseError:
                continue
            after = {
                finding_variable(network, ob): ob.present
                for ob in observed_findings(self.model.kb, hypothetical, findings)
                if not ob.finding.observes
            }
            if after not in seen:
                seen.append(after)
        if len(seen) < 2 and (not seen or seen[0] == before):
            return []
        return seen

    # ------------------------------------------------------------------ inference

    def _joint(self, evidence: Evidence, base: dict[int, bool], change: dict[int, bool],
               memo: dict[Any, tuple[np.ndarray, float]]) -> tuple[np.ndarray, float]:
        """(P(x, e') for every hidden x, P(e')) with e' the evidence after ``change``;
        coupling present findings by inclusion and exclusion over absent ones."""
        engine = self.model.engine
        fixed = {i: v for i, v in change.items() if not (v and engine.couples(i))}
        coupling = [i for i, v in change.items() if v and engine.couples(i)]
        findings = {i: v for i, v in base.items() if i not in change}
        findings.update(fixed)
        total_p = np.zeros(len(self.model.network.variables))
        total = 0.0
        changed = frozenset(change.items())
        for r in range(len(coupling) + 1):
            for subset in itertools.combinations(coupling, r):
                key = (changed, frozenset(subset))
                hit = memo.get(key)
                if hit is None:
                    ev = Evidence(findings={**findings, **dict.fromkeys(subset, False)},
                                  variables=evidence.variables)
                    try:
                        post, log_p = engine.infer(ev)
                        p = float(np.exp(log_p))
                        hit = (post * p, p)
                    except ImpossibleEvidence:
                        hit = (np.zeros_like(total_p), 0.0)
                    memo[key] = hit
                sign = -1.0 if r % 2 else 1.0
                total_p += sign * hit[0]
                total += sign * hit[1]
        return total_p, max(total, 0.0)

    def _branch_joints(self, evidence: Evidence, changes: list[dict[int, bool]],
                       joint_e: np.ndarray, p_e: float,
                       memo: dict[Any, tuple[np.ndarray, float]],
                       ) -> list[tuple[np.ndarray, float]]:
        """(P(x, e'), P(e')) for each branch. Two branches that differ in one finding only,
        on top of what is already known, need one calibration: P(x, e, F present) =
        P(x, e) - P(x, e, F absent)."""
        if len(changes) == 2:
            a, b = changes
            diff = [i for i in a if a[i] != b.get(i)]
            same = all(
                evidence.findings.get(i) == a[i] for i in a if i not in diff
            ) and a.keys() == b.keys()
            if same and len(diff) == 1 and diff[0] not in evidence.findings:
                (f,) = diff
                absent = a if not a[f] else b
                joint, p = self._joint(evidence, evidence.findings, absent, memo)
                rest = (np.clip(joint_e - joint, 0.0, None), max(p_e - p, 0.0))
                return [(joint, p), rest] if absent is a else [rest, (joint, p)]
        return [self._joint(evidence, evidence.findings, c, memo) for c in changes]

    def gain(self, ask: Ask, case: Mapping[str, Any], evidence: Evidence,
             before: tuple[np.ndarray, float], targets: np.ndarray,
             memo: dict[Any, Any] | None = None) -> float:
        """The expected information gain of one question, in bits. ``memo`` shares
        calibrations (and whole gains) between questions asked of the same evidence:
        two questions that change the same findings the same ways have the same gain."""
        changes = self.branches(ask, case, evidence)
        if len(changes) < 2:
            return 0.0
        memo = {} if memo is None else memo
        same_ways = ("gain", tuple(frozenset(c.items()) for c in changes))
        if same_ways in memo:
            return memo[same_ways]
        posterior, log_e = before
        p_e = float(np.exp(log_e))
        weights, entropies = [], []
        joints = self._branch_joints(evidence, changes, posterior * p_e, p_e, memo)
        for joint, p in joints:
            if p <= 0.0:
                continue
            post = np.clip(joint / p, 0.0, 1.0)
            weights.append(p / p_e)
            entropies.append(entropy_bits(post[targets]))
        total = sum(weights)
        if total <= 0.0:
            memo[same_ways] = 0.0
            return 0.0
        after = sum(w * h for w, h in zip(weights, entropies, strict=True)) / total
        gain = max(0.0, entropy_bits(posterior[targets]) - after)
        memo[same_ways] = gain
        return gain

    def rank(self, asks: Iterable[Ask], case: Mapping[str, Any], model_case: BaseModel
             ) -> list[Scored]:
        """The questions with some gain, best first."""
        kb, network = self.model.kb, self.model.network
        observed = observed_findings(kb, model_case)
        evidence = to_evidence(network, observed)
        before = self.model.engine.infer(evidence)
        targets = self.targets(observed)
        memo: dict[Any, Any] = {}
        scored = [Scored(a, self.gain(a, case, evidence, before, targets, memo)) for a in asks]
        scored = [s for s in scored if s.gain > 0.0]
        return sorted(scored, key=lambda s: -s.gain)
