"""The days of a plan: the routine every day, and for runners the recovery days the
rules ask for (two to three a week; after the weekly long run one full day off and a
light day), with the notes that belong to each day."""

from __future__ import annotations

from datetime import date, timedelta

from crux.knowledge.schema import PlanRules
from crux.plan._model import Day, PlanItem
from crux.plan._person import Person

LONG_RUN_WEEKDAY = 6  # Sunday: the usual day for a long run; the person can move it
RECOVERY_WEEKDAYS = (2, 6)  # Wednesday and Sunday for runners without long runs
SPREAD = {1: (2,), 2: (1, 4), 3: (0, 2, 4), 4: (0, 2, 4, 6), 5: (0, 1, 3, 4, 6),
          6: (0, 1, 2, 3, 4, 5)}  # days a week -> weekdays with rest days between


def weekdays_for(item: PlanItem) -> tuple[int, ...]:
    """The weekdays an item is done: every day, or as many as its dose asks a week."""
    per_week = item.dose.get("times_per_week")
    if not isinstance(per_week, dict):
        return tuple(range(7))
    n = max(1, min(7, int(per_week["min"])))
    return SPREAD.get(n, tuple(range(7)))


def runner_days(person: Person, rules: PlanRules) -> dict[int, str]:
    """Weekday (Monday 0) -> what kind of running day it is."""
    if not person.runs:
        return {}
    want = int(rules.runners.recovery_days_per_week.min)
    if person.long_runs:
        days = {LONG_RUN_WEEKDAY: "long_run", 0: "day_off", 1: "light"}
        for weekday in (3, 4, 2):  # one more recovery day midweek
            if sum(1 for v in days.values() if v in ("day_off", "recovery")) >= want:
                break
            days[weekday] = "recovery"
        return {d: days.get(d, "run") for d in range(7)}
    rest = RECOVERY_WEEKDAYS[:want] if want <= len(RECOVERY_WEEKDAYS) else RECOVERY_WEEKDAYS
    return {d: "recovery" if d in rest else "run" for d in range(7)}


def schedule(start: date, weeks: int, items: list[PlanItem], person: Person,
             rules: PlanRules, around_runs: list[PlanItem]) -> list[Day]:
    kinds = runner_days(person, rules)
    after_run = [i.label for i in around_runs if i.moment == "after_run"]
    days: list[Day] = []
    for n in range(7 * weeks):
        d = start + timedelta(days=n)
        kind = kinds.get(d.weekday(), "none")
        notes: list[str] = []
        if kind == "day_off":
            notes.append("Full day off after the long run: no running or hard training.")
        elif kind == "light":
            notes.append("Light day: a walk, easy cycling or gentle yoga; no hard running.")
        elif kind == "recovery":
            notes.append("Recovery day: no running; a walk or recovery yoga is fine.")
        elif kind == "long_run":
            notes.append(
                f"Long run: if it lasts over {rules.runners.long_run_minutes:g} minutes, walk "
                "for a while before any stretching."
            )
        if kind in ("run", "long_run") and after_run:
            notes.append("After the run: " + "; ".join(after_run) + ".")
        days.append(Day(date=d, runner_day=kind,  # type: ignore[arg-type]
                        routine=[i.id for i in items if d.weekday() in weekdays_for(i)],
                        notes=notes))
    return days
