"""Interviews over HTTP, with the same engine as ``crux interview``: start one from where it
hurts, answer the question it asks (or "don't know"), go back, and read the result. The
interview's id is its token: whoever holds it can carry on; one started for a clinic's
person is that clinic's only."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field

from crux import records
from crux.api._context import Caller, CallerDep
from crux.api._kept import CaseKept
from crux.api._live import Live, replay, stored
from crux.api._stateless import CASE_FIELD, parsed
from crux.contract import Assessment
from crux.interview import DONT_KNOW, Ask, Interview, InvalidAnswer
from crux.records import Conflict, Invalid

router = APIRouter(tags=["interviews"])
InterviewId = Annotated[str, Path(min_length=20, max_length=100,
                                  description="the token given when it started")]


class Item(BaseModel):
    id: str
    text: str


class QuestionOut(BaseModel):
    id: str = Field(description="answer with this id")
    text: str
    answer_type: str = Field(description="yes_no, number, choice, choices or region")
    phase: str = Field(description="safety (asked first) or gain")
    why: str | None = None
    unit: str | None = None
    range: tuple[float, float] | None = None
    options: dict[str, str] | None = Field(default=None, description="value: plain words")
    items: list[Item] = Field(default_factory=list, description="a checklist's items")


class Answered(BaseModel):
    question: str
    text: str
    answer: Any = Field(description="null: don't know")


class InterviewState(BaseModel):
    id: str | None = Field(default=None, description="given once, when it starts")
    question: QuestionOut | None
    done: bool
    reason: str = ""
    asked: int
    cap: int
    answers: list[Answered]
    case: dict[str, Any] = Field(description="the case so far")
    person_id: uuid.UUID | None = Field(default=None,
                                        description="the clinic's person it is for, if any")


class Start(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: dict[str, Any] = Field(
        json_schema_extra=CASE_FIELD,
        description="what is known: at least each complaint's region and side",
    )
    person_id: uuid.UUID | None = Field(default=None, description="signed in: for this person")


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=200, description="the id asked")
    answer: Any = Field(default=None, description="true/false, a number, an option, "
                                                  "{item: true/false} or a list of regions")
    dont_know: bool = False


def _question(ask: Ask, phase: str) -> QuestionOut:
    q = ask.question
    return QuestionOut(
        id=ask.id, text=ask.text, answer_type=ask.answer, phase=phase, why=ask.why,
        unit=q.unit if q else None, range=q.range if q else None, options=ask.options,
        items=[Item(id=i.asks, text=i.short or i.text) for i in ask.items],
    )


def _state(live: Live, token: str | None = None,
           person_id: uuid.UUID | None = None) -> InterviewState:
    interview = live.interview
    choice = interview.next()
    return InterviewState(
        id=token,
        question=None if choice.ask is None else _question(choice.ask, choice.phase),
        done=choice.ask is None,
        reason=choice.reason,
        asked=len(interview.steps),
        cap=interview.cap,
        answers=[Answered(question=s.ask.id, text=s.ask.text, answer=stored(s.answer))
                 for s in interview.steps],
        case=interview.case,
        person_id=person_id,
    )


def _make(caller: Caller) -> Any:
    return lambda start: Interview(start, model=caller.services.model())


def _live(caller: Caller, token: str) -> tuple[Live, records.KeptInterview]:
    with caller.maybe_signed_in() as (db, actor):
        kept = records.load_interview(db, actor, token)
    live = caller.services.interviews.get(kept.key, kept.version)
    if live is None:
        live = Live(replay(kept.start, kept.answers, _make(caller)), kept.version)
        caller.services.interviews.put(kept.key, live)
    return live, kept


def _keep(caller: Caller, token: str, live: Live, kept: records.KeptInterview) -> None:
    """Keep the live interview's answers; when that fails, the live copy is dropped (the
    kept answers are the truth: it is rebuilt from them next time)."""
    answers = [{"question": s.ask.id, "answer": stored(s.answer)}
               for s in live.interview.steps]
    try:
        with caller.maybe_signed_in() as (db, actor):
            now_kept = records.keep_answers(db, actor, token, answers, kept.version)
    except Exception:
        caller.services.interviews.drop(kept.key)
        raise
    live.version = now_kept.version
    caller.services.interviews.put(kept.key, live)


@router.post("/interviews", response_model=InterviewState, status_code=status.HTTP_201_CREATED,
             summary="Start an interview")
def start(caller: CallerDep, body: Start) -> InterviewState:
    """Safety questions come first; then each question is the one worth most."""
    case = parsed(body.case, "case.")
    if not case.complaints:
        raise Invalid("say where it hurts: at least one complaint with its region and side",
                      field="case.complaints")
    known = case.known()
    interview = _make(caller)(known)
    with caller.maybe_signed_in() as (db, actor):
        records.forget_expired(db)  # interviews past their day are deleted as new ones start
        token, kept = records.start_interview(db, actor, known, body.person_id)
    live = Live(interview, kept.version)
    caller.services.interviews.put(kept.key, live)
    with live.lock:
        return _state(live, token, kept.person_id)


@router.get("/interviews/{interview_id}", response_model=InterviewState,
            summary="Where an interview is: the question to answer now")
def state(caller: CallerDep, interview_id: InterviewId) -> InterviewState:
    live, kept = _live(caller, interview_id)
    with live.lock:
        return _state(live, person_id=kept.person_id)


@router.post("/interviews/{interview_id}/answer", response_model=InterviewState,
             summary="Answer the question asked now")
def answer(caller: CallerDep, interview_id: InterviewId, body: Answer) -> InterviewState:
    live, kept = _live(caller, interview_id)
    with live.lock:
        choice = live.interview.next()
        if choice.ask is None:
            raise Conflict(f"the interview is over ({choice.reason}); read its result",
                           field="question")
        if body.question != choice.ask.id:
            raise Conflict(f"the question asked now is {choice.ask.id}", field="question")
        value = DONT_KNOW if body.dont_know else body.answer
        if value is None:
            raise Invalid("give an answer, or dont_know: true", field="answer")
        if choice.ask.answer == "choices" and isinstance(value, dict) and not all(
            isinstance(v, bool) for v in value.values()
        ):
            raise Invalid("tick each item true or false", field="answer")
        try:
            live.interview.answer(choice.ask, value, choice.phase)
        except InvalidAnswer as err:
            raise Invalid(str(err), field="answer") from None
        _keep(caller, interview_id, live, kept)
        return _state(live, person_id=kept.person_id)


@router.post("/interviews/{interview_id}/back", response_model=InterviewState,
             summary="Go back one question")
def back(caller: CallerDep, interview_id: InterviewId) -> InterviewState:
    live, kept = _live(caller, interview_id)
    with live.lock:
        if not live.interview.steps:
            raise Conflict("this is the first question; there is nothing to go back to",
                           field="interview_id")
        live.interview.back()
        _keep(caller, interview_id, live, kept)
        return _state(live, person_id=kept.person_id)


@router.get("/interviews/{interview_id}/result", response_model=Assessment,
            summary="The assessment so far, with the questions most worth asking next")
def result(caller: CallerDep, interview_id: InterviewId) -> Assessment:
    live, _ = _live(caller, interview_id)
    with live.lock:
        return live.interview.assessment()


@router.post("/interviews/{interview_id}/save", response_model=CaseKept,
             status_code=status.HTTP_201_CREATED,
             summary="Keep the interview's case and assessment for its person")
def save(caller: CallerDep, interview_id: InterviewId) -> CaseKept:
    """Once: a second save is refused, and so is a save while it is being answered."""
    live, kept = _live(caller, interview_id)
    with live.lock:
        case = dict(live.interview.case)
        assessment = live.interview.assessment().model_dump(mode="json")
        version = live.version
    with caller.signed_in() as (db, actor):
        case_out, out = records.save_interview(db, actor, interview_id, version, case,
                                               assessment)
    caller.services.interviews.drop(kept.key)
    return CaseKept(case=case_out, assessment=out)
