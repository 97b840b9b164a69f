"""A self-care plan built from an assessment: what to do now, a daily routine of about
ten minutes in the sources' order, what goes around runs and through the day, what a
practitioner can add, when to stop, and a schedule of days.

    plan = build_plan(case, assessment, kb, start=date.today(), weeks=4)

Triage gates it: at emergency or urgent there is nothing to do but the advice; at soon
only gentle steps and "stop the activity until seen"; in pregnancy only what is safe
for the trimester.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from crux.contract import Assessment
from crux.knowledge.schema import KnowledgeBase
from crux.plan._build import ROUTINE_KINDS, PlanError, case_dict, other, routine, select
from crux.plan._calendar import to_ics
from crux.plan._drawing import render as render_drawing
from crux.plan._handout import render_html, render_pdf
from crux.plan._model import Day, LeftOut, Pain, Plan, PlanItem, Why
from crux.plan._person import Person, person_of
from crux.plan._schedule import schedule
from crux.plan._text import render_text
from crux.vocabulary import load_vocabulary

__all__ = [
    "Day",
    "LeftOut",
    "Person",
    "Plan",
    "PlanError",
    "PlanItem",
    "build_plan",
    "person_of",
    "render_drawing",
    "render_html",
    "render_pdf",
    "render_text",
    "to_ics",
]

DEFAULT_WEEKS = 4



def _located(kb: KnowledgeBase, node_id: str) -> str | None:
    try:
        return kb.node(node_id).located
    except KeyError:
        return None


def build_plan(case: Any, assessment: Assessment, kb: KnowledgeBase,
               start: date | None = None, weeks: int = DEFAULT_WEEKS) -> Plan:
    """The plan for a (validated) case and its assessment."""
    rules = kb.plan_rules
    if rules is None:
        raise PlanError("the knowledge base has no plan rules (plan_rules.yaml)")
    if weeks < 1:
        raise PlanError(f"weeks: give 1 or more, got {weeks}")
    data = case_dict(case)
    person = person_of(data, rules)
    level = assessment.triage.level
    gate = next(g for g in rules.gates if g.level == level)
    chosen = select(kb, rules, assessment, person, tuple(gate.kinds))
    daily = routine(chosen, kb, rules.routine_minutes)
    in_routine = {i.id for i in daily}
    around_runs = other(chosen, kb, kinds=("load_management", "cool_down"),
                        exclude=in_routine) if person.runs else []
    through_the_day = other(chosen, kb, kinds=("habit",), moments=("through_the_day",
                                                                     "any_time"))
    in_a_flare = other(chosen, kb, moments=("flare",), exclude=in_routine)
    practitioner = other(chosen, kb, who="practitioner")
    shown = in_routine | {i.id for i in (*around_runs, *through_the_day, *in_a_flare,
                                          *practitioner)}
    left_out = list(chosen.left_out)
    left_out += [
        LeftOut(id=k, label=v.label, reason="the daily routine is full; it can come later")
        for k, v in chosen.items.items() if k not in shown and v.kind in ROUTINE_KINDS
    ]
    do_now = [assessment.triage.advice, *gate.say] if level != "self_care" else []
    regions = load_vocabulary().regions
    pain = [Pain(region=c["region"], side=c.get("side", "central"),
                 label=f"{regions.get(c['region'], c['region'])}"
                       + (f" ({c['side']})" if c.get("side") in ("left", "right", "both") else ""))
            for c in data.get("complaints") or [] if "region" in c]
    found = chosen.found
    why = [
        Why(id=rc.id, label=found[rc.id].label, probability=round(rc.probability, 3),
            side=rc.side, located=_located(kb, rc.id),
            chain=[kb.label(n) for n in rc.explanation], summary=rc.summary)
        for rc in assessment.root_causes if rc.id in found
    ] if level == "self_care" else []
    return Plan(
        knowledge_version=kb.version,
        triage_level=level,
        triage_advice=assessment.triage.advice,
        do_now=do_now,
        pain=pain,
        why=why,
        routine=daily,
        routine_minutes=round(sum(i.minutes for i in daily), 1),
        around_runs=around_runs,
        through_the_day=[i for i in through_the_day if i.id not in in_routine],
        in_a_flare=in_a_flare,
        with_a_practitioner=practitioner if level == "self_care" else [],
        left_out=sorted(left_out, key=lambda x: x.id),
        notes=list(dict.fromkeys(chosen.notes)),
        stop_and_seek_help=[r.say for r in rules.stop_rules if not r.kinds],
        schedule=schedule(start or date.today(), weeks, daily, person, rules, around_runs),
    )
