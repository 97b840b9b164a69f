"""The claims ledger: for each source article, how many of the claims it makes the
knowledge base encodes, and which it does not encode yet.

A claim (``claims.yaml``) names the items that encode it with references such as
``edge:weak_glute_max->reduced_hip_extension``, ``finding:heel_pain<-plantar_fasciitis``,
``node:sciatica``, ``rule:bone_stress_tenderness`` or ``intervention:glute_bridge``. A
claim is encoded when it names at least one item and every item it names exists.
Pure functions: ``crux kb coverage`` and ``crux kb check`` print what these return.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from crux.knowledge.schema import Claim, KnowledgeBase, parse_reference


@dataclass(frozen=True)
class _Index:
    edges: frozenset[tuple[str, str]]
    finding_causes: dict[str, frozenset[str]]
    ids: dict[str, frozenset[str]]


def _index(kb: KnowledgeBase) -> _Index:
    return _Index(
        edges=frozenset((e.cause, e.effect) for e in kb.edges),
        finding_causes={f.id: frozenset(c.node for c in f.causes) for f in kb.findings},
        ids={
            "node": frozenset(n.id for n in kb.nodes),
            "rule": frozenset(r.id for r in kb.rules),
            "intervention": frozenset(i.id for i in kb.interventions),
        },
    )


def _reference_problem(index: _Index, ref: str) -> str | None:
    try:
        kind, parts = parse_reference(ref)
    except ValueError as err:
        return str(err)
    if kind == "edge":
        if parts not in index.edges:
            return f"there is no edge {parts[0]} -> {parts[1]}"
    elif kind == "finding":
        causes = index.finding_causes.get(parts[0])
        if causes is None:
            return f"there is no finding {parts[0]!r}"
        if len(parts) == 2 and parts[1] not in causes:
            return f"finding {parts[0]} has no cause {parts[1]!r}"
    elif parts[0] not in index.ids[kind]:
        return f"there is no {kind} {parts[0]!r}"
    return None


def claim_problems(kb: KnowledgeBase, claim: Claim, index: _Index | None = None) -> list[str]:
    """Why ``claim`` is not encoded, as phrases; empty when it is."""
    if not claim.encoded_by:
        return ["encoded by nothing"]
    index = index or _index(kb)
    out: list[str] = []
    for ref in claim.encoded_by:
        problem = _reference_problem(index, ref)
        if problem is not None:
            out.append(f"encoded_by names {ref!r}, but {problem}")
    return out


def all_claim_problems(kb: KnowledgeBase) -> list[tuple[Claim, list[str]]]:
    """Every claim that is not encoded, with why."""
    index = _index(kb)
    found = ((c, claim_problems(kb, c, index)) for c in kb.claims)
    return [(c, problems) for c, problems in found if problems]


@dataclass(frozen=True)
class Unencoded:
    claim: str
    says: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SourceLedger:
    source: str
    title: str
    claims: int
    encoded: int
    by_kind: dict[str, int]
    unencoded: tuple[Unencoded, ...]


@dataclass(frozen=True)
class Ledger:
    version: str
    sources: tuple[SourceLedger, ...]

    @property
    def claims(self) -> int:
        return sum(s.claims for s in self.sources)

    @property
    def encoded(self) -> int:
        return sum(s.encoded for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "claims": self.claims,
            "encoded": self.encoded,
            "not_encoded": self.claims - self.encoded,
            "sources": [
                {
                    "source": s.source,
                    "title": s.title,
                    "claims": s.claims,
                    "encoded": s.encoded,
                    "by_kind": s.by_kind,
                    "not_encoded": [
                        {"claim": u.claim, "says": u.says, "problems": list(u.problems)}
                        for u in s.unencoded
                    ],
                }
                for s in self.sources
            ],
        }


def claims_ledger(kb: KnowledgeBase) -> Ledger:
    """The ledger per source: every article, then any other source a claim cites."""
    titles = {s.id: s.title for s in kb.sources}
    order = [s.id for s in kb.sources if s.kind == "article"]
    for claim in kb.claims:
        if claim.source not in order:
            order.append(claim.source)
    problems = {c.id: p for c, p in all_claim_problems(kb)}
    ledgers: list[SourceLedger] = []
    for source in order:
        claims = [c for c in kb.claims if c.source == source]
        unencoded = tuple(
            Unencoded(c.id, c.says, tuple(problems[c.id])) for c in claims if c.id in problems
        )
        ledgers.append(
            SourceLedger(
                source=source,
                title=titles.get(source, "(not a known source)"),
                claims=len(claims),
                encoded=len(claims) - len(unencoded),
                by_kind=dict(sorted(Counter(c.kind for c in claims).items())),
                unencoded=unencoded,
            )
        )
    return Ledger(version=kb.version, sources=tuple(ledgers))


def _short(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def render_ledger_text(ledger: Ledger) -> str:
    """The ledger for people: one block per source, the claims not encoded listed."""
    left = ledger.claims - ledger.encoded
    lines = [
        f"Claims ledger, knowledge {ledger.version}: {ledger.claims} claims from "
        f"{sum(1 for s in ledger.sources if s.claims)} sources; {ledger.encoded} encoded, "
        f"{left} not yet.",
        "",
    ]
    for s in ledger.sources:
        lines.append(f"{s.source}  {_short(s.title)}")
        kinds = ", ".join(f"{n} {k}" for k, n in s.by_kind.items())
        lines.append(
            f"  {s.claims} claims, {s.encoded} encoded" + (f" ({kinds})" if kinds else "")
        )
        for u in s.unencoded:
            lines.append(f"  not encoded: {u.claim}: {u.says}")
            lines += [f"    - {p}" for p in u.problems]
    if not ledger.claims:
        verdict = "No claims are listed."
    else:
        verdict = "Every claim is encoded." if left == 0 else f"{left} claims not encoded yet."
    lines += ["", verdict]
    return "\n".join(lines) + "\n"
