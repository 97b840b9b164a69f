"""The plan as an iCalendar file (RFC 5545, through the icalendar library): the routine
as all-day events that repeat (daily, or on the weekdays a dose asks for), and for
runners the rest days, marked as such. The same plan gives the same file, UIDs included:
every UID and the timestamp derive from the plan itself."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from icalendar import Calendar, Event

from crux.plan._model import Plan, PlanItem

PRODID = "-//Crux//Self-care plan//EN"
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_REST = {"recovery": "Recovery day: no running", "day_off": "Full day off after the long run",
         "light": "Light day: no hard running"}


def _describe(item: PlanItem) -> str:
    lines = [f"{item.label}" + (f" ({item.side_text})" if item.side_text else ""),
             f"Dose: {item.dose_text}"]
    lines += [f"- {s}" for s in item.steps]
    lines += [f"Take care: {c}" for c in item.cautions]
    lines += item.stop_if
    return "\n".join(lines)


def to_ics(plan: Plan) -> bytes:
    """The plan's calendar; empty of events when triage allows no routine."""
    key = hashlib.sha256(plan.model_dump_json().encode()).hexdigest()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Crux self-care plan")
    if not plan.schedule:
        return cal.to_ical()
    first, last = plan.schedule[0].date, plan.schedule[-1].date
    stamp = datetime.combine(first, time(0, 0), tzinfo=UTC)

    def event(uid_part: str, summary: str, weekdays: tuple[int, ...], description: str,
              rest: bool = False) -> Event:
        e = Event()
        e.add("uid", f"{hashlib.sha256((key + uid_part).encode()).hexdigest()[:24]}@crux")
        e.add("dtstamp", stamp)
        start = next(d.date for d in plan.schedule if d.date.weekday() in weekdays)
        e.add("dtstart", start)
        e.add("dtend", start + timedelta(days=1))
        e.add("summary", summary)
        e.add("description", description)
        if len(weekdays) == 7:
            e.add("rrule", {"freq": "daily", "until": last})
        else:
            e.add("rrule", {"freq": "weekly", "byday": [_BYDAY[d] for d in weekdays],
                            "until": last})
        e.add("transp", "TRANSPARENT")
        e.add("categories", ["Rest day"] if rest else ["Self-care"])
        return e

    # routine items grouped by the weekdays they fall on
    week = plan.schedule[:7]
    groups: dict[tuple[int, ...], list[PlanItem]] = defaultdict(list)
    for item in plan.routine:
        days = tuple(sorted({d.date.weekday() for d in week if item.id in d.routine}))
        if days:
            groups[days].append(item)
    for days, items in groups.items():
        minutes = sum(i.minutes for i in items)
        summary = f"Crux routine (about {minutes:g} min): " + ", ".join(i.label for i in items)
        description = "\n\n".join(_describe(i) for i in items)
        cal.add_component(event("routine:" + ",".join(map(str, days)), summary, days,
                                description))
    # rest days of a runner's week
    rest: dict[str, list[int]] = defaultdict(list)
    for d in week:
        if d.runner_day in _REST:
            rest[d.runner_day].append(d.date.weekday())
    for kind, days in rest.items():
        notes = next(d.notes for d in week if d.runner_day == kind)
        cal.add_component(event(f"rest:{kind}", _REST[kind], tuple(sorted(days)),
                                " ".join(notes), rest=True))
    return cal.to_ical()
