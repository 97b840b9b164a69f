"""The plan as plain text for a terminal: triage first, then the routine."""

from __future__ import annotations

from crux.plan._model import Plan, PlanItem

_LEVEL = {
    "emergency": "EMERGENCY",
    "urgent": "URGENT: be seen today",
    "soon": "SOON: be seen within days",
    "self_care": "Self-care is reasonable",
}


def _item(n: int, item: PlanItem, timed: bool) -> list[str]:
    head = f"{n}. {item.label}"
    if item.side_text:
        head += f" - {item.side_text}"
    lines = [head]
    if item.dose_text != "as the steps say" or timed:
        lines.append(f"   Dose: {item.dose_text}" + (f" (about {item.minutes:g} min)" if timed
                                                       else ""))
    if item.equipment:
        lines.append(f"   You need: {', '.join(item.equipment)}")
    for step in item.steps:
        lines.append(f"   - {step}")
    for caution in item.cautions:
        lines.append(f"   Take care: {caution}")
    for stop in item.stop_if:
        lines.append(f"   {stop}")
    if item.addresses:
        why = ", ".join(f"{a.label} ({a.probability:.0%})" for a in item.addresses)
        lines.append(f"   Works on: {why}")
    return lines


def _section(title: str, items: list[PlanItem], timed: bool = False) -> list[str]:
    if not items:
        return []
    out = ["", title]
    for n, item in enumerate(items, 1):
        out += _item(n, item, timed)
    return out


def render_text(plan: Plan) -> str:
    out = [f"Triage: {_LEVEL[plan.triage_level]}", plan.triage_advice]
    if plan.do_now:
        out += ["", "What to do now:"] + [f"- {s}" for s in plan.do_now[1:] or plan.do_now]
    if plan.routine:
        out += _section(f"Your daily routine (about {plan.routine_minutes:g} minutes), in this "
                        "order:", plan.routine, timed=True)
    out += _section("Around your runs:", plan.around_runs)
    out += _section("Through the day:", plan.through_the_day)
    out += _section("In a flare-up:", plan.in_a_flare)
    out += _section("What a practitioner can add:", plan.with_a_practitioner)
    if plan.notes:
        out += ["", "Notes:"] + [f"- {n}" for n in plan.notes]
    if plan.left_out:
        out += ["", "Left out for now:"] + [f"- {x.label}: {x.reason}" for x in plan.left_out]
    out += ["", "Stop and seek help:"] + [f"- {s}" for s in plan.stop_and_seek_help]
    if plan.schedule and plan.routine:
        first, last = plan.schedule[0].date, plan.schedule[-1].date
        out += ["", f"Schedule: from {first.isoformat()} to {last.isoformat()}; the routine "
                "every day, except:"]
        week = plan.schedule[:7]
        for item in plan.routine:
            days = [d.date.strftime("%A") for d in week if item.id in d.routine]
            if len(days) < 7:
                out.append(f"- {item.label}: {', '.join(days)} only")
        if any(d.runner_day != "none" for d in week):
            out.append("- Running week: " + ", ".join(
                f"{d.date.strftime('%A')} {d.runner_day.replace('_', ' ')}" for d in week) + ".")
            seen: set[str] = set()
            for d in week:
                for note in d.notes:
                    if note not in seen:
                        seen.add(note)
                        out.append(f"- {note}")
    out += ["", plan.disclaimer]
    return "\n".join(out) + "\n"
