"""The expected information gain of each question, from exact posteriors.

A question's possible answers are reduced to the distinct ways they change the evidence
(a number only matters on either side of the bounds the knowledge reads it against), and
each way is weighed by its probability under the network given what is known. The gain
is the expected fall in the summed binary entropy of the root causes and conditions that
could explain what hurts (see :mod:`crux.reasoning.information`), never negative.

Every answer is written as signed sets of absent findings (the Quickscore identity:
P(e, N absent, P present) = sum over S within P of (-1)^|S| P(e, N and S absent)), and
one calibration of the case serves every set:

- where a set's causes share a clique, P(set | e) and P(set, target on | e) for every
  target are expectations of the set's likelihood over that clique's belief, given the
  case and given each target on in turn (turning a target on re-collects only the path
  from its clique to the root);
- otherwise the set is inserted into the kept calibration along the changed paths.

An answer that would change what is already known is calibrated afresh. No question
ever compiles another tree. All of it runs on the calling thread: a helper thread that
calibrated the case and shared the passes saved nothing (measured: numpy's many small
operations on the two threads wait on each other for the interpreter).

The chooser's engine computes in float32: the time goes into arithmetic on large clique
tables, bound by memory, and half the bytes is most of half the time (measured: about
0.85 of the time per choice, 0.67 on the slowest). The gains are the float64 gains to
within 1.4e-5 bits on every ranking of the benchmark; gains closer than TIED are ties,
ranked in the order the questions were offered. The assessment's engine stays float64.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from crux.assess import Model
from crux.contract import CaseError, parse_case
from crux.interview._questions import Ask, apply
from crux.knowledge.compile import variable_name
from crux.knowledge.schema import Condition, Finding
from crux.reasoning.engine import (
    Calibrated,
    ExactEngine,
    ImpossibleEvidence,
    network_families,
    order_for,
)
from crux.reasoning.evidence import (
    Observed,
    finding_variable,
    observed_findings,
    to_evidence,
)
from crux.reasoning.information import entropy_bits
from crux.reasoning.junction_tree import clique_size, eliminate
from crux.reasoning.network import Evidence
from crux.reasoning.tables import merged_links, noisy_or_off, place
from crux.vocabulary import load_vocabulary

_EPS = 1e-6
MAX_PRESENT = 4  # present findings one answer may add (2^n Quickscore terms)
NEAR_ROOT_ENTRIES = 2**16
MAX_KEPT_BRANCHES = 20_000  # answers' effects kept per knowledge base
READING_GROWTH = 0.05  # how much larger the tree may grow to read answers on one clique
# and a case's tree, with the case's coupling findings: kept whole when the sets above
# make it at most this much larger, else without them (measured on the interview
# benchmark: at 0.4 no choice is slower and the slowest take 0.6 of the time)
CASE_READING_GROWTH = 0.4


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


def _part(case: Mapping[str, Any], key: str) -> Any:
    """The part of a case a question key reads: for a complaint key, each complaint's
    region and side and the one field it reads (for a list, whether its item is listed
    and whether it is denied), so that an answer about one field leaves the kept effects
    of questions on the others standing."""
    if key.startswith("complaint."):
        _, field, *item = key.split(".", 2)
        out = []
        for complaint in case.get("complaints") or ():
            read = [complaint.get("region"), complaint.get("side")]
            if item:
                denied = (complaint.get("denied") or {}).get(field) or ()
                read += [item[0] in (complaint.get(field) or ()), item[0] in denied]
            else:
                read.append(complaint.get(field))
            out.append(read)
        return out
    if key in ("age", "sex"):
        return case.get(key)
    section, _, item = key.partition(".")
    return (case.get(section) or {}).get(item)


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


TIED = 1e-5  # bits: gains closer than this are ties (the chooser's float32 rounding is
# below it: measured at most 1.4e-5 bits apart from float64, most far less)


def by_gain(scored: list[Scored]) -> list[Scored]:
    """Best first; gains within TIED of their neighbour keep the candidates' order (so a
    left and a right question of equal gain come in the order they were offered)."""
    ranked = sorted(scored, key=lambda s: -s.gain)
    position = {id(s): i for i, s in enumerate(scored)}
    out: list[Scored] = []
    run: list[Scored] = []
    for s in ranked:
        if run and run[-1].gain - s.gain >= TIED:
            out += sorted(run, key=lambda r: position[id(r)])
            run = []
        run.append(s)
    return out + sorted(run, key=lambda r: position[id(r)])


class Chooser:
    """Scores questions for one knowledge base; built once per model. Its engine
    computes in ``dtype`` (float32 by default, see above); probabilities are read back
    and entropies computed in float64."""

    def __init__(self, model: Model, dtype: npt.DTypeLike = np.float32) -> None:
        self.model = model
        self._reads: dict[str, list[Finding]] = defaultdict(list)
        for f in model.kb.findings:
            for key in _keys(f.when):
                self._reads[key].append(f)
        self._kinds = [v.kind for v in model.network.variables]
        self.engine = ExactEngine(model.network, families=self._reading_families(),
                                  growth=CASE_READING_GROWTH, dtype=dtype)
        self._branches: dict[str, list[dict[int, bool]]] = {}

    def _reading_families(self) -> list[frozenset[int]]:
        """The causes of a question's answers that its gain reads together, kept in one
        clique of every tree where that costs little: while the network's tree grows by
        at most READING_GROWTH, the smallest such sets first. A set kept so is read on a
        clique's belief; the others are inserted one by one (measured: about two thirds
        of the insertions go, for 5 % more table entries)."""
        network = self.model.network
        candidates: set[frozenset[int]] = set()
        for findings in self._reads.values():
            by_side: dict[str | None, set[int]] = defaultdict(set)
            for f in findings:
                for side in (None, "left", "right"):
                    idx = network.finding_index.get(variable_name(f.id, side))
                    if idx is not None:
                        parents = frozenset(network.findings[idx].parents)
                        by_side[side] |= parents
                        candidates.add(parents)
            for side in ("left", "right"):
                candidates.add(frozenset(by_side[side] | by_side[None]))
            candidates.add(frozenset().union(*by_side.values()))
        n = len(network.variables)
        families = network_families(network)
        order = list(order_for(n, tuple(families)))  # the network's order (computed once)
        cliques = eliminate(n, families, order)
        budget = clique_size(cliques) * (1.0 + READING_GROWTH)
        kept: list[frozenset[int]] = []
        for family in sorted((c for c in candidates if len(c) > 1),
                             key=lambda c: (len(c), sorted(c))):
            if any(family <= c for c in cliques):
                continue  # already read on one clique
            trial = eliminate(n, [*families, *kept, family], order)
            if clique_size(trial) <= budget:
                kept.append(family)
                cliques = trial
        return kept

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
        full assignment of the findings the question bears on). They depend only on the
        parts of the case the question's findings read, so they are kept by those."""
        key = _ask_key(ask)
        findings = self._reads.get(key, [])
        if not findings:
            return []
        read = json.dumps([ask.id, [_part(case, k) for f in findings for k in _keys(f.when)]],
                          sort_keys=True, default=str)
        hit = self._branches.get(read)
        if hit is None:
            if len(self._branches) > MAX_KEPT_BRANCHES:
                self._branches.clear()
            hit = self._branches[read] = self._branches_of(ask, case, evidence, findings, key)
        return hit

    def _branches_of(self, ask: Ask, case: Mapping[str, Any], evidence: Evidence,
                     findings: list[Finding], key: str) -> list[dict[int, bool]]:
        network = self.model.network
        touched: set[int] = set()
        for f in findings:
            for side in (None, "left", "right"):
                idx = network.finding_index.get(variable_name(f.id, side))
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

    def _terms(self, evidence: Evidence, change: dict[int, bool]
               ) -> list[tuple[Any, float, Evidence]]:
        """The calibrations behind one branch: (key, sign, evidence) for each term of the
        inclusion and exclusion over its present findings that couple parents."""
        engine = self.engine
        coupling = [i for i, v in change.items() if v and engine.couples(i)]
        findings = {i: v for i, v in evidence.findings.items() if i not in change}
        findings.update({i: v for i, v in change.items() if i not in coupling})
        changed = frozenset(change.items())
        out = []
        for r in range(len(coupling) + 1):
            for subset in itertools.combinations(coupling, r):
                ev = Evidence(findings={**findings, **dict.fromkeys(subset, False)},
                              variables=evidence.variables)
                out.append(((changed, frozenset(subset)), -1.0 if r % 2 else 1.0, ev))
        return out

    def _single(self, ev: Evidence) -> tuple[np.ndarray, float]:
        try:
            post, log_p = self.engine.infer(ev)
        except ImpossibleEvidence:
            return np.zeros(len(self.model.network.variables)), 0.0
        p = float(np.exp(log_p))
        return post * p, p

    def _joint(self, evidence: Evidence, base: dict[int, bool], change: dict[int, bool],
               memo: dict[Any, tuple[np.ndarray, float]]) -> tuple[np.ndarray, float]:
        """(P(x, e') for every hidden x, P(e')) with e' the evidence after ``change``;
        coupling present findings by inclusion and exclusion over absent ones."""
        total_p = np.zeros(len(self.model.network.variables))
        total = 0.0
        for key, sign, ev in self._terms(evidence, change):
            hit = memo.get(key)
            if hit is None:
                hit = memo[key] = self._single(ev)
            total_p += sign * hit[0]
            total += sign * hit[1]
        return total_p, max(total, 0.0)

    @staticmethod
    def _identity(evidence: Evidence, a: dict[int, bool], b: dict[int, bool]) -> int | None:
        """The one finding two branches differ in, when nothing else changes."""
        diff = [i for i in a if a[i] != b.get(i)]
        same = a.keys() == b.keys() and all(
            evidence.findings.get(i) == a[i] for i in a if i not in diff
        )
        if same and len(diff) == 1 and diff[0] not in evidence.findings:
            return diff[0]
        return None

    def _branch_joints(self, evidence: Evidence, changes: list[dict[int, bool]],
                       joint_e: np.ndarray, p_e: float,
                       memo: dict[Any, tuple[np.ndarray, float]],
                       ) -> list[tuple[np.ndarray, float]]:
        """(P(x, e'), P(e')) for each branch. Two branches that differ in one finding only,
        on top of what is already known, need one calibration: P(x, e, F present) =
        P(x, e) - P(x, e, F absent)."""
        if len(changes) == 2:
            a, b = changes
            f = self._identity(evidence, a, b)
            if f is not None:
                absent = a if not a[f] else b
                joint, p = self._joint(evidence, evidence.findings, absent, memo)
                rest = (np.clip(joint_e - joint, 0.0, None), max(p_e - p, 0.0))
                return [(joint, p), rest] if absent is a else [rest, (joint, p)]
        return [self._joint(evidence, evidence.findings, c, memo) for c in changes]

    def gain(self, ask: Ask, case: Mapping[str, Any], evidence: Evidence,
             before: tuple[np.ndarray, float], targets: np.ndarray,
             memo: dict[Any, Any] | None = None,
             changes: list[dict[int, bool]] | None = None) -> float:
        """The expected information gain of one question, in bits. ``memo`` shares
        calibrations (and whole gains) between questions asked of the same evidence:
        two questions that change the same findings the same ways have the same gain."""
        if changes is None:
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

    # ------------------------------------------------------------------ by terms

    def _absent_terms(self, evidence: Evidence, ways: list[dict[int, bool]]
                      ) -> list[list[tuple[frozenset[int], float]]] | None:
        """Each answer as signed sets of findings all absent (Quickscore):
        P(e, N absent, P present) = sum over S within P of (-1)^|S| P(e, N and S absent).
        None when an answer changes what is already known (then it is computed afresh)."""
        out = []
        for change in ways:
            present, absent = [], []
            for i, v in change.items():
                known = evidence.findings.get(i)
                if known is None:
                    (present if v else absent).append(i)
                elif known != v:
                    return None
            if len(present) > MAX_PRESENT:
                return None
            terms = []
            for r in range(len(present) + 1):
                for subset in itertools.combinations(present, r):
                    terms.append((frozenset(absent) | frozenset(subset), -1.0 if r % 2 else 1.0))
            out.append(terms)
        return out

    def _absent_table(self, findings: frozenset[int], axes: tuple[int, ...]) -> np.ndarray:
        """P(all these findings absent | the clique's variables), flattened."""
        network = self.model.network
        table = np.ones((2,) * len(axes))  # float64 here, the engine's dtype below
        for i in findings:
            f = network.findings[i]
            links, weights = merged_links(f.parents, f.weights)
            table = table * place(noisy_or_off(f.leak, weights), links, axes)
        flat = np.broadcast_to(table, (2,) * len(axes)).reshape(-1)
        return flat.astype(self.engine.dtype, copy=False)

    def _rank_by_terms(
        self, evidence: Evidence, targets: np.ndarray, prior: np.ndarray,
        plans: list[list[list[tuple[frozenset[int], float]]]], cal: Calibrated,
    ) -> list[float]:
        """Gains from P(A absent | e) and P(A absent, target on | e) for every set A of
        findings the answers need. Where A's causes share a clique these are expectations
        over that clique's belief given the case and given each target on in turn (one
        calibration serves every question); otherwise A is inserted into the case's
        calibration."""
        engine = self.engine
        tree = cal.compiled.tree
        network = self.model.network
        def holders(findings: frozenset[int]) -> list[int]:
            parents = frozenset(p for i in findings for p in network.findings[i].parents)
            return tree.holders(parents, NEAR_ROOT_ENTRIES) if parents else [tree.root]

        # a question whose findings all share a clique is read on that one clique, the
        # rest set by set; as few cliques as can hold them all, nearest the root first (few
        # cliques keep turning each target on cheap)
        units: list[tuple[list[frozenset[int]], list[int]]] = []
        for plan in plans:
            sets = list(dict.fromkeys(a for terms in plan for a, _ in terms if a))
            shared = holders(frozenset().union(*sets)) if sets else []
            if shared:
                units.append((sets, shared))
            else:
                units += [([a], holders(a)) for a in sets]
        home: dict[frozenset[int], int | None] = {}
        open_units = [u for u in units if u[1]]
        for sets, _ in units:
            if not _:
                for a in sets:
                    home.setdefault(a, None)
        while open_units:
            count: dict[int, int] = defaultdict(int)
            for _, options in open_units:
                for k in options:
                    count[k] += 1
            best = max(count, key=lambda k: (count[k], -tree.depth[k], -k))
            for sets, options in open_units:
                if best in options:
                    for a in sets:
                        home.setdefault(a, best)
            open_units = [u for u in open_units if best not in u[1]]
        cliques = sorted({k for k in home.values() if k is not None})
        values: dict[frozenset[int], tuple[float, np.ndarray]] = {
            frozenset(): (1.0, prior.copy())
        }
        inserted = [a for a, k in home.items() if k is None]
        if inserted:
            posts, ratios = engine.posteriors_given_each(
                evidence, [dict.fromkeys(a, False) for a in inserted], targets, cal
            )
            for row, a in enumerate(inserted):
                values[a] = (float(ratios[row]), float(ratios[row]) * posts[row])
        if cliques:
            base = {k: cal.belief(k) for k in cliques}
            given, _ = cal.given_on_each([int(t) for t in targets], cliques)
            flat = {k: np.concatenate([base[k].reshape(1, -1),
                                       given[k].reshape(len(targets), base[k].size)])
                    for k in cliques}
            for k in cliques:
                sets = [a for a, at in home.items() if at == k]
                # each set's table and a column of ones: the rows' totals (the beliefs
                # given a target on come up to a factor)
                read = flat[k] @ np.column_stack(
                    [self._absent_table(a, tree.cliques[k].variables) for a in sets]
                    + [np.ones(flat[k].shape[1], dtype=flat[k].dtype)]
                )
                totals = read[:, -1:]
                read = np.divide(read[:, :-1], totals, out=np.zeros_like(read[:, :-1]),
                                 where=totals > 0)
                for j, a in enumerate(sets):
                    values[a] = (float(read[0, j]), prior * read[1:, j])
        before = entropy_bits(prior)
        gains = []
        for plan in plans:
            branches = []
            for terms in plan:
                p = sum(sign * values[a][0] for a, sign in terms)
                joint = sum(sign * values[a][1] for a, sign in terms)
                branches.append((p, joint))
            total = sum(max(p, 0.0) for p, _ in branches)
            if total <= 0.0:
                gains.append(0.0)
                continue
            after = 0.0
            for p, joint in branches:
                if p > 0.0:
                    after += (p / total) * entropy_bits(np.clip(joint / p, 0.0, 1.0))
            gains.append(max(0.0, before - after))
        return gains

    def rank(self, asks: Iterable[Ask], case: Mapping[str, Any], model_case: BaseModel
             ) -> list[Scored]:
        """The questions with some gain, best first."""
        kb, network = self.model.kb, self.model.network
        observed = observed_findings(kb, model_case)
        evidence = to_evidence(network, observed)
        targets = self.targets(observed)
        memo: dict[Any, Any] = {}
        asks = list(asks)
        changes = [self.branches(a, case, evidence) for a in asks]
        plans = [self._absent_terms(evidence, ways) if len(ways) > 1 else None
                 for ways in changes]
        cal = self.engine.calibrate(evidence)
        before = (cal.posteriors(), cal.log_likelihood)
        prior = np.clip(before[0][targets], 0.0, 1.0)
        by_terms = iter(self._rank_by_terms(
            evidence, targets, prior, [p for p in plans if p is not None], cal
        ))
        scored = []
        for a, ways, plan in zip(asks, changes, plans, strict=True):
            if plan is not None:
                scored.append(Scored(a, next(by_terms)))
            elif len(ways) > 1:  # an answer that changes what is known: calibrated afresh
                scored.append(Scored(a, self.gain(a, case, evidence, before, targets, memo, ways)))
        return by_gain([s for s in scored if s.gain > 0.0])
