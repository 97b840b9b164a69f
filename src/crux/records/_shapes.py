"""What goes into the records and what comes out: pydantic models, checked on the way in
(unknown fields refused, values in range) and plain data on the way out."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
)

from crux.records._passwords import MAX_LENGTH, MIN_LENGTH
from crux.vocabulary import load_vocabulary

SIDES = ("left", "right", "both", "central")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not hold a NUL character (\\u0000)")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]  # every free text: PostgreSQL refuses NUL


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- accounts


class ClinicOut(_Out):
    id: int
    name: str


class UserIn(_In):
    email: Text = Field(min_length=3, max_length=320, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")
    name: Text = Field(min_length=1, max_length=200)
    role: Literal["admin", "practitioner"] = "practitioner"
    password: Text = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


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


Name = Annotated[Text, Field(min_length=1, max_length=200, description="as the clinic knows them")]
Reference = Annotated[Text, Field(max_length=100, description="the clinic's own")]
BirthYear = Annotated[int, Field(ge=1900, le=2100)]
Notes = Annotated[Text, Field(max_length=10_000)]


class PersonIn(_In):
    name: Name
    reference: Reference | None = None
    birth_year: BirthYear | None = None
    notes: Notes = ""


class PersonChange(_In):
    """Only the fields given change; reference and birth_year can be cleared with null,
    name and notes cannot (notes: give "" to clear)."""

    name: Name | None = None
    reference: Reference | None = None
    birth_year: BirthYear | None = None
    notes: Notes | None = None

    @field_validator("name", "notes")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("may not be null")
        return value


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

    activity: Text = Field(min_length=1, max_length=100)
    score: int = Field(ge=0, le=10)


def progress_in_model() -> type[BaseModel]:
    return _progress_in()


class _ProgressBase(_In):
    @field_validator("day", check_fields=False)
    @classmethod
    def _plausible_day(cls, value: date) -> date:
        if not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(f"give a day from {FIRST_DAY} to {LAST_DAY}")
        return value

    @field_validator("pain", check_fields=False)
    @classmethod
    def _one_score_per_place(cls, value: list[Any]) -> list[Any]:
        places = [(p.region, p.side) for p in value]
        if len(set(places)) != len(places):
            raise ValueError("one score per region and side")
        return value

    @field_validator("function", check_fields=False)
    @classmethod
    def _one_score_per_activity(cls, value: list[FunctionScore]) -> list[FunctionScore]:
        names = [f.activity.casefold() for f in value]
        if len(set(names)) != len(names):
            raise ValueError("one score per activity")
        return value


@cache
def _progress_in() -> type[BaseModel]:
    pain = _pain_model()
    return create_model(
        "ProgressIn",
        __base__=_ProgressBase,
        day=(date, Field(description="the day it is about")),
        pain=(list[pain], Field(default_factory=list, max_length=50)),  # type: ignore[valid-type]
        function=(list[FunctionScore], Field(default_factory=list, max_length=10)),
        exercises_done=(list[Text], Field(default_factory=list, max_length=60,
                                          description="intervention ids from the plan")),
        plan_id=(uuid.UUID | None, None),
        note=(Text, Field(default="", max_length=2000)),
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
