"""Assess a case, or make its plan, without keeping anything: ``POST /assess``,
``POST /plan``, and the contract's JSON Schemas."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from crux.api._context import CallerDep
from crux.api._render import PlanFormat, plan_response
from crux.contract import (
    Assessment,
    CaseError,
    assessment_json_schema,
    case_json_schema,
    parse_case,
)

router = APIRouter(tags=["assess"])

CASE_REF = {"$ref": "#/components/schemas/Case"}
# marks a field that holds a case; crux.api's OpenAPI puts the contract's schema there
CASE_FIELD: dict[str, Any] = {"x-crux-case": True}
MAX_QUESTIONS = 10


def parsed(data: Any, prefix: str = "") -> Any:
    """The validated case; CaseError (422, naming each field) when refused."""
    try:
        return parse_case(data)
    except CaseError as err:
        err.prefix = prefix  # type: ignore[attr-defined]
        raise


def assessed(case: Any, caller: Any, questions: int) -> Assessment:
    from crux.assess import assess
    from crux.interview import with_next_questions

    model = caller.services.model()
    return with_next_questions(assess(case, model), case.known(), model, questions)


@router.post(
    "/assess",
    response_model=Assessment,
    summary="Assess a case (nothing is kept)",
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"application/json": {"schema": CASE_REF}}}},
)
def assess_case(
    caller: CallerDep,
    case: Annotated[Any, Body(description="a case, as in the contract")],
    questions: Annotated[int, Query(ge=0, le=MAX_QUESTIONS,
                                    description="how many next questions to list")] = 3,
) -> Assessment:
    """Triage first, then the likely root causes, explained, and the questions most worth
    asking next. Supports decisions; it is not a diagnosis."""
    return assessed(parsed(case), caller, questions)


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: dict[str, Any] = Field(json_schema_extra=CASE_FIELD)
    start: date | None = Field(default=None, description="the first day (default: today)")
    weeks: int = Field(default=4, ge=1, le=52)


@router.post(
    "/plan",
    summary="Make a self-care plan for a case (nothing is kept)",
    responses={200: {"content": {"application/json": {}, "text/html": {},
                                 "application/pdf": {}, "text/calendar": {}}}},
)
def plan_case(
    caller: CallerDep,
    request: PlanRequest,
    format: Annotated[PlanFormat, Query(description="json, html, pdf or ics")] = PlanFormat.json,
) -> Response:
    """Triage gates the plan: at emergency or urgent it holds only the advice."""
    from crux.assess import assess
    from crux.plan import build_plan

    case = parsed(request.case, "case.")
    model = caller.services.model()
    made = build_plan(case.known(), assess(case, model), model.kb, start=request.start,
                      weeks=request.weeks)
    return plan_response(made, format)


class SchemaName(StrEnum):
    case = "case"
    assessment = "assessment"


@router.get("/schema/{name}", summary="The contract's JSON Schema of a case or an assessment")
def schema(name: SchemaName) -> dict[str, Any]:
    return case_json_schema() if name is SchemaName.case else assessment_json_schema()
