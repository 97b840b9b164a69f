"""Safety first: which red-flag question to ask next, whatever its information gain.

A rule is *live* while some answers not yet asked could still make it fire. Its *open*
leaves are the tests whose answer is unknown and whose question is worth asking and not
yet asked. Rules are taken most urgent first; a red-flag leaf is asked in its checklist
(screen) together with every other open red-flag leaf of that checklist, so that a
person ticks what applies once rather than answering one alarming question at a time.
Once no live rule has an open leaf, safety is settled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from crux.answers import any_complaint, complaint_matches
from crux.interview._questions import DONT_KNOW, Ask, Book, answer_in, worth_asking
from crux.knowledge.schema import Predicate, Rule
from crux.triage import truth
from crux.vocabulary import TRIAGE_ORDER


def _leaf_asks(p: Predicate, book: Book, case: Mapping[str, Any], model: BaseModel) -> list[Ask]:
    """The questions that would settle one leaf test, for this person."""
    if p.red_flag is not None:
        return [book.ask(f"red_flags.{p.red_flag}", case)]
    if p.history is not None:
        return [book.ask(f"history.{p.history}", case)]
    if p.exposure is not None:
        return [book.ask(f"exposures.{p.exposure}", case)]
    if p.pregnant is not None:
        return [book.ask("history.pregnant_weeks", case)]
    if p.age_at_least is not None or p.age_below is not None:
        return [book.ask("age", case)]
    if p.sex is not None:
        return [book.ask("sex", case)]
    if p.complaint is None:
        return []
    m = p.complaint
    out: list[Ask] = []
    for i, c in enumerate(model.complaints):
        if complaint_matches(m, c) is not None:
            continue  # this complaint already settles it
        for field in ("onset", "duration_weeks", "severity"):
            bound = {"onset": m.onset, "duration_weeks": m.duration_weeks_at_least
                     if m.duration_weeks_at_least is not None else m.duration_weeks_below,
                     "severity": m.severity_at_least}[field]
            if bound is not None and getattr(c, field) is None:
                out.append(book.ask(f"complaint.{field}", case, complaint=i))
        for key, item in (("worse_with", m.worse_with), ("better_with", m.better_with),
                          ("qualities", m.quality)):
            if item is not None and f"complaint.{key}.{item}" in book.by_asks:
                out.append(book.ask(f"complaint.{key}.{item}", case, complaint=i))
        if m.radiates_to is not None:
            out.append(book.ask("complaint.radiates_to", case, complaint=i, region=m.radiates_to))
    return out


def _open(ask: Ask, asked: set[str], case: Mapping[str, Any]) -> bool:
    return ask.id not in asked and ask.question is not None and worth_asking(ask.question, case)


def _could(p: Predicate, book: Book, case: Mapping[str, Any], model: BaseModel,
           asked: set[str], leaves: list[Ask]) -> tuple[bool, bool]:
    """(could become true, could become false) once the open questions are answered;
    collects the open leaves' questions into ``leaves``."""
    if p.all is not None or p.any is not None:
        parts = [_could(c, book, case, model, asked, leaves) for c in (p.all or p.any or ())]
        if p.all is not None:
            return all(t for t, _ in parts), any(f for _, f in parts)
        return any(t for t, _ in parts), all(f for _, f in parts)
    if p.not_ is not None:
        t, f = _could(p.not_, book, case, model, asked, leaves)
        return f, t
    value = truth(p, model)
    if value is not None:
        return value, not value
    if p.complaint is not None and any_complaint(p.complaint, model.complaints) is not None:
        return False, True
    mine = [a for a in _leaf_asks(p, book, case, model) if _open(a, asked, case)]
    leaves.extend(mine)
    return bool(mine), bool(mine)


def _urgency(rule: Rule) -> int:
    return TRIAGE_ORDER.index(rule.level)


def next_safety_question(book: Book, case: Mapping[str, Any], model: BaseModel,
                         asked: set[str], above: str | None = None) -> Ask | None:
    """The next question that safety needs, or None once every live rule is settled.
    With ``above`` (a level that has fired), only rules more urgent than it count."""
    for q in book.kb.questions:  # questions marked safety come first
        if q.safety and not q.asks.startswith("complaint.") and worth_asking(q, case):
            ask = book.ask(q.asks, case)
            if ask.id not in asked and answer_in(case, ask) is DONT_KNOW:
                return ask
    open_by_rule: list[tuple[Rule, list[Ask]]] = []
    rules = sorted(book.kb.rules, key=_urgency)
    if above is not None:
        rules = [r for r in rules if _urgency(r) < TRIAGE_ORDER.index(above)]
    for rule in rules:
        leaves: list[Ask] = []
        can_fire, _ = _could(rule.when, book, case, model, asked, leaves)
        if can_fire and leaves:
            open_by_rule.append((rule, leaves))
    if not open_by_rule:
        return None
    open_ids = {a.id for _, leaves in open_by_rule for a in leaves}
    _, leaves = open_by_rule[0]
    first = next((a for a in leaves if a.id.startswith("red_flags.")), leaves[0])
    for screen in book.kb.screens:
        if first.id not in screen.items:
            continue
        items = [book.by_asks[i] for i in screen.items if i in open_ids]
        if len(items) > 1:
            return book.checklist(screen, items)
    return first

