"""What the pages show, made from the assessment, the plan and the progress entries:
plain data for the templates (labels looked up, chains in words, series for the chart)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crux.contract import Assessment
from crux.knowledge.schema import KnowledgeBase


@dataclass(frozen=True)
class CauseView:
    id: str
    label: str
    probability: float
    side: str | None
    chain: list[str]
    summary: str
    evidence: list[str]


@dataclass(frozen=True)
class AssessmentView:
    level: str
    advice: str
    reasons: list[str]
    rules: list[dict[str, Any]]
    causes: list[CauseView]
    conditions: list[dict[str, Any]]
    factors: list[dict[str, Any]]
    next_questions: list[dict[str, Any]]
    knowledge_version: str
    disclaimer: str
    pain: list[str] = field(default_factory=list)


def _sided(label: str, side: str | None) -> str:
    return f"{label} ({side})" if side in ("left", "right") else label


def reason_words(reason: str, kb: KnowledgeBase) -> str:
    """A triage reason (a red flag, a condition, a history item) in words."""
    from crux.vocabulary import load_vocabulary

    vocab = load_vocabulary()
    if reason in vocab.red_flags:
        return vocab.red_flags[reason]
    for terms in (vocab.history, vocab.exposures, vocab.measurements):
        if reason in terms:
            return terms[reason].meaning
    try:
        return kb.label(reason)
    except KeyError:
        return reason.replace("_", " ")


def assessment_view(assessment: Assessment, kb: KnowledgeBase,
                    case: dict[str, Any] | None = None) -> AssessmentView:
    from crux.vocabulary import load_vocabulary

    regions = load_vocabulary().regions
    pain = [_sided(regions.get(c["region"], c["region"]), c.get("side"))
            for c in (case or {}).get("complaints", [])]
    return AssessmentView(
        level=assessment.triage.level,
        advice=assessment.triage.advice,
        reasons=[reason_words(r, kb) for r in assessment.triage.reasons],
        rules=[r.model_dump() for r in assessment.triage.rules],
        causes=[CauseView(id=rc.id, label=_sided(kb.label(rc.id), rc.side),
                          probability=rc.probability, side=rc.side,
                          chain=[kb.label(n) for n in rc.explanation], summary=rc.summary,
                          evidence=rc.evidence)
                for rc in assessment.root_causes],
        conditions=[{"label": _sided(kb.label(c.id), c.side), "probability": c.probability,
                     "suspected_by": c.suspected_by} for c in assessment.conditions],
        factors=[{"label": kb.label(f.id), "probability": f.probability}
                 for f in assessment.contributing_factors],
        next_questions=[q.model_dump() for q in assessment.next_questions],
        knowledge_version=assessment.knowledge_version,
        disclaimer=assessment.disclaimer,
        pain=pain,
    )


def plan_for(case: dict[str, Any], assessment: Assessment, kb: KnowledgeBase,
             start: date | None = None) -> Any:
    from crux.plan import build_plan

    return build_plan(case, assessment, kb, start=start or date.today(), weeks=4)


def plan_view(plan: Any) -> dict[str, Any]:
    """The plan with each routine item's drawing."""
    from crux.plan import render_drawing

    return {
        "plan": plan,
        "drawings": {item.id: render_drawing(item.id, item.label) for item in plan.routine},
    }


def progress_points(entries: list[Any], regions: dict[str, str]
                    ) -> dict[str, list[tuple[date, float]]]:
    """Series for the chart: pain per place (0-10), and function as the mean of the day's
    activities (0-10)."""
    series: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for entry in entries:
        for p in entry.pain:
            place = _sided(regions.get(p["region"], p["region"]), p.get("side"))
            series[f"pain: {place}"].append((entry.day, float(p["score"])))
        if entry.function:
            mean = sum(f["score"] for f in entry.function) / len(entry.function)
            series["function (mean of the activities)"].append((entry.day, mean))
    return dict(series)


def answer_words(answers: list[Any], kb: KnowledgeBase) -> list[tuple[str, str]]:
    """Each question and its answer in words: yes/no, "don't know", the checklist items
    ticked (or "none of these"), the places listed."""
    from crux.vocabulary import load_vocabulary

    vocab = load_vocabulary()

    def item(key: str) -> str:
        name = key.split(".", 1)[-1]
        return vocab.red_flags.get(name) or vocab.regions.get(name) or name.replace("_", " ")

    out = []
    for a in answers:
        value = a.answer
        if value is None:
            words = "don't know"
        elif value is True or value is False:
            words = "yes" if value else "no"
        elif isinstance(value, dict):
            words = "; ".join(item(k) for k, v in value.items() if v) or "none of these"
        elif isinstance(value, list):
            words = ", ".join(vocab.regions.get(r, r) for r in value) or "none"
        elif isinstance(value, float):
            words = f"{value:g}"
        else:
            words = str(value).replace("_", " ")
        out.append((a.text, words))
    return out
