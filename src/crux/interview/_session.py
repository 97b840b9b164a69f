"""One interview: the case so far, the questions asked, and the next one to ask.

Safety first: while a red-flag rule could still fire, its questions come before any
other. An answer that fires a rule ends the interview at once, save for the questions
of any more urgent rule that could still fire (a "see a doctor soon" must not hide an
emergency). Then each question is the
one with the highest expected information gain about the root causes and conditions,
until none is worth asking, the top root causes have settled, or the cap is reached.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crux.assess import Model, assess, shipped_model
from crux.contract import Assessment, NextQuestion, parse_case
from crux.interview._gain import Chooser, Scored
from crux.interview._questions import (
    DONT_KNOW,
    Ask,
    Book,
    InvalidAnswer,
    answer_in,
    apply,
    check_answer,
    worth_asking,
)
from crux.interview._safety import next_safety_question
from crux.triage import screen

MAX_QUESTIONS = 25  # a cap, whatever else
MIN_GAIN = 0.05  # bits: below this no question is worth asking
SETTLED_GAIN = 0.5  # bits: with the top root causes unchanged, stop below this
SETTLED_AFTER = 3  # answers in a row with the same top root causes
LISTED_QUESTIONS = 3  # next_questions shown in an assessment

_INTRO = ("age", "sex", "complaint.region", "complaint.side")


@dataclass
class Step:
    ask: Ask
    answer: Any
    before: dict[str, Any]  # the case before the answer, to go back to
    phase: str = "gain"  # safety or gain
    top: tuple[str, ...] | None = None  # after a gain answer: the top root causes


@dataclass(frozen=True)
class Choice:
    """The next question, or why there is none."""

    ask: Ask | None
    phase: str  # "safety", "gain" or "done"
    reason: str = ""
    gain: float | None = None


@dataclass
class Interview:
    """An interview that starts from what is known (at least one complaint's region and
    side) and asks one question at a time."""

    case: dict[str, Any]
    model: Model = field(default_factory=shipped_model)
    cap: int = MAX_QUESTIONS
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.case = copy.deepcopy(self.case)
        parse_case(self.case)  # refuse a bad start before any question
        self._book = Book.of(self.model.kb)
        self._chooser = _chooser(self.model)
        self._ranked: tuple[str, list[Scored]] | None = None

    # ------------------------------------------------------------------ state

    @property
    def asked(self) -> set[str]:
        out: set[str] = set()
        for step in self.steps:
            out.add(step.ask.id)
            out.update(q.asks for q in step.ask.items)
        return out

    def _assessment(self) -> Assessment:
        return assess(parse_case(self.case), self.model)

    def _tops(self) -> list[tuple[str, ...]]:
        """The top root causes after each answer chosen for its gain, in order."""
        return [step.top for step in self.steps if step.top is not None]

    # ------------------------------------------------------------------ choosing

    def candidates(self) -> list[Ask]:
        """Questions not yet asked whose answer the case does not hold."""
        asked = self.asked
        out = []
        for ask in [*self._book.for_complaints(self.case), *self._book.for_person(self.case)]:
            q = ask.question
            if q is None or q.asks in _INTRO or ask.id in asked:
                continue
            if not worth_asking(q, self.case):
                continue
            if answer_in(self.case, ask) is not DONT_KNOW:
                continue
            out.append(ask)
        return out

    def pending_safety(self) -> Ask | None:
        """The safety question the interview would ask next, if any is still pending."""
        return next_safety_question(self._book, self.case, parse_case(self.case), self.asked)

    def rank(self) -> list[Scored]:
        """Every question worth asking, best first. A question's gain depends only on the
        case, so after an answer that leaves the case as it was ("don't know") the last
        ranking stands, less the question just asked."""
        key = json.dumps(self.case, sort_keys=True)
        asked = self.asked
        if self._ranked is not None and self._ranked[0] == key:
            return [s for s in self._ranked[1] if s.ask.id not in asked]
        ranked = self._chooser.rank(self.candidates(), self.case, parse_case(self.case))
        self._ranked = (key, ranked)
        return ranked

    def next(self) -> Choice:
        """The next question to ask, or why the interview is over."""
        model_case = parse_case(self.case)
        triage = screen(model_case, self.model.kb.rules)
        if triage.level != "self_care":
            # a warning sign has fired: only a more urgent one is still worth asking about
            more = None
            if len(self.steps) < self.cap:
                more = next_safety_question(
                    self._book, self.case, model_case, self.asked, above=triage.level
                )
            if more is None:
                return Choice(None, "done", f"a warning sign: {triage.level}")
            return Choice(more, "safety")
        if len(self.steps) >= self.cap:
            return Choice(None, "done", f"reached the cap of {self.cap} questions")
        safety = next_safety_question(self._book, self.case, model_case, self.asked)
        if safety is not None:
            return Choice(safety, "safety")
        ranked = self.rank()
        if not ranked or ranked[0].gain < MIN_GAIN:
            return Choice(None, "done", "no question is worth asking")
        tops = self._tops()
        settled = (
            len(tops) >= SETTLED_AFTER
            and len(set(tops[-SETTLED_AFTER:])) == 1
            and ranked[0].gain < SETTLED_GAIN
        )
        if settled:
            return Choice(None, "done", "the top root causes have settled")
        return Choice(ranked[0].ask, "gain", gain=ranked[0].gain)

    # ------------------------------------------------------------------ answering

    def answer(self, ask: Ask, value: Any, phase: str = "gain") -> None:
        """Record an answer (DONT_KNOW for "don't know"); InvalidAnswer when it does not fit.
        Only answers to questions chosen for their gain count towards settling."""
        value = check_answer(ask, value)
        after = apply(self.case, ask, value)
        try:
            parse_case(after)
        except Exception as err:  # the contract refuses it: say why, keep the case
            raise InvalidAnswer(f"{ask.id}: {err}") from None
        before, self.case = self.case, after
        top = None
        if phase == "gain":
            top = tuple(rc.id for rc in self._assessment().root_causes[:3])
        self.steps.append(Step(ask, value, before, phase, top))

    def back(self) -> Ask | None:
        """Undo the last answer; returns the question it answered (None at the start)."""
        if not self.steps:
            return None
        step = self.steps.pop()
        self.case = step.before
        return step.ask

    # ------------------------------------------------------------------ result

    def next_questions(self, n: int = LISTED_QUESTIONS) -> list[NextQuestion]:
        """The ``n`` questions most worth asking next: a pending safety question first,
        whatever its gain (a checklist with its items), then by expected gain."""
        ranked = self.rank()
        listed: list[NextQuestion] = []
        pending = self.pending_safety()
        if pending is not None:
            gain = next((s.gain for s in ranked if s.ask.id == pending.id), 0.0)
            listed.append(NextQuestion(id=pending.id, text=_words(pending),
                                       expected_information_gain=round(gain, 4)))
        listed += [q for q in next_questions(ranked) if q.id not in {x.id for x in listed}]
        return listed[:n]

    def assessment(self) -> Assessment:
        """The assessment of the case so far, with the best next questions listed (none
        once a warning sign has fired: the advice then is to be seen)."""
        result = self._assessment()
        if result.triage.level != "self_care":
            return result
        return result.model_copy(update={"next_questions": self.next_questions()})


def next_questions(ranked: tuple[Scored, ...] | list[Scored]) -> list[NextQuestion]:
    return [
        NextQuestion(id=s.ask.id, text=s.ask.text, expected_information_gain=round(s.gain, 4))
        for s in ranked[:LISTED_QUESTIONS]
    ]


_CHOOSERS: dict[int, Chooser] = {}


def _chooser(model: Model) -> Chooser:
    key = id(model)
    hit = _CHOOSERS.get(key)
    if hit is None or hit.model is not model:
        hit = _CHOOSERS[key] = Chooser(model)
    return hit


def with_next_questions(assessment: Assessment, case: Mapping[str, Any], model: Model,
                        n: int = LISTED_QUESTIONS) -> Assessment:
    """The assessment with the ``n`` questions most worth asking next (none once a
    warning sign has fired: the advice then is to be seen, not to answer more)."""
    if n <= 0 or assessment.triage.level != "self_care":
        return assessment
    listed = Interview(dict(case), model=model).next_questions(n)
    return assessment.model_copy(update={"next_questions": listed})


def _words(ask: Ask) -> str:
    """A question in words, a checklist with its items."""
    if ask.screen is None:
        return ask.text
    items = "; ".join((ask.options or {}).values())
    return f"{ask.text} {items}"
