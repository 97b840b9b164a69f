"""A dose in words and in minutes."""

from __future__ import annotations

from crux.knowledge.schema import Dose, Span


def _span(span: Span, unit: str) -> str:
    lo, hi = (int(v) if float(v).is_integer() else v for v in (span.min, span.max))
    return f"{lo} {unit}" if lo == hi else f"{lo}-{hi} {unit}"


def dose_text(dose: Dose, age: int | None = None, older_from: int | None = None) -> str:
    """The dose in words; days off by age for this age (the older count when the age is
    not known: more rest is the safe side)."""
    parts: list[str] = []
    if dose.hold_s is not None:
        parts.append(f"hold {_span(dose.hold_s, 's')}")
    if dose.reps is not None:
        parts.append(f"{_span(dose.reps, 'times')}")
    if dose.sets is not None:
        parts.append(f"{_span(dose.sets, 'sets')}")
    if dose.minutes is not None:
        parts.append(f"{_span(dose.minutes, 'min')}")
    if dose.each_side:
        parts.append("each side")
    if dose.times_per_day is not None:
        parts.append(f"{_span(dose.times_per_day, 'a day').replace('1 a day', 'once a day')}")
    if dose.times_per_week is not None:
        parts.append(f"{_span(dose.times_per_week, 'days a week')}")
    if dose.days_off is not None:
        parts.append(f"{_span(dose.days_off, 'full days off')}")
    if dose.light_days is not None:
        parts.append(f"then {_span(dose.light_days, 'light days')}")
    if dose.days_off_by_age is not None:
        d = dose.days_off_by_age
        if age is not None and older_from is not None:
            days = d.older if age >= older_from else d.younger
            parts.append(f"{days} full days off (at {age})")
        elif older_from is not None:
            parts.append(f"{d.older} full days off ({d.younger} if under {older_from})")
        else:
            parts.append(f"{d.younger} full days off if younger, {d.older} if older")
    return ", ".join(parts) if parts else "as the steps say"


DEFAULT_MINUTES = 2.0  # an item without timed numbers
REST_FACTOR = 2.0  # a rep of a few seconds comes with as long a rest


def minutes(dose: Dose, sides: int) -> float:
    """About how long one session of the item takes, for ``sides`` sides."""
    if dose.minutes is not None:
        return dose.minutes.max
    sets = dose.sets.max if dose.sets is not None else 1.0
    if dose.reps is not None:
        each = dose.hold_s.max if dose.hold_s is not None else 3.0
        return dose.reps.max * each * REST_FACTOR * sets * sides / 60.0
    if dose.hold_s is not None:
        return dose.hold_s.max * sets * sides / 60.0
    return DEFAULT_MINUTES
