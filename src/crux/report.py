"""A readable report of an assessment: the triage level first, then the root causes with
their causal chain in plain words, then conditions and contributing factors."""

from __future__ import annotations

from crux.contract import Assessment
from crux.knowledge import KnowledgeBase

_LEVEL_TITLE = {
    "emergency": "EMERGENCY: call the emergency number or go to the emergency department now",
    "urgent": "URGENT: see a doctor today",
    "soon": "SOON: see a doctor or practitioner within days; stop the aggravating activity",
    "self_care": "SELF-CARE: safe to start self-care; a practitioner visit is optional",
}



def _pct(p: float) -> str:
    if p >= 0.995:
        return ">99%"
    return f"{round(100 * p):d}%" if p >= 0.01 else "<1%"


def _side(side: str | None) -> str:
    return f" ({side})" if side else ""


def render_text(assessment: Assessment, kb: KnowledgeBase) -> str:
    a = assessment
    lines = [f"Triage: {_LEVEL_TITLE[a.triage.level]}", f"  {a.triage.advice}"]
    for rule in a.triage.rules:
        lines.append(
            f"  - {rule.level}: suspected {kb.label(rule.suspects)} "
            f"(rule {rule.id}; {', '.join(rule.sources)})"
        )
    lines.append("")
    if a.triage.level in ("emergency", "urgent"):
        lines.append("Act on the triage advice first. The reasoning below is for the clinician.")
        lines.append("")
    lines.append("Likely root causes (how sure Crux is, given your answers):")
    if not a.root_causes:
        lines.append(
            "  None of the root causes Crux knows explains this pain; "
            "see a practitioner for an assessment."
        )
    for i, rc in enumerate(a.root_causes[:5], start=1):
        lines.append(f"  {i}. {kb.label(rc.id)}{_side(rc.side)}: {_pct(rc.probability)}")
        lines.append(f"     {rc.summary}")
        chain = " -> ".join(kb.label(n) for n in rc.explanation)
        lines.append(f"     Chain: {chain}")
        if rc.evidence:
            lines.append(f"     Because you said: {'; '.join(rc.evidence[:4])}")
    lines.append("")
    lines.append("Conditions that fit:")
    for c in a.conditions[:5]:
        flag = f"  [red flag: rule {c.suspected_by}]" if c.suspected_by else ""
        lines.append(f"  - {kb.label(c.id)}{_side(c.side)}: {_pct(c.probability)}{flag}")
    lines.append("")
    lines.append("Contributing factors:")
    for f in a.contributing_factors[:5]:
        lines.append(f"  - {kb.label(f.id)}: {_pct(f.probability)}")
    if a.next_questions:
        lines.append("")
        lines.append(
            "Worth asking next (a pending safety check first, then what would tell Crux "
            "the most):"
        )
        for q in a.next_questions:
            lines.append(f"  - {q.text} ({q.expected_information_gain:.2f} bits)")
    lines.append("")
    lines.append(a.disclaimer)
    lines.append(f"Knowledge version {a.knowledge_version}.")
    return "\n".join(lines) + "\n"
