"""How much the knowledge base holds, counted for a clinician's review (``crux kb stats``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, get_args

from crux.knowledge.schema import (
    Citation,
    KnowledgeBase,
    NodeKind,
    Source,
    Strength,
    TriageLevel,
)

NODE_KINDS: tuple[str, ...] = get_args(NodeKind)
STRENGTHS: tuple[str, ...] = get_args(Strength)
LEVELS: tuple[str, ...] = get_args(TriageLevel)
SOURCE_KINDS: tuple[str, ...] = get_args(Source.model_fields["kind"].annotation)


@dataclass(frozen=True)
class KnowledgeStats:
    """Counts of what the knowledge base holds. Every ``by_*`` dict lists every possible
    key in a fixed order, with zero where there is none."""

    version: str
    nodes: int
    nodes_by_kind: dict[str, int]
    edges: int
    edges_by_strength: dict[str, int]
    findings: int
    rules: int
    rules_by_level: dict[str, int]
    sources: int
    sources_by_kind: dict[str, int]
    citations: int
    claims: int
    claims_encoded: int
    interventions: int
    questions: int = 0
    checklists: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def citations(kb: KnowledgeBase) -> Iterator[Citation]:
    """Every citation in the knowledge base: on nodes, edges, finding causes and rules."""
    for node in kb.nodes:
        yield from node.sources
    for edge in kb.edges:
        yield from edge.sources
    for finding in kb.findings:
        for cause in finding.causes:
            yield from cause.sources
    for rule in kb.rules:
        yield from rule.sources


def _by(keys: tuple[str, ...], values: Iterable[str]) -> dict[str, int]:
    counts = Counter(values)
    out = {key: counts.pop(key, 0) for key in keys}
    out.update(sorted(counts.items()))  # anything the schema gains later
    return out


def _encoded(claim: Any) -> bool:
    by = claim.get("encoded_by") if isinstance(claim, dict) else getattr(claim, "encoded_by", None)
    return bool(by)


def knowledge_stats(kb: KnowledgeBase) -> KnowledgeStats:
    claims = tuple(getattr(kb, "claims", ()) or ())
    return KnowledgeStats(
        version=kb.version,
        nodes=len(kb.nodes),
        nodes_by_kind=_by(NODE_KINDS, (n.kind for n in kb.nodes)),
        edges=len(kb.edges),
        edges_by_strength=_by(STRENGTHS, (e.strength for e in kb.edges)),
        findings=len(kb.findings),
        rules=len(kb.rules),
        rules_by_level=_by(LEVELS, (r.level for r in kb.rules)),
        sources=len(kb.sources),
        sources_by_kind=_by(SOURCE_KINDS, (s.kind for s in kb.sources)),
        citations=sum(1 for _ in citations(kb)),
        claims=len(claims),
        claims_encoded=sum(1 for c in claims if _encoded(c)),
        interventions=len(tuple(getattr(kb, "interventions", ()) or ())),
        questions=len(kb.questions),
        checklists=len(kb.screens),
    )


def _split(counts: dict[str, int]) -> str:
    return ", ".join(f"{key.replace('_', ' ')} {n}" for key, n in counts.items())


def render_stats_text(stats: KnowledgeStats) -> str:
    s = stats
    lines = [
        f"knowledge {s.version}",
        f"  nodes:          {s.nodes} ({_split(s.nodes_by_kind)})",
        f"  edges:          {s.edges} ({_split(s.edges_by_strength)})",
        f"  findings:       {s.findings}",
        f"  red-flag rules: {s.rules} ({_split(s.rules_by_level)})",
        f"  sources:        {s.sources} ({_split(s.sources_by_kind)})",
        f"  citations:      {s.citations}",
    ]
    if s.claims:
        pct = round(100 * s.claims_encoded / s.claims)
        lines.append(
            f"  claims:         {s.claims} ({s.claims_encoded} encoded, "
            f"{s.claims - s.claims_encoded} not yet; {pct}% covered)"
        )
    else:
        lines.append("  claims:         0 (none listed)")
    lines.append(f"  interventions:  {s.interventions}")
    lines.append(f"  questions:      {s.questions} ({s.checklists} red-flag checklists)")
    return "\n".join(lines) + "\n"
