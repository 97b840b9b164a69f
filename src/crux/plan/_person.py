"""What a case says that a plan must respect: pregnancy and its trimester, a fresh
injury, sharp pain, knots, hypermobility, a warning sign answered yes, running, and the
painful sides. Read through the plan rules (data), never guessed: an unknown answer
counts as no, except where the safe reading is yes (an injury of unknown age)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crux.knowledge.schema import Contraindication, PlanRules


@dataclass(frozen=True)
class Person:
    age: int | None
    trimester: int | None  # 1, 2 or 3 when pregnant
    acute_injury: bool
    sharp_pain: bool
    knots: bool
    hypermobile: bool
    red_flag_answered: bool
    runs: bool
    long_runs: bool
    painful_sides: frozenset[str]  # left and/or right

    def meets(self, c: Contraindication) -> bool:
        """Whether a contraindication applies to this person."""
        if c.when == "pregnancy":
            return self.trimester is not None and (
                not c.trimesters or self.trimester in c.trimesters
            )
        return {
            "acute_injury": self.acute_injury,
            "red_flag": self.red_flag_answered,
            "hypermobility": self.hypermobile,
            "sharp_pain": self.sharp_pain,
            "muscle_knots": self.knots,
        }[c.when]


def person_of(case: Mapping[str, Any], rules: PlanRules) -> Person:
    complaints = case.get("complaints") or []
    history = case.get("history") or {}
    exposures = case.get("exposures") or {}
    qualities = {q for c in complaints for q in (c.get("qualities") or ())}
    weeks = history.get("pregnant_weeks")
    trimester = None
    if isinstance(weeks, (int, float)) and weeks >= 1:
        t = rules.trimesters
        trimester = 3 if weeks >= t.third_from_week else 2 if weeks >= t.second_from_week else 1
    acute = rules.acute_injury
    fresh = any(
        c.get("onset") == "sudden"
        and (c.get("duration_weeks") is None or c["duration_weeks"] < acute.sudden_within_weeks)
        for c in complaints
    )
    sides: set[str] = set()
    for c in complaints:
        side = c.get("side")
        sides.update(("left", "right") if side == "both" else (side,) if side in
                     ("left", "right") else ())
    km = exposures.get("running_km_per_week")
    return Person(
        age=case.get("age"),
        trimester=trimester,
        acute_injury=fresh or history.get("recent_trauma") is True
        or bool(qualities & set(acute.qualities)),
        sharp_pain=bool(qualities & set(rules.sharp_qualities)),
        knots=bool(qualities & set(rules.knot_qualities)),
        hypermobile=history.get("hypermobility") is True,
        red_flag_answered=any(v is True for v in (case.get("red_flags") or {}).values()),
        runs=(isinstance(km, (int, float)) and km > 0) or exposures.get("long_runs") is True,
        long_runs=exposures.get("long_runs") is True,
        painful_sides=frozenset(sides),
    )
