"""From an assessment to a plan: the items that work on what the assessment found, less
what the triage level or the person rules out, with each item's side, the routine cut
to about ten minutes a day and put in the sources' order.

The order rules, all data (``interventions.yaml`` and ``plan_rules.yaml``):

- phases in order: soothe, release, realign, mobilise, stretch, strengthen;
- within a phase, the primary core (hips) first, then the lower limb and spine, the
  secondary core (chest, base of the skull), the upper traps last;
- an item comes after the items it names in ``after``; a stretch or a realignment is
  never given without the release it follows (a knotted muscle is released first);
- realign only the side pulled forward, and not at all while that side is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crux.contract import Assessment
from crux.knowledge.schema import (
    PHASES,
    REGION_ORDER,
    Intervention,
    KnowledgeBase,
    PlanRules,
)
from crux.plan._dose import dose_text, minutes
from crux.plan._model import Addresses, Cited, LeftOut, PlanItem
from crux.plan._person import Person

ROUTINE_KINDS = ("release", "realign", "mobilise", "stretch", "strengthen")
ROUTINE_MOMENTS = ("any_time", "morning")
NEEDS_ITS_RELEASE = ("stretch", "realign")


class PlanError(ValueError):
    """The knowledge cannot make a plan (no plan rules)."""


@dataclass(frozen=True)
class Found:
    """One thing the assessment found that a plan can work on."""

    id: str
    label: str
    probability: float
    sides: frozenset[str]
    weight: float = 1.0  # how much working on it counts (root causes first)

    @property
    def score(self) -> float:
        return self.probability * self.weight


def addressed(assessment: Assessment, kb: KnowledgeBase, rules: PlanRules) -> dict[str, Found]:
    """The root causes, conditions and factors a plan works on, by id."""
    a = rules.addressed
    picked: list[tuple[str, float, str | None, str]] = []
    causes = [rc for rc in assessment.root_causes if rc.probability >= a.root_cause_at_least]
    picked += [(rc.id, rc.probability, rc.side, "root_cause")
               for rc in causes[: a.top_root_causes]]
    picked += [(c.id, c.probability, c.side, "condition") for c in assessment.conditions
               if c.probability >= a.condition_at_least]
    picked += [(f.id, f.probability, f.side, "factor") for f in assessment.contributing_factors
               if f.probability >= a.factor_at_least]
    out: dict[str, Found] = {}
    for node_id, p, side, kind in picked:
        sides = frozenset({side}) if side else frozenset()
        old = out.get(node_id)
        if old is not None:
            p, sides = max(p, old.probability), old.sides | sides
        out[node_id] = Found(node_id, kb.label(node_id), p, sides, a.weights.get(kind, 1.0))
    return out



def _side(item: Intervention, found: Mapping[str, Found], person: Person, forward_node: str
          ) -> tuple[str, str] | None:
    """(side, in words), or None when the side cannot be known."""
    if item.side == "not_sided":
        return "none", ""
    if item.side == "both":
        return "both", "both sides"
    if item.side == "painful_side":
        sides = set().union(*(found[t].sides for t in item.targets if t in found))
        sides = sides or set(person.painful_sides)
        if sides == {"left"} or sides == {"right"}:
            (side,) = sides
            return side, f"your {side} side (the painful side)"
        return "both", "both sides (both are painful)"
    # side_pulled_forward: only where the assessment says which side (the side of the
    # node the plan rules name)
    f = found.get(forward_node) if forward_node in item.targets else None
    forward = f.sides if f is not None else frozenset()
    if len(forward) == 1:
        (side,) = forward
        return side, f"your {side} side only (the side pulled forward)"
    return None


def _cited(titles: Mapping[str, str], item: Intervention) -> list[Cited]:
    return [Cited(source=c.source, title=titles.get(c.source, c.source), says=c.says)
            for c in item.sources]


def _stop_rules(rules: PlanRules, kind: str) -> list[str]:
    return [r.say for r in rules.stop_rules if kind in r.kinds]


def _item(titles: Mapping[str, str], rules: PlanRules, item: Intervention,
          found: Mapping[str, Found], person: Person, side: tuple[str, str]) -> PlanItem:
    sides = 2 if side[0] == "both" and item.dose.each_side else 1
    cautions = [
        c.note or f"take care: {c.when.replace('_', ' ')}"
        for c in item.contraindications if c.level == "caution" and person.meets(c)
    ]
    return PlanItem(
        id=item.id,
        label=item.label,
        kind=item.kind,
        phase=item.order.phase,
        region_group=item.order.region_group,
        who=item.who,
        moment=item.order.moment,
        steps=[str(s) for s in item.steps],
        dose=item.dose.model_dump(exclude_none=True, exclude_defaults=True),
        dose_text=dose_text(item.dose, person.age, rules.runners.older_from_age),
        side=side[0],  # type: ignore[arg-type]
        side_text=side[1],
        equipment=[e.replace("_", " ") for e in item.equipment],
        cautions=cautions,
        stop_if=_stop_rules(rules, item.kind),
        addresses=[
            Addresses(id=t, label=found[t].label, probability=round(found[t].probability, 3),
                      side=next(iter(found[t].sides)) if len(found[t].sides) == 1 else None)
            for t in item.targets if t in found
        ],
        minutes=round(minutes(item.dose, sides), 1),
        sources=_cited(titles, item),
    )


@dataclass
class Selection:
    found: dict[str, Found]  # what the assessment found that the plan works on
    items: dict[str, PlanItem]
    relevance: dict[str, float]
    left_out: list[LeftOut]
    notes: list[str]


def select(kb: KnowledgeBase, rules: PlanRules, assessment: Assessment, person: Person,
           allowed_kinds: tuple[str, ...]) -> Selection:
    """Every item allowed for this person that works on what the assessment found, with
    the releases the chosen stretches and realignments need."""
    found = addressed(assessment, kb, rules)
    by_id = {i.id: i for i in kb.interventions}
    titles = {s.id: s.title for s in kb.sources}
    wanted = [i for i in kb.interventions if any(t in found for t in i.targets)]
    left: dict[str, LeftOut] = {}
    notes: list[str] = []
    items: dict[str, PlanItem] = {}
    relevance: dict[str, float] = {}

    def why_not(item: Intervention) -> str | None:
        if item.kind not in allowed_kinds:
            return "not until you have been seen" if allowed_kinds else "see a clinician first"
        for c in item.contraindications:
            if c.level == "avoid" and person.meets(c):
                return _avoid_reason(c.when, c.note, person)
        return None

    def take(item: Intervention, score: float) -> bool:
        if item.id in items:
            relevance[item.id] = max(relevance[item.id], score)
            return True
        if item.id in left:
            return False
        reason = why_not(item)
        if reason is None and item.kind in NEEDS_ITS_RELEASE:
            for before in item.order.after:
                first = by_id[before]
                if first.kind == "release" and not take(first, score):
                    reason = f"it follows {first.label}, which is left out"
                    break
        side = (_side(item, found, person, rules.side_pulled_forward_from)
                if reason is None else None)
        if reason is None and side is None:
            reason = "which side is pulled forward is not known"
            notes.append(
                "Before the hip realignment, have a practitioner check which side of the "
                "pelvis is pulled forward: it is done on that side only."
            )
        if reason is not None:
            left[item.id] = LeftOut(id=item.id, label=item.label, reason=reason)
            return False
        assert side is not None
        items[item.id] = _item(titles, rules, item, found, person, side)
        relevance[item.id] = score
        return True

    def score(item: Intervention) -> float:
        return max(found[t].score for t in item.targets if t in found)

    for item in sorted(wanted, key=lambda i: (-score(i), i.id)):
        take(item, score(item))
    if person.runs:  # every runner's plan holds the recovery rules
        runner = (*rules.runners.always, *(rules.runners.with_long_runs if person.long_runs
                                           else ()))
        for item_id in runner:
            take(by_id[item_id], 0.0)
    return Selection(found, items, relevance, sorted(left.values(), key=lambda x: x.id), notes)


def _avoid_reason(when: str, note: str | None, person: Person) -> str:
    base = {
        "pregnancy": f"not in the {_ordinal(person.trimester)} trimester of pregnancy",
        "acute_injury": "not on a fresh injury",
        "red_flag": "not with a warning sign present",
        "hypermobility": "not with hypermobile joints",
        "sharp_pain": "not while the pain is sharp",
        "muscle_knots": "not on a knotted muscle before it is released",
    }[when]
    return f"{base}: {note}" if note else base


def _ordinal(n: int | None) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n or 0, "")


def routine(selection: Selection, kb: KnowledgeBase, budget: float) -> list[PlanItem]:
    """The daily routine: the most relevant routine items (each with the releases it
    follows) while they fit about ``budget`` minutes, in the sources' order."""
    by_id = {i.id: i for i in kb.interventions}
    pool = {k: v for k, v in selection.items.items()
            if v.who == "self" and v.kind in ROUTINE_KINDS and v.moment in ROUTINE_MOMENTS}

    def with_needs(item_id: str) -> list[str]:
        need = [item_id]
        if pool[item_id].kind in NEEDS_ITS_RELEASE:
            for before in by_id[item_id].order.after:
                if before in pool and pool[before].kind == "release":
                    need = with_needs(before) + need
        return need

    chosen: list[str] = []
    total = 0.0
    for item_id in sorted(pool, key=lambda k: (-selection.relevance[k], k)):
        add = [k for k in dict.fromkeys(with_needs(item_id)) if k not in chosen]
        extra = sum(pool[k].minutes for k in add)
        if chosen and total + extra > budget:
            continue
        chosen += add
        total += extra
    return in_order([pool[k] for k in chosen], kb)


