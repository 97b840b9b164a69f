"""Red-flag triage: deterministic rules, checked before any probability, never outweighed.

Every clinical fact lives in the knowledge files (``red_flags.yaml``); this module only
evaluates the rules' predicates against a validated case and picks the most urgent.

Predicates are evaluated in three-valued logic: each test is true, false or unknown
(``None``). An answer the case does not give is unknown, and a rule fires only when its
predicate is *true*, so an unknown answer never fires a rule, not even under ``not``
(the negation of unknown is unknown). ``all`` is false as soon as one part is false,
``any`` true as soon as one part is true (Kleene's strong logic).

How each test reads the case is defined once, in :mod:`crux.answers`, which the
evidence for the network shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from crux.answers import (
    Truth,
    all_of,
    answer,
    any_complaint,
    any_of,
    section_value,
)
from crux.knowledge.schema import KnowledgeBase, Predicate, Rule
from crux.vocabulary import TRIAGE_ORDER

SELF_CARE_ADVICE = (
    "None of your answers points to a warning sign, so it is reasonable to start "
    "self-care. See a doctor or practitioner if the pain gets worse, does not ease, or "
    "if any new symptoms appear."
)


@dataclass(frozen=True)
class TriageResult:
    """How soon to be seen, which rules fired (most urgent first) and what to do."""

    level: str
    fired: tuple[Rule, ...]
    reasons: list[str]
    advice: str


def rules_of(kb: KnowledgeBase) -> tuple[Rule, ...]:
    """The red-flag rules of a knowledge base."""
    return kb.rules


def truth(predicate: Predicate, case: BaseModel) -> Truth:
    """True, false or unknown (None): what the case says about one predicate."""
    p = predicate
    if p.all is not None:
        return all_of(truth(child, case) for child in p.all)
    if p.any is not None:
        return any_of(truth(child, case) for child in p.any)
    if p.not_ is not None:
        inner = truth(p.not_, case)
        return None if inner is None else not inner
    if p.red_flag is not None:
        return answer(section_value(case, "red_flags", p.red_flag), None)
    if p.history is not None:
        return answer(section_value(case, "history", p.history), p.at_least)
    if p.exposure is not None:
        return answer(section_value(case, "exposures", p.exposure), p.at_least)
    if p.age_at_least is not None or p.age_below is not None:
        age = getattr(case, "age", None)
        if age is None:
            return None
        return age >= p.age_at_least if p.age_at_least is not None else age < p.age_below
    if p.sex is not None:
        sex = getattr(case, "sex", None)
        if sex is None or sex == "unknown":
            return None
        return sex == p.sex
    if p.pregnant is not None:  # weeks of pregnancy; 0 means not pregnant
        weeks = section_value(case, "history", "pregnant_weeks")
        if weeks is None:
            return None
        return (weeks >= 1) == p.pregnant
    if p.complaint is not None:
        return any_complaint(p.complaint, getattr(case, "complaints", None) or ())
    return None  # unreachable: a Predicate gives exactly one test


def matches(predicate: Predicate, case: BaseModel) -> bool:
    """Whether the case certainly shows the predicate (unknown answers never match)."""
    return truth(predicate, case) is True


# --------------------------------------------------------------------------- screening


def _red_flags_that_hold(predicate: Predicate, case: BaseModel) -> list[str]:
    """The red-flag answers that make a true predicate true (in the parts that hold)."""
    p = predicate
    if truth(p, case) is not True:
        return []
    if p.red_flag is not None:
        return [p.red_flag]
    out: list[str] = []
    for child in (p.all or ()) + (p.any or ()):
        out += _red_flags_that_hold(child, case)
    return out  # under `not`, an answer that holds is a reason against, never for


def _urgency(level: str) -> int:
    return TRIAGE_ORDER.index(level)


def screen(case: BaseModel, rules: Iterable[Rule]) -> TriageResult:
    """Check every red-flag rule; the most urgent rule that fires sets the level.

    ``fired`` lists every rule that fired, most urgent first (rules of one level keep
    their order in the knowledge base). ``reasons`` names the red-flag answers, then the
    suspected conditions, of the rules at the top level; ``advice`` is the first of those
    rules' advice, or a self-care message when nothing fires.
    """
    fired = tuple(
        sorted((r for r in rules if matches(r.when, case)), key=lambda r: _urgency(r.level))
    )
    if not fired:
        return TriageResult(level="self_care", fired=(), reasons=[], advice=SELF_CARE_ADVICE)
    level = fired[0].level
    top = [r for r in fired if r.level == level]
    flags = [f for r in top for f in _red_flags_that_hold(r.when, case)]
    reasons = list(dict.fromkeys([*flags, *(r.suspects for r in top)]))
    return TriageResult(level=level, fired=fired, reasons=reasons, advice=fired[0].advice)
