"""Simulated interviews: the answers come from a full case, known only when asked.

The interview starts from the case's age, sex and each complaint's region and side; any
other answer is read from the file only when its question is asked, and what the file
does not say is "don't know".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crux.assess import Model, shipped_model
from crux.contract import Assessment, parse_case
from crux.interview._questions import DONT_KNOW, answer_in
from crux.interview._session import Interview


def starting_case(full: Mapping[str, Any]) -> dict[str, Any]:
    """What the interview knows at the start: age, sex, and where it hurts."""
    start: dict[str, Any] = {"version": full.get("version", 1)}
    for key in ("age", "sex"):
        if key in full:
            start[key] = full[key]
    start["complaints"] = [
        {"region": c["region"], "side": c["side"]} for c in full["complaints"]
    ]
    return start


@dataclass(frozen=True)
class Transcript:
    questions: list[dict[str, Any]]  # id, text, answer ("don't know" when unknown)
    assessment: Assessment
    reason: str  # why it stopped
    answered: int  # yes/no answers given, counting each checklist item

    def as_json(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "assessment": self.assessment.model_dump(mode="json"),
            "stopped": self.reason,
        }


def _shown(value: Any) -> Any:
    return "don't know" if value is DONT_KNOW else value


def simulate(full: Mapping[str, Any], model: Model | None = None,
             cap: int | None = None) -> Transcript:
    """Run the interview against a full case (validated first)."""
    parse_case(dict(full))
    interview = Interview(starting_case(full), model=model or shipped_model())
    if cap is not None:
        interview.cap = cap
    questions: list[dict[str, Any]] = []
    while True:
        choice = interview.next()
        if choice.ask is None:
            break
        value = answer_in(full, choice.ask)
        interview.answer(choice.ask, value, choice.phase)
        entry: dict[str, Any] = {"id": choice.ask.id, "text": choice.ask.text,
                                 "answer": _shown(value), "phase": choice.phase}
        if choice.gain is not None:
            entry["expected_information_gain"] = round(choice.gain, 4)
        if choice.ask.screen is not None:
            entry["items"] = {q.asks: _shown(value.get(q.asks, DONT_KNOW))
                              if value is not DONT_KNOW else "don't know"
                              for q in choice.ask.items}
        questions.append(entry)
    answered = sum(len(s.ask.items) or 1 for s in interview.steps)
    return Transcript(questions, interview.assessment(), choice.reason, answered)
