"""Semantic checks of the knowledge base: what a clinician must fix before it can be used.

Each check returns plain sentences naming the item and what is wrong. An empty list means
the knowledge base is sound: every id is known, the causal graph has no cycle, every
claim has a source that exists, every node can be reached by some evidence, every
root cause, factor and condition of the vocabulary has a node, every intervention targets
known nodes, and every claim of the ledger is encoded by items that exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter

from crux.knowledge.coverage import all_claim_problems
from crux.knowledge.question_check import check_questions
from crux.knowledge.schema import (
    Citation,
    ComplaintMatch,
    Condition,
    KnowledgeBase,
    Predicate,
)
from crux.vocabulary import Vocabulary, load_vocabulary

_KIND_OF_SECTION = {
    "root_causes": "root_cause",
    "contributing_factors": "factor",
    "conditions": "condition",
}


def _duplicates(ids: list[str], what: str) -> Iterator[str]:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            yield f"{what} {i!r} is defined more than once"
        seen.add(i)


def _check_plan_rules(kb: KnowledgeBase, vocab: Vocabulary) -> Iterator[str]:
    """Plan rules name interventions and pain qualities that exist."""
    rules = kb.plan_rules
    if rules is None:
        return
    node = next((n for n in kb.nodes if n.id == rules.side_pulled_forward_from), None)
    if node is None or not node.lateral:
        yield (f"plan_rules side_pulled_forward_from: {rules.side_pulled_forward_from!r} is "
               "not a lateral node")
    ids = {i.id for i in kb.interventions}
    for field in ("always", "with_long_runs"):
        for ref in getattr(rules.runners, field):
            if ref not in ids:
                yield f"plan_rules runners.{field}: unknown intervention {ref!r}"
    qualities = set(vocab.qualities)
    for field, values in (("sharp_qualities", rules.sharp_qualities),
                          ("knot_qualities", rules.knot_qualities),
                          ("acute_injury.qualities", rules.acute_injury.qualities)):
        for q in values:
            if q not in qualities:
                yield (f"plan_rules {field}: {q!r} is not a pain quality; "
                       f"use one of {', '.join(sorted(qualities))}")


def _citations(kb: KnowledgeBase) -> Iterator[tuple[str, Citation]]:
    for node in kb.nodes:
        for c in node.sources:
            yield f"node {node.id}", c
    for edge in kb.edges:
        for c in edge.sources:
            yield f"edge {edge.cause} -> {edge.effect}", c
    for finding in kb.findings:
        for cause in finding.causes:
            for c in cause.sources:
                yield f"finding {finding.id} <- {cause.node}", c
    for rule in kb.rules:
        for c in rule.sources:
            yield f"rule {rule.id}", c
    for intervention in kb.interventions:
        for c in intervention.sources:
            yield f"intervention {intervention.id}", c
    rules = kb.plan_rules
    if rules is not None:
        for where, cited in (
            ("routine", rules.routine_sources),
            ("acute_injury", rules.acute_injury.sources),
            ("trimesters", rules.trimesters.sources),
            ("runners", rules.runners.sources),
            *((f"stop rule {i + 1}", r.sources) for i, r in enumerate(rules.stop_rules)),
        ):
            for c in cited:
                yield f"plan_rules {where}", c


def _check_complaint(match: ComplaintMatch, where: str, vocab: Vocabulary) -> Iterator[str]:
    for region in match.regions():
        if region not in vocab.regions:
            yield f"{where}: unknown region {region!r}"
    if match.side is not None and match.side not in vocab.sides:
        yield f"{where}: unknown side {match.side!r}"
    for key in ("worse_with", "better_with"):
        value = getattr(match, key)
        if value is not None and value not in vocab.contexts:
            yield f"{where}: unknown context {value!r} in {key}"
    if match.quality is not None and match.quality not in vocab.qualities:
        yield f"{where}: unknown quality {match.quality!r}"
    if match.onset is not None and match.onset not in vocab.onsets:
        yield f"{where}: unknown onset {match.onset!r}"
    if match.radiates_to is not None and match.radiates_to not in vocab.regions:
        yield f"{where}: unknown region {match.radiates_to!r} in radiates_to"


def _check_condition(cond: Condition, where: str, vocab: Vocabulary) -> Iterator[str]:
    if cond.complaint is not None:
        if not cond.complaint.regions():
            yield f"{where}: a complaint finding names its region"
        yield from _check_complaint(cond.complaint, where, vocab)
    for key, section in (
        ("exposure", vocab.exposures),
        ("history", vocab.history),
        ("measurement", vocab.measurements),
        ("red_flag", vocab.red_flags),
    ):
        value = getattr(cond, key)
        if value is not None and value not in section:
            yield f"{where}: unknown {key} {value!r}"
    if cond.measurement in vocab.measurements:
        term = vocab.measurements[cond.measurement]
        if term.kind == "number" and term.threshold is None and cond.below is None \
                and cond.above is None:
            yield f"{where}: measurement {cond.measurement} has no threshold; give below/above"
    for key in ("exposure", "history"):
        value = getattr(cond, key)
        section = vocab.exposures if key == "exposure" else vocab.history
        if value not in section:
            continue
        kind = section[value].kind
        for bound in ("at_least", "below"):
            if getattr(cond, bound) is not None and kind != "number":
                yield f"{where}: {bound} goes with a number, but {value} is {section[value].unit}"
        if cond.is_ is not None and kind != "bool":
            yield f"{where}: is goes with a yes/no answer, but {value} is {section[value].unit}"
    if cond.sex is not None and cond.sex not in vocab.sexes:
        yield f"{where}: unknown sex {cond.sex!r}"


def _check_predicate(p: Predicate, where: str, vocab: Vocabulary) -> Iterator[str]:
    if p.red_flag is not None and p.red_flag not in vocab.red_flags:
        yield f"{where}: unknown red flag {p.red_flag!r}"
    if p.history is not None and p.history not in vocab.history:
        yield f"{where}: unknown history item {p.history!r}"
    if p.exposure is not None and p.exposure not in vocab.exposures:
        yield f"{where}: unknown exposure {p.exposure!r}"
    if p.sex is not None and p.sex not in vocab.sexes:
        yield f"{where}: unknown sex {p.sex!r}"
    if p.complaint is not None:
        yield from _check_complaint(p.complaint, where, vocab)
    for child in (p.all or ()) + (p.any or ()) + ((p.not_,) if p.not_ else ()):
        yield from _check_predicate(child, where, vocab)


def _check_interventions(kb: KnowledgeBase) -> Iterator[str]:
    """Targets are known nodes that are not demographic; ``after`` names known
    interventions, never itself, and never loops."""
    nodes = {n.id: n for n in kb.nodes}
    known = {i.id for i in kb.interventions}
    graph: dict[str, set[str]] = {}
    for item in kb.interventions:
        where = f"intervention {item.id}"
        for target in item.targets:
            if target not in nodes:
                yield f"{where}: targets unknown node {target!r}"
            elif nodes[target].kind == "demographic":
                yield f"{where}: targets {target!r}, a demographic node nothing can change"
        for before in item.order.after:
            if before == item.id:
                yield f"{where}: comes after itself"
            elif before not in known:
                yield f"{where}: comes after unknown intervention {before!r}"
        graph[item.id] = {b for b in item.order.after if b in known and b != item.id}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        yield f"the order of interventions has a loop: {' -> '.join(reversed(err.args[1]))}"


def _check_claims(kb: KnowledgeBase) -> Iterator[str]:
    """Every claim cites a known source and is encoded by items that exist."""
    sources = {s.id for s in kb.sources}
    for claim in kb.claims:
        if claim.source not in sources:
            yield f"claim {claim.id}: cites unknown source {claim.source!r}"
    for claim, problems in all_claim_problems(kb):
        for problem in problems:
            yield f"claim {claim.id}: {problem}"


def check_knowledge(kb: KnowledgeBase, vocab: Vocabulary | None = None) -> list[str]:
    """Every problem with the knowledge base, as sentences; empty when it is sound."""
    vocab = vocab or load_vocabulary()
    problems: list[str] = []
    nodes = {n.id: n for n in kb.nodes}
    problems += _duplicates([n.id for n in kb.nodes], "node")
    problems += _duplicates([f.id for f in kb.findings], "finding")
    problems += _duplicates([r.id for r in kb.rules], "rule")
    problems += _duplicates([s.id for s in kb.sources], "source")
    problems += _duplicates([i.id for i in kb.interventions], "intervention")
    problems += _duplicates([c.id for c in kb.claims], "claim")

    # the vocabulary's root causes, factors and conditions all have a node of that kind
    for section, kind in _KIND_OF_SECTION.items():
        for term in getattr(vocab, section):
            node = nodes.get(term)
            if node is None:
                problems.append(f"vocabulary {section} id {term!r} has no node")
            elif node.kind != kind:
                problems.append(f"node {term!r} is a {section} id, so its kind must be {kind}")
    vocab_nodes = vocab.node_ids()
    for node in kb.nodes:
        if node.kind in _KIND_OF_SECTION.values() and node.id not in vocab_nodes and \
                node.kind != "condition" and node.kind != "root_cause" and node.kind != "factor":
            problems.append(f"node {node.id!r}: unexpected kind")

    problems += list(_check_plan_rules(kb, vocab))
    for node in kb.nodes:  # every root cause can be marked on the body chart
        if node.located is not None and node.located not in vocab.regions:
            problems.append(f"node {node.id}: located {node.located!r} is not a region")
        elif node.located is None and node.kind == "root_cause":
            problems.append(f"node {node.id}: a root cause needs located: a body-chart region")
    # every citation names a source that exists
    source_ids = {s.id for s in kb.sources}
    for where, citation in _citations(kb):
        if citation.source not in source_ids:
            problems.append(f"{where}: cites unknown source {citation.source!r}")

    # edges name known nodes; sides make sense
    for edge in kb.edges:
        where = f"edge {edge.cause} -> {edge.effect}"
        for end in (edge.cause, edge.effect):
            if end not in nodes:
                problems.append(f"{where}: unknown node {end!r}")
        if edge.cause in nodes and nodes[edge.cause].kind == "condition" and \
                edge.effect in nodes and nodes[edge.effect].kind in ("factor", "demographic"):
            problems.append(f"{where}: a condition cannot cause a {nodes[edge.effect].kind}")
        if edge.effect in nodes and nodes[edge.effect].kind == "demographic":
            problems.append(f"{where}: nothing causes a demographic node")
        if edge.sides == "opposite" and not (
            nodes.get(edge.cause) and nodes[edge.cause].lateral
            and nodes.get(edge.effect) and nodes[edge.effect].lateral
        ):
            problems.append(f"{where}: sides: opposite needs two lateral nodes")
    seen_edges: set[tuple[str, str]] = set()
    for edge in kb.edges:
        key = (edge.cause, edge.effect)
        if key in seen_edges:
            problems.append(f"edge {edge.cause} -> {edge.effect} is given more than once")
        seen_edges.add(key)

    # the causal graph is acyclic
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in kb.edges:
        graph[edge.effect].add(edge.cause)
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        problems.append(f"the causal graph has a cycle: {' -> '.join(reversed(err.args[1]))}")

    # findings: known ids, sound conditions
    for finding in kb.findings:
        where = f"finding {finding.id}"
        problems += _check_condition(finding.when, where, vocab)
        for cause in finding.causes:
            if cause.node not in nodes:
                problems.append(f"{where}: unknown cause {cause.node!r}")
        if finding.observes is not None:
            target = nodes.get(finding.observes)
            if target is None:
                problems.append(f"{where}: observes unknown node {finding.observes!r}")
            elif target.kind != "demographic":
                problems.append(f"{where}: only demographic nodes are observed directly")
        causes = [c.node for c in finding.causes]
        for dup in {c for c in causes if causes.count(c) > 1}:
            problems.append(f"{where}: cause {dup!r} is given more than once")

    # rules: known ids, a condition suspected
    for rule in kb.rules:
        where = f"rule {rule.id}"
        problems += _check_predicate(rule.when, where, vocab)
        target = nodes.get(rule.suspects)
        if target is None or target.kind != "condition":
            problems.append(f"{where}: suspects {rule.suspects!r}, which is not a condition node")

    problems += _check_interventions(kb)
    problems += _check_claims(kb)
    problems += check_questions(kb, vocab)

    # every node can be reached by evidence: some finding lies below it, or observes it
    children: dict[str, set[str]] = defaultdict(set)
    for edge in kb.edges:
        children[edge.cause].add(edge.effect)
    evidenced = {c.node for f in kb.findings for c in f.causes}
    evidenced |= {f.observes for f in kb.findings if f.observes}
    reach_memo: dict[str, bool] = {}

    def reaches(node_id: str, trail: frozenset[str] = frozenset()) -> bool:
        if node_id in reach_memo:
            return reach_memo[node_id]
        if node_id in trail:
            return False
        ok = node_id in evidenced or any(
            reaches(child, trail | {node_id}) for child in children[node_id]
        )
        reach_memo[node_id] = ok
        return ok

    for node in kb.nodes:
        if not reaches(node.id):
            problems.append(
                f"node {node.id!r} is unreachable: no finding lies below it, so no answer "
                "can ever bear on it"
            )
        if node.kind == "demographic" and node.lateral:
            problems.append(f"node {node.id!r}: a demographic node is not lateral")
        if node.kind == "demographic" and node.id not in evidenced:
            problems.append(
                f"node {node.id!r}: a demographic node needs a finding that observes it"
            )
    return problems
