"""The handout: one HTML page (Jinja2) that is also the single source of the PDF
(WeasyPrint). Triage advice first; a body chart with where it hurts and where the root
cause sits; the chain in plain words; each exercise with its own drawing, dose, side and
safety notes; when to stop; the week to tick off; a progress log to fill in."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from crux.body_chart import Mark, render_svg
from crux.plan._drawing import render as render_drawing
from crux.plan._model import Cited, Plan, PlanItem

_LEVEL_WORDS = {
    "emergency": "Emergency: call for help now",
    "urgent": "Urgent: be seen by a doctor today",
    "soon": "See a doctor or practitioner within days",
    "self_care": "Self-care is a reasonable start",
}


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("crux.plan", "templates"),
                       autoescape=select_autoescape(["html", "j2"]))


def _chart(plan: Plan) -> str:
    marks = [Mark(p.region, p.side if p.side in ("left", "right") else None, "pain", p.label)
             for p in plan.pain]
    marks += [Mark(w.located, w.side, "cause", f"likely root cause: {w.label}")
              for w in plan.why if w.located]
    return render_svg(marks, "Where it hurts (red) and where the likely root cause sits (blue)")


def _sources(plan: Plan) -> list[Cited]:
    seen: dict[str, Cited] = {}
    for item in (*plan.routine, *plan.around_runs, *plan.through_the_day, *plan.in_a_flare,
                 *plan.with_a_practitioner):
        for c in item.sources:
            seen.setdefault(c.source, c)
    return sorted(seen.values(), key=lambda c: c.title)


def render_html(plan: Plan) -> str:
    week = plan.schedule[:7]
    notes: list[str] = []
    for d in week:
        notes += [n for n in d.notes if n not in notes]
    first = plan.schedule[0].date if plan.schedule else None
    last = plan.schedule[-1].date if plan.schedule else None
    log_dates = [d.date for d in plan.schedule[::7]] + ([last + timedelta(days=1)] if last else [])
    return _environment().get_template("handout.html.j2").render(
        plan=plan,
        level_words=_LEVEL_WORDS[plan.triage_level],
        chart=_chart(plan),
        drawing=lambda item: _drawing(item),
        sections=[("Around your runs", plan.around_runs),
                  ("Through the day", plan.through_the_day),
                  ("In a flare-up", plan.in_a_flare),
                  ("What a practitioner can add", plan.with_a_practitioner)],
        week=week,
        week_notes=notes,
        runner=any(d.runner_day != "none" for d in week),
        log_dates=log_dates,
        first=first,
        last=last,
        sources=_sources(plan),
    )


def _drawing(item: PlanItem) -> str:
    try:
        return render_drawing(item.id, item.label)
    except KeyError:
        return ""


def render_pdf(plan: Plan) -> bytes:
    """The handout as PDF: the same HTML, laid out for A4 by WeasyPrint."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    return HTML(string=render_html(plan)).write_pdf()