def in_order(items: list[PlanItem], kb: KnowledgeBase) -> list[PlanItem]:
    """Phase, then region group, then each item after the ones it names."""
    by_id = {i.id: i for i in kb.interventions}
    rank = {k: (PHASES.index(v.phase), REGION_ORDER.index(v.region_group))  # type: ignore[arg-type]
            for k, v in ((i.id, i) for i in items)}
    present = {i.id: i for i in items}
    out: list[PlanItem] = []
    placed: set[str] = set()

    def place(item_id: str) -> None:
        if item_id in placed:
            return
        placed.add(item_id)
        for before in by_id[item_id].order.after:
            if before in present and rank[before] <= rank[item_id]:
                place(before)
        out.append(present[item_id])

    for item in sorted(items, key=lambda i: (*rank[i.id], i.id)):
        place(item.id)
    return out


def other(selection: Selection, kb: KnowledgeBase, kinds: tuple[str, ...] | None = None,
          moments: tuple[str, ...] | None = None, who: str = "self",
          exclude: set[str] | None = None) -> list[PlanItem]:
    """Selected items outside the routine, by kind and moment, in the sources' order."""
    picked = [
        v for k, v in selection.items.items()
        if v.who == who and (kinds is None or v.kind in kinds)
        and (moments is None or v.moment in moments) and k not in (exclude or set())
    ]
    return in_order(picked, kb)


def case_dict(case: Any) -> dict[str, Any]:
    return case.model_dump(exclude_none=True) if hasattr(case, "model_dump") else dict(case)
