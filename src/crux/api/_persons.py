"""A clinic's persons and what is kept about them: cases, assessments, plans, progress,
links for the person, export, import and erasure. Signed-in users only; another clinic's
records are "not found"."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from crux import records
from crux.api._context import CallerDep
from crux.api._kept import CaseKept
from crux.api._render import PlanFormat, plan_response
from crux.api._stateless import CASE_FIELD, MAX_QUESTIONS, assessed, parsed
from crux.records import Invalid

router = APIRouter(tags=["records"])
ProgressIn = records.progress_in_model()


def _version(if_match: str | None) -> int | None:
    """An ``If-Match: "3"`` header as the version 3."""
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise Invalid('give the version read, as If-Match: "3"', field="If-Match")
    return int(raw)


# --------------------------------------------------------------------------- persons


@router.get("/persons", response_model=list[records.PersonOut], summary="The clinic's persons")
def list_persons(
    caller: CallerDep,
    search: Annotated[str | None, Query(max_length=100, pattern="^[^\x00]*$",
                                       description="part of a name or reference")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[records.PersonOut]:
    """By name, ``limit`` at a time from ``offset`` (a short page means the last)."""
    with caller.signed_in() as (db, actor):
        return records.list_persons(db, actor, search, limit, offset)


@router.post("/persons", response_model=records.PersonOut, status_code=status.HTTP_201_CREATED,
             summary="Add a person")
def create_person(caller: CallerDep, new: records.PersonIn) -> records.PersonOut:
    with caller.signed_in() as (db, actor):
        return records.create_person(db, actor, new)


@router.get("/persons/{person_id}", response_model=records.PersonOut, summary="A person")
def get_person(caller: CallerDep, person_id: uuid.UUID, response: Response
               ) -> records.PersonOut:
    with caller.signed_in() as (db, actor):
        person = records.get_person(db, actor, person_id)
    response.headers["ETag"] = f'"{person.version}"'
    return person


@router.patch("/persons/{person_id}", response_model=records.PersonOut,
              summary="Change a person's details")
def update_person(
    caller: CallerDep, person_id: uuid.UUID, change: records.PersonChange, response: Response,
    if_match: Annotated[str | None, Header(description='the version read, e.g. "3"')] = None,
) -> records.PersonOut:
    """With If-Match, the change applies only to that version (412 otherwise)."""
    with caller.signed_in() as (db, actor):
        person = records.update_person(db, actor, person_id, change, _version(if_match))
    response.headers["ETag"] = f'"{person.version}"'
    return person


@router.delete("/persons/{person_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Erase a person and everything kept about them")
def erase_person(caller: CallerDep, person_id: uuid.UUID) -> None:
    with caller.signed_in() as (db, actor):
        records.erase_person(db, actor, person_id)


@router.get("/persons/{person_id}/export", response_model=records.PersonExport,
            summary="Everything kept about a person, as one JSON document")
def export_person(caller: CallerDep, person_id: uuid.UUID) -> records.PersonExport:
    with caller.signed_in() as (db, actor):
        return records.export_person(db, actor, person_id)


class Imported(BaseModel):
    person_id: uuid.UUID


@router.post("/persons/import", response_model=Imported, status_code=status.HTTP_201_CREATED,
             summary="Import an exported person into the clinic")
def import_person(caller: CallerDep, document: records.PersonExport) -> Imported:
    with caller.signed_in() as (db, actor):
        return Imported(person_id=records.import_person(db, actor, document))


# --------------------------------------------------------------------------- cases


@router.get("/persons/{person_id}/cases", response_model=list[records.CaseOut],
            summary="A person's cases, oldest first")
def list_cases(caller: CallerDep, person_id: uuid.UUID) -> list[records.CaseOut]:
    with caller.signed_in() as (db, actor):
        return records.list_cases(db, actor, person_id)


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: dict[str, Any] = Field(json_schema_extra=CASE_FIELD)
    assess: bool = Field(default=True, description="assess it at once and keep the result")
    questions: int = Field(default=3, ge=0, le=MAX_QUESTIONS)


@router.post("/persons/{person_id}/cases", response_model=CaseKept,
             status_code=status.HTTP_201_CREATED, summary="Keep a case (and its assessment)")
def add_case(caller: CallerDep, person_id: uuid.UUID, new: CaseIn) -> CaseKept:
    """A case is never changed: an adjusted case is a new one, so nothing is lost."""
    case = parsed(new.case, "case.")
    result = assessed(case, caller, new.questions) if new.assess else None
    with caller.signed_in() as (db, actor):
        kept, out = records.keep_case(db, actor, person_id, case.known(),
                                      None if result is None else result.model_dump(mode="json"))
        return CaseKept(case=kept, assessment=out)


@router.get("/cases/{case_id}", response_model=records.CaseOut, summary="A case")
def get_case(caller: CallerDep, case_id: uuid.UUID) -> records.CaseOut:
    with caller.signed_in() as (db, actor):
        return records.get_case(db, actor, case_id)


@router.get("/cases/{case_id}/assessments", response_model=list[records.AssessmentOut],
            summary="A case's assessments, oldest first")
def list_assessments(caller: CallerDep, case_id: uuid.UUID) -> list[records.AssessmentOut]:
    with caller.signed_in() as (db, actor):
        return records.list_assessments(db, actor, case_id)


@router.post("/cases/{case_id}/assessments", response_model=records.AssessmentOut,
             status_code=status.HTTP_201_CREATED,
             summary="Assess a kept case again (with the knowledge as it is now)")
def assess_again(caller: CallerDep, case_id: uuid.UUID,
                 questions: Annotated[int, Query(ge=0, le=MAX_QUESTIONS)] = 3
                 ) -> records.AssessmentOut:
    with caller.signed_in() as (db, actor):
        kept = records.get_case(db, actor, case_id)
    result = assessed(parsed(kept.case), caller, questions)
    with caller.signed_in() as (db, actor):
        return records.add_assessment(db, actor, case_id, result.model_dump(mode="json"))


@router.get("/assessments/{assessment_id}", response_model=records.AssessmentOut,
            summary="An assessment")
def get_assessment(caller: CallerDep, assessment_id: uuid.UUID) -> records.AssessmentOut:
    with caller.signed_in() as (db, actor):
        return records.get_assessment(db, actor, assessment_id)[0]


# --------------------------------------------------------------------------- plans


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date | None = Field(default=None, description="the first day (default: today)")
    weeks: int = Field(default=4, ge=1, le=52)


@router.post("/assessments/{assessment_id}/plans", response_model=records.PlanOut,
             status_code=status.HTTP_201_CREATED, summary="Make and keep the plan")
def add_plan(caller: CallerDep, assessment_id: uuid.UUID, wanted: PlanIn) -> records.PlanOut:
    from crux.contract import Assessment
    from crux.plan import build_plan

    with caller.signed_in() as (db, actor):
        kept, case = records.get_assessment(db, actor, assessment_id)
    model = caller.services.model()
    start = wanted.start or date.today()
    made = build_plan(case, Assessment.model_validate(kept.assessment), model.kb,
                      start=start, weeks=wanted.weeks)
    with caller.signed_in() as (db, actor):
        return records.add_plan(db, actor, assessment_id, made.model_dump(mode="json"),
                                start, wanted.weeks)


@router.get(
    "/plans/{plan_id}", summary="A kept plan: JSON, the handout (HTML or PDF) or a calendar",
    responses={200: {"content": {"application/json": {}, "text/html": {},
                                 "application/pdf": {}, "text/calendar": {}}}},
)
def get_plan(caller: CallerDep, plan_id: uuid.UUID,
             format: Annotated[PlanFormat, Query()] = PlanFormat.json) -> Response:
    with caller.signed_in() as (db, actor):
        kept = records.get_plan(db, actor, plan_id)
    if format is PlanFormat.json:
        return Response(kept.model_dump_json(), media_type="application/json")
    from crux.plan import Plan

    return plan_response(Plan.model_validate(kept.plan), format)


# --------------------------------------------------------------------------- progress, links


@router.get("/persons/{person_id}/progress", response_model=list[records.ProgressOut],
            summary="A person's progress, oldest day first")
def list_progress(caller: CallerDep, person_id: uuid.UUID) -> list[records.ProgressOut]:
    with caller.signed_in() as (db, actor):
        return records.list_progress(db, actor, person_id)


@router.post("/persons/{person_id}/progress", response_model=records.ProgressOut,
             status_code=status.HTTP_201_CREATED, summary="Log a day's progress")
def add_progress(caller: CallerDep, person_id: uuid.UUID,
                 entry: ProgressIn) -> records.ProgressOut:  # type: ignore[valid-type]
    with caller.signed_in() as (db, actor):
        return records.add_progress(db, actor, person_id, entry)


@router.post("/persons/{person_id}/links", response_model=records.LinkOut,
             status_code=status.HTTP_201_CREATED,
             summary="A link for the person to see their plan and log progress")
def create_link(caller: CallerDep, person_id: uuid.UUID,
                wanted: records.LinkIn) -> records.LinkOut:
    with caller.signed_in() as (db, actor):
        return records.create_link(db, actor, person_id, wanted)


class Revoked(BaseModel):
    revoked: int


@router.delete("/persons/{person_id}/links", response_model=Revoked,
               summary="Revoke every link of the person")
def revoke_links(caller: CallerDep, person_id: uuid.UUID) -> Revoked:
    with caller.signed_in() as (db, actor):
        return Revoked(revoked=records.revoke_links(db, actor, person_id))
