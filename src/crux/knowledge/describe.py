"""One item of the knowledge base in plain words, for a clinician (``crux kb explain``).

A node is shown with what causes it and what it causes (each link with its strength,
mechanism and sources), the findings it explains and the red-flag rules that suspect it;
a finding with when it shows, in words, and its causes; a red-flag rule with its test, in
words, and its advice. The words for conditions and rule tests come from the vocabulary's
meanings, so this module holds no clinical fact.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Any

from crux.knowledge.schema import (
    Citation,
    ComplaintMatch,
    Condition,
    KnowledgeBase,
    Predicate,
)
from crux.vocabulary import Term, Vocabulary, load_vocabulary

# ----------------------------------------------------------------------------- words


def _num(x: float) -> str:
    return f"{x:g}"


def _amount(x: float, unit: str) -> str:
    if any(c.isdigit() for c in unit):  # a scale such as 0-10
        return f"{_num(x)} (on {unit})"
    return f"{_num(x)} {unit}"


def _spaced(term_id: str) -> str:
    return term_id.replace("_", " ")


def _region(region: str, vocab: Vocabulary) -> str:
    meaning = vocab.regions.get(region)
    return f"{_spaced(region)} ({meaning})" if meaning else _spaced(region)


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def describe_complaint(match: ComplaintMatch, vocab: Vocabulary) -> str:
    regions = match.regions()
    if len(regions) == 1:
        where = _region(regions[0], vocab)
    else:
        where = _either([_spaced(r) for r in regions]) if regions else "any region"
    parts = [f"pain at {where}"]
    if match.side is not None:
        parts.append(f"on the {match.side} side")
    if match.worse_with is not None:
        parts.append(f"worse: {vocab.contexts.get(match.worse_with, _spaced(match.worse_with))}")
    if match.better_with is not None:
        parts.append(
            f"better: {vocab.contexts.get(match.better_with, _spaced(match.better_with))}"
        )
    if match.quality is not None:
        parts.append(f"feels: {vocab.qualities.get(match.quality, _spaced(match.quality))}")
    if match.onset is not None:
        parts.append(f"onset {match.onset}")
    if match.radiates_to is not None:
        parts.append(f"spreading to {_region(match.radiates_to, vocab)}")
    if match.duration_weeks_at_least is not None:
        parts.append(f"for at least {_num(match.duration_weeks_at_least)} weeks")
    if match.duration_weeks_below is not None:
        parts.append(f"for under {_num(match.duration_weeks_below)} weeks")
    if match.severity_at_least is not None:
        parts.append(f"severity at least {_num(match.severity_at_least)}/10")
    return "; ".join(parts)


def _answer(
    term: Term | None,
    term_id: str,
    at_least: float | None = None,
    below: float | None = None,
    is_: bool | None = None,
) -> str:
    """An exposure or history answer that makes a condition or test true."""
    meaning = term.meaning if term else _spaced(term_id)
    unit = term.unit if term else ""
    if is_ is not None:
        return f"{meaning}: {'yes' if is_ else 'no'}"
    if at_least is not None:
        return f"{meaning}: at least {_amount(at_least, unit)}"
    if below is not None:
        return f"{meaning}: under {_amount(below, unit)}"
    if term is None or term.kind == "bool":
        return f"{meaning}: yes"
    if term.kind == "region_list":
        return f"{meaning}: at least one given"
    return f"{meaning}: any value given"


def _measurement(cond: Condition, vocab: Vocabulary) -> str:
    name = cond.measurement or ""
    term = vocab.measurements.get(name)
    meaning = term.meaning if term else _spaced(name)
    if term is not None and term.kind == "bool":
        return f"{meaning}: yes"
    unit = term.unit if term else ""
    if cond.below is not None:
        return f"{meaning}: below {_amount(cond.below, unit)}"
    if cond.above is not None:
        return f"{meaning}: above {_amount(cond.above, unit)}"
    if term is not None and term.threshold is not None:
        direction, limit = term.threshold
        return f"{meaning}: {direction} {_amount(limit, unit)}"
    return f"{meaning}: measured"


def describe_condition(cond: Condition, vocab: Vocabulary | None = None) -> str:
    """When a finding is present, in words."""
    vocab = vocab or load_vocabulary()
    if cond.complaint is not None:
        return describe_complaint(cond.complaint, vocab)
    if cond.exposure is not None:
        term = vocab.exposures.get(cond.exposure)
        return _answer(term, cond.exposure, cond.at_least, cond.below, cond.is_)
    if cond.history is not None:
        term = vocab.history.get(cond.history)
        return _answer(term, cond.history, cond.at_least, cond.below, cond.is_)
    if cond.measurement is not None:
        return _measurement(cond, vocab)
    if cond.red_flag is not None:
        meaning = vocab.red_flags.get(cond.red_flag, _spaced(cond.red_flag))
        return f"{meaning}: {'no' if cond.is_ is False else 'yes'}"
    if cond.age_at_least is not None:
        return f"aged {_num(cond.age_at_least)} or over"
    if cond.age_below is not None:
        return f"aged under {_num(cond.age_below)}"
    return f"sex: {cond.sex}"


def describe_predicate(p: Predicate, vocab: Vocabulary | None = None) -> str:
    """What fires a red-flag rule, in words; AND, OR and NOT in capitals, so that they
    stand apart from the words of the answers."""
    vocab = vocab or load_vocabulary()

    def nested(child: Predicate) -> str:
        text = describe_predicate(child, vocab)
        return f"({text})" if child.all or child.any or child.complaint else text

    if p.all is not None:
        return " AND ".join(nested(c) for c in p.all)
    if p.any is not None:
        return " OR ".join(nested(c) for c in p.any)
    if p.not_ is not None:
        return f"NOT ({describe_predicate(p.not_, vocab)})"
    if p.red_flag is not None:
        return f"{vocab.red_flags.get(p.red_flag, _spaced(p.red_flag))}: yes"
    if p.history is not None:
        return _answer(vocab.history.get(p.history), p.history, p.at_least)
    if p.exposure is not None:
        return _answer(vocab.exposures.get(p.exposure), p.exposure, p.at_least)
    if p.age_at_least is not None:
        return f"aged {_num(p.age_at_least)} or over"
    if p.age_below is not None:
        return f"aged under {_num(p.age_below)}"
    if p.sex is not None:
        return f"sex: {p.sex}"
    if p.pregnant is not None:
        return "pregnant" if p.pregnant else "not pregnant"
    if p.complaint is not None:
        return describe_complaint(p.complaint, vocab)
    return "(an empty test)"


# ---------------------------------------------------------------------- explanations


@dataclass(frozen=True)
class Cited:
    source: str
    title: str
    says: str


@dataclass(frozen=True)
class Link:
    """An edge seen from one end: the node at the other end, and the claim."""

    node: str
    label: str
    strength: str
    because: str
    sides: str
    sources: tuple[Cited, ...]


@dataclass(frozen=True)
class FindingLink:
    """A finding a node explains."""

    id: str
    label: str
    when: str
    strength: str
    sources: tuple[Cited, ...]


@dataclass(frozen=True)
class Cause:
    """A node that makes a finding likely."""

    node: str
    label: str
    strength: str
    sources: tuple[Cited, ...]


@dataclass(frozen=True)
class RuleLink:
    id: str
    level: str
    when: str


@dataclass(frozen=True)
class NodeExplanation:
    id: str
    kind: str
    label: str
    prior: str
    lateral: bool
    sources: tuple[Cited, ...]
    caused_by: tuple[Link, ...]
    causes: tuple[Link, ...]
    findings: tuple[FindingLink, ...]
    observed_by: tuple[str, ...]
    suspected_by: tuple[RuleLink, ...]
    item: str = "node"


@dataclass(frozen=True)
class FindingExplanation:
    id: str
    label: str
    when: str
    leak: str | None
    causes: tuple[Cause, ...]
    observes: str | None
    item: str = "finding"


@dataclass(frozen=True)
class RuleExplanation:
    id: str
    level: str
    suspects: str
    suspects_label: str
    when: str
    advice: str
    sources: tuple[Cited, ...]
    item: str = "rule"


Explanation = NodeExplanation | FindingExplanation | RuleExplanation


class UnknownId(LookupError):
    """No node, finding or rule has this id; ``close`` lists the nearest ids."""

    def __init__(self, item_id: str, close: list[str]):
        super().__init__(item_id)
        self.item_id = item_id
        self.close = close

    def message(self) -> str:
        text = f"unknown id {self.item_id!r}: no node, finding or red-flag rule has it"
        if self.close:
            return f"{text}; close matches: {', '.join(self.close)}"
        return f"{text}; `crux kb report` lists every id"


def cited(kb: KnowledgeBase, citations: tuple[Citation, ...]) -> tuple[Cited, ...]:
    titles = {s.id: s.title for s in kb.sources}
    return tuple(
        Cited(c.source, titles.get(c.source, "(unknown source)"), c.says) for c in citations
    )



def explain_node(kb: KnowledgeBase, node_id: str, vocab: Vocabulary) -> NodeExplanation:
    node = kb.node(node_id)
    return NodeExplanation(
        id=node.id,
        kind=node.kind,
        label=node.label,
        prior=node.prior,
        lateral=node.lateral,
        sources=cited(kb, node.sources),
        caused_by=tuple(
            Link(e.cause, kb.label(e.cause), e.strength, e.because, e.sides,
                 cited(kb, e.sources))
            for e in kb.edges if e.effect == node_id
        ),
        causes=tuple(
            Link(e.effect, kb.label(e.effect), e.strength, e.because, e.sides,
                 cited(kb, e.sources))
            for e in kb.edges if e.cause == node_id
        ),
        findings=tuple(
            FindingLink(f.id, f.label, describe_condition(f.when, vocab), c.strength,
                        cited(kb, c.sources))
            for f in kb.findings for c in f.causes if c.node == node_id
        ),
        observed_by=tuple(f.id for f in kb.findings if f.observes == node_id),
        suspected_by=tuple(
            RuleLink(r.id, r.level, describe_predicate(r.when, vocab))
            for r in kb.rules if r.suspects == node_id
        ),
    )


def explain_finding(kb: KnowledgeBase, finding_id: str, vocab: Vocabulary) -> FindingExplanation:
    finding = next(f for f in kb.findings if f.id == finding_id)
    return FindingExplanation(
        id=finding.id,
        label=finding.label,
        when=describe_condition(finding.when, vocab),
        leak=finding.leak,
        causes=tuple(
            Cause(c.node, kb.label(c.node), c.strength, cited(kb, c.sources))
            for c in finding.causes
        ),
        observes=finding.observes,
    )


def explain_rule(kb: KnowledgeBase, rule_id: str, vocab: Vocabulary) -> RuleExplanation:
    rule = next(r for r in kb.rules if r.id == rule_id)
    return RuleExplanation(
        id=rule.id,
        level=rule.level,
        suspects=rule.suspects,
        suspects_label=kb.label(rule.suspects),
        when=describe_predicate(rule.when, vocab),
        advice=rule.advice,
        sources=cited(kb, rule.sources),
    )


def known_ids(kb: KnowledgeBase) -> list[str]:
    ids = [n.id for n in kb.nodes] + [f.id for f in kb.findings] + [r.id for r in kb.rules]
    return sorted(set(ids))


def close_matches(kb: KnowledgeBase, item_id: str, n: int = 6) -> list[str]:
    """Ids that start with the asked one, then those spelled nearly like it, then those
    that contain it."""
    ids = known_ids(kb)
    wanted = item_id.strip().lower()
    if not wanted:
        return []
    starting = sorted((i for i in ids if i.startswith(wanted)), key=len)
    near = difflib.get_close_matches(wanted, ids, n=n, cutoff=0.6)
    containing = sorted((i for i in ids if wanted in i), key=len)
    out: list[str] = []
    for match in starting + near + containing:
        if match not in out:
            out.append(match)
    return out[:n]


def explain(
    kb: KnowledgeBase, item_id: str, vocab: Vocabulary | None = None
) -> list[Explanation]:
    """Every item with this id (a finding and a rule may share one); UnknownId if none.
    Ids are lower case, so the asked one is read in lower case."""
    vocab = vocab or load_vocabulary()
    asked, item_id = item_id, item_id.strip().lower()
    out: list[Explanation] = []
    if any(n.id == item_id for n in kb.nodes):
        out.append(explain_node(kb, item_id, vocab))
    if any(f.id == item_id for f in kb.findings):
        out.append(explain_finding(kb, item_id, vocab))
    if any(r.id == item_id for r in kb.rules):
        out.append(explain_rule(kb, item_id, vocab))
    if not out:
        raise UnknownId(asked, close_matches(kb, item_id))
    return out


def to_json(explanations: list[Explanation]) -> list[dict[str, Any]]:
    return [asdict(x) for x in explanations]


# ----------------------------------------------------------------------------- text


def _sources(sources: tuple[Cited, ...], indent: str) -> list[str]:
    return [f"{indent}source {c.source} ({c.title}): {c.says}" for c in sources]


def _links(title: str, links: tuple[Link, ...], none: str) -> list[str]:
    lines = [f"{title}:"]
    if not links:
        lines.append(f"  {none}")
    for link in links:
        sides = " (opposite side)" if link.sides == "opposite" else ""
        lines.append(f"  - {link.label} [{link.node}], {link.strength}{sides}")
        lines.append(f"    because {link.because}")
        lines += _sources(link.sources, "    ")
    return lines


def _render_node(x: NodeExplanation) -> list[str]:
    per_side = ", reasoned about per side" if x.lateral else ""
    lines = [f"{x.label} [{x.id}]", f"a {x.kind.replace('_', ' ')}; prior: {x.prior}{per_side}"]
    lines += _sources(x.sources, "  ")
    lines.append("")
    lines += _links("Caused by", x.caused_by, "nothing in the knowledge base (a starting point)")
    lines.append("")
    lines += _links("Causes", x.causes, "nothing further (an end point)")
    lines.append("")
    lines.append("Findings it explains:")
    if not x.findings:
        lines.append("  none directly")
    for f in x.findings:
        lines.append(f"  - {f.label} [{f.id}], {f.strength}")
        lines.append(f"    shows when: {f.when}")
        lines += _sources(f.sources, "    ")
    if x.observed_by:
        lines.append(f"Observed directly by: {', '.join(x.observed_by)}")
    lines.append("")
    lines.append("Red-flag rules that suspect it:")
    if not x.suspected_by:
        lines.append("  none")
    for r in x.suspected_by:
        lines.append(f"  - {r.id} ({r.level}): {r.when}")
    return lines


def _render_finding(x: FindingExplanation) -> list[str]:
    lines = [f"{x.label} [{x.id}]", "a finding", f"shows when: {x.when}"]
    if x.leak is not None:
        lines.append(f"without any cause: {x.leak}")
    if x.observes is not None:
        lines.append(f"observes: {x.observes}")
    lines.append("")
    lines.append("Caused by:")
    for c in x.causes:
        lines.append(f"  - {c.label} [{c.node}], {c.strength}")
        lines += _sources(c.sources, "    ")
    return lines


def _render_rule(x: RuleExplanation) -> list[str]:
    lines = [
        f"red-flag rule [{x.id}]",
        f"level: {x.level}",
        f"suspects: {x.suspects_label} [{x.suspects}]",
        f"fires when: {x.when}",
        f"advice: {x.advice}",
    ]
    lines += _sources(x.sources, "  ")
    return lines


def render_explanation_text(explanations: list[Explanation]) -> str:
    blocks: list[list[str]] = []
    for x in explanations:
        if isinstance(x, NodeExplanation):
            blocks.append(_render_node(x))
        elif isinstance(x, FindingExplanation):
            blocks.append(_render_finding(x))
        else:
            blocks.append(_render_rule(x))
    return "\n\n".join("\n".join(b) for b in blocks) + "\n"
