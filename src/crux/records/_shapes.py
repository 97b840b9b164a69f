"""What goes into the records and what comes out: pydantic models, checked on the way in
(unknown fields refused, values in range) and plain data on the way out."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from crux.vocabulary import load_vocabulary

SIDES = ("left", "right", "both", "central")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- accounts


class ClinicOut(_Out):
    id: int
    name: str


class UserIn(_In):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "practitioner"] = "practitioner"
    password: str = Field(min_length=10, max_length=200)


class UserOut(_Out):
    id: int
    clinic_id: int
    email: str
    name: str
    role: str
    active: bool


class SignedIn(_Out):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user: UserOut


# --------------------------------------------------------------------------- persons


class PersonIn(_In):
    name: str = Field(min_length=1, max_length=200, description="as the clinic knows them")
    reference: str | None = Field(default=None, max_length=100, description="the clinic's own")
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    notes: str = Field(default="", max_length=10_000)


class PersonChange(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    reference: str | None = Field(default=None, max_length=100)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    notes: str | None = Field(default=None, max_length=10_000)


class PersonOut(_Out):
    id: uuid.UUID
    name: str
    reference: str | None
    birth_year: int | None
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int


class CaseOut(_Out):
    id: uuid.UUID
    person_id: uuid.UUID
    case: dict[str, Any]
    created_at: datetime


class AssessmentOut(_Out):
    id: uuid.UUID
    case_id: uuid.UUID
    knowledge_version: str
    triage_level: str
    assessment: dict[str, Any]
    created_at: datetime


class PlanOut(_Out):
    id: uuid.UUID
    assessment_id: uuid.UUID
    knowledge_version: str
    start: date
    weeks: int
    plan: dict[str, Any]
    created_at: datetime


# --------------------------------------------------------------------------- progress


@cache
def _pain_model() -> type[BaseModel]:
    regions = tuple(load_vocabulary().regions)
    return create_model(
        "PainScore",
        __base__=_In,
        region=(Literal[regions], Field(description="a body-chart region")),  # type: ignore[valid-type]
        side=(Literal[SIDES], "central"),  # type: ignore[valid-type]
        score=(int, Field(ge=0, le=10, description="0 no pain, 10 the worst imaginable")),
    )


class FunctionScore(_In):
    """A Patient-Specific Functional Scale item: an activity the person finds hard, and
    how well they can do it now (0 unable, 10 as before)."""

    activity: str = Field(min_length=1, max_length=100)
    score: int = Field(ge=0, le=10)


def progress_in_model() -> type[BaseModel]:
    return _progress_in()


@cache
def _progress_in() -> type[BaseModel]:
    pain = _pain_model()
    return create_model(
        "ProgressIn",
        __base__=_In,
        day=(date, Field(description="the day it is about")),
        pain=(list[pain], Field(default_factory=list, max_length=50)),  # type: ignore[valid-type]
        function=(list[FunctionScore], Field(default_factory=list, max_length=10)),
        exercises_done=(list[str], Field(default_factory=list, max_length=60,
                                         description="intervention ids from the plan")),
        plan_id=(uuid.UUID | None, None),
        note=(str, Field(default="", max_length=2000)),
    )


class ProgressOut(_Out):
    id: uuid.UUID
    person_id: uuid.UUID
    plan_id: uuid.UUID | None
    day: date
    pain: list[dict[str, Any]]
    function: list[dict[str, Any]]
    exercises_done: list[str]
    note: str
    source: str
    created_at: datetime


# --------------------------------------------------------------------------- links, audit


class LinkIn(_In):
    days: int = Field(default=14, ge=1, le=90, description="how long the link works")


class LinkOut(_Out):
    token: str = Field(description="shown once; only its hash is kept")
    person_id: uuid.UUID
    expires_at: datetime


class AuditOut(_Out):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    person_id: str | None
    detail: str
