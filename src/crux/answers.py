"""What a case says about a question: true, false or unknown.

Three-valued (Kleene) logic shared by the red-flag rules and the evidence for the
network, so that both read a case the same way:

- An answer the case does not give is unknown (``None``); ``false`` is a real no.
- A yes/no answer is itself; a number is compared with ``at_least`` (with no bound, a
  given number counts as yes); a region list is yes when it names a region; a per-side
  answer is yes when either side is.
- A complaint matches when its region is one of those named (any region when none is),
  its side equals the one named, and every other given field matches. Onset, duration
  and severity are single answers: a different answer is false, a missing one unknown.
  Contexts, qualities and radiation are lists a person rarely completes: a value that
  is not listed leaves the match unknown, unless the complaint's ``denied`` lists it
  (an interview's explicit no). Across complaints, one match is enough; the
  complaint list is the body chart, so no complaint in a region means no pain there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from crux.knowledge.schema import ComplaintMatch

Truth = bool | None

SIDES = ("left", "right")


def all_of(values: Iterable[Truth]) -> Truth:
    result: Truth = True
    for v in values:
        if v is False:
            return False
        if v is None:
            result = None
    return result


def any_of(values: Iterable[Truth]) -> Truth:
    result: Truth = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


def answer(value: Any, at_least: float | None = None) -> Truth:
    """A yes/no, number, region list or per-side answer read as true, false or unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return len(value) > 0
    if isinstance(value, BaseModel):  # a per-side answer: yes when either side is
        return any_of(answer(getattr(value, side, None), at_least) for side in SIDES)
    if at_least is None:
        return True
    return float(value) >= at_least


def section_value(case: BaseModel, section: str, key: str) -> Any:
    part = getattr(case, section, None)
    return None if part is None else getattr(part, key, None)


def _listed(wanted: str | None, listed: list[str] | None, denied: list[str] | None) -> Truth:
    if wanted is None:
        return True
    if listed and wanted in listed:
        return True
    return False if denied and wanted in denied else None


def _denied(complaint: Any, key: str) -> list[str] | None:
    denied = getattr(complaint, "denied", None)
    return None if denied is None else getattr(denied, key)


def _bound(value: float | None, bound: float | None, at_least: bool) -> Truth:
    if bound is None:
        return True
    if value is None:
        return None
    return value >= bound if at_least else value < bound


def complaint_matches(match: ComplaintMatch, complaint: Any) -> Truth:
    """Whether one complaint shows what ``match`` asks for."""
    regions = match.regions()
    if regions and complaint.region not in regions:
        return False
    if match.side is not None and complaint.side != match.side:
        return False
    onset: Truth = True
    if match.onset is not None:
        onset = None if complaint.onset is None else complaint.onset == match.onset
    return all_of(
        (
            onset,
            _listed(match.worse_with, complaint.worse_with, _denied(complaint, "worse_with")),
            _listed(match.better_with, complaint.better_with, _denied(complaint, "better_with")),
            _listed(match.quality, complaint.qualities, _denied(complaint, "qualities")),
            _listed(match.radiates_to, complaint.radiates_to, _denied(complaint, "radiates_to")),
            _bound(complaint.duration_weeks, match.duration_weeks_at_least, at_least=True),
            _bound(complaint.duration_weeks, match.duration_weeks_below, at_least=False),
            _bound(complaint.severity, match.severity_at_least, at_least=True),
        )
    )


def covers(complaint_side: str, side: str) -> bool:
    """Whether a complaint on ``complaint_side`` is felt on ``side`` (left or right).

    Both and central complaints are felt on both sides.
    """
    return complaint_side in (side, "both", "central")


def any_complaint(
    match: ComplaintMatch, complaints: Iterable[Any], side: str | None = None
) -> Truth:
    """Whether some complaint (felt on ``side``, when one is given) matches."""
    return any_of(
        complaint_matches(match, c) for c in complaints if side is None or covers(c.side, side)
    )
