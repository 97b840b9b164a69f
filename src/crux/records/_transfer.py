"""A person's data whole: exported as one JSON document, imported back exactly (same ids,
same moments), and erased."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crux.records import _audit
from crux.records._access import Actor
from crux.records._errors import Conflict, Invalid
from crux.records._people import person_row
from crux.records._progress import check_exercises
from crux.records._shapes import BirthYear, FunctionScore, Name, Notes, Reference, progress_in_model
from crux.records._tables import AssessmentRow, Case, InterviewRow, Person, PlanRow, Progress

FORMAT = "crux-person"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanDoc(_Doc):
    id: uuid.UUID
    created_at: AwareDatetime
    knowledge_version: str = Field(max_length=64)
    start: date
    weeks: int = Field(ge=1, le=52)
    plan: dict[str, Any]


class AssessmentDoc(_Doc):
    id: uuid.UUID
    created_at: AwareDatetime
    knowledge_version: str = Field(max_length=64)
    triage_level: Literal["emergency", "urgent", "soon", "self_care"]
    assessment: dict[str, Any]
    plans: list[PlanDoc] = Field(default_factory=list)


class CaseDoc(_Doc):
    id: uuid.UUID
    created_at: AwareDatetime
    case: dict[str, Any]
    assessments: list[AssessmentDoc] = Field(default_factory=list)


class ProgressDoc(_Doc):
    id: uuid.UUID
    created_at: AwareDatetime
    day: date
    pain: list[dict[str, Any]]
    function: list[FunctionScore]
    exercises_done: list[str]
    plan_id: uuid.UUID | None = None
    note: str = ""
    source: Literal["practitioner", "link"] = "practitioner"


class PersonDoc(_Doc):
    id: uuid.UUID
    name: Name
    reference: Reference | None = None
    birth_year: BirthYear | None = None
    notes: Notes = ""
    created_at: AwareDatetime
    updated_at: AwareDatetime


class InterviewDoc(_Doc):
    """An interview kept for the person: where it started and the answers so far (its
    key is the hash of its token, never the token)."""

    key: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    created_at: AwareDatetime
    expires_at: AwareDatetime
    start: dict[str, Any]
    answers: list[dict[str, Any]]
    saved_case_id: uuid.UUID | None = None


class PersonExport(_Doc):
    """Everything kept about a person, in one document."""

    format: Literal["crux-person"] = FORMAT
    version: Literal[1] = 1
    person: PersonDoc
    cases: list[CaseDoc] = Field(default_factory=list)
    progress: list[ProgressDoc] = Field(default_factory=list)
    interviews: list[InterviewDoc] = Field(default_factory=list)


def export_person(db: Session, actor: Actor, person_id: uuid.UUID) -> PersonExport:
    actor.must_be_user()
    person = person_row(db, actor, person_id)
    doc = PersonExport(
        person=PersonDoc.model_validate(person, from_attributes=True),
        cases=[
            CaseDoc(id=c.id, created_at=c.created_at, case=c.data, assessments=[
                AssessmentDoc(id=a.id, created_at=a.created_at,
                              knowledge_version=a.knowledge_version,
                              triage_level=a.triage_level,  # type: ignore[arg-type]
                              assessment=a.data, plans=[
                                  PlanDoc(id=p.id, created_at=p.created_at,
                                          knowledge_version=p.knowledge_version,
                                          start=p.start, weeks=p.weeks, plan=p.data)
                                  for p in a.plans])
                for a in c.assessments])
            for c in person.cases
        ],
        progress=[ProgressDoc.model_validate(p, from_attributes=True)
                  for p in sorted(person.progress, key=lambda p: (p.created_at, str(p.id)))],
        interviews=[
            InterviewDoc(key=i.id, created_at=i.created_at, expires_at=i.expires_at,
                         start=i.start, answers=i.answers, saved_case_id=i.saved_case_id)
            for i in db.scalars(select(InterviewRow).where(InterviewRow.person_id == person_id)
                                .order_by(InterviewRow.created_at, InterviewRow.id))
        ],
    )
    _audit.record(db, actor, "export", "person", person_id, person_id)
    return doc


def _invalid(err: ValidationError, where: str) -> Invalid:
    """The first problem of a validation, at its full path under ``where``."""
    first = err.errors()[0]
    path = where
    for part in first["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return Invalid(str(first["msg"]), field=path)


def _check_contents(doc: PersonExport) -> None:
    """What an import holds must be what Crux itself would have kept, and say the same
    in its summary fields as in its content."""
    from crux.contract import Assessment, CaseError, parse_case
    from crux.plan import Plan

    for i, case in enumerate(doc.cases):
        try:
            parse_case(case.case)
        except CaseError as err:
            first = err.problems[0]
            raise Invalid(first.message, field=f"cases[{i}].case.{first.path}") from None
        for j, assessment in enumerate(case.assessments):
            where = f"cases[{i}].assessments[{j}]"
            try:
                made = Assessment.model_validate(assessment.assessment)
            except ValidationError as err:
                raise _invalid(err, f"{where}.assessment") from None
            if made.triage.level != assessment.triage_level:
                raise Invalid(f"the assessment's triage level is {made.triage.level}",
                              field=f"{where}.triage_level")
            if made.knowledge_version != assessment.knowledge_version:
                raise Invalid("differs from the assessment's own knowledge version",
                              field=f"{where}.knowledge_version")
            for k, plan in enumerate(assessment.plans):
                try:
                    planned = Plan.model_validate(plan.plan)
                except ValidationError as err:
                    raise _invalid(err, f"{where}.plans[{k}].plan") from None
                if planned.knowledge_version != plan.knowledge_version:
                    raise Invalid("differs from the plan's own knowledge version",
                                  field=f"{where}.plans[{k}].knowledge_version")
    shape = progress_in_model()
    for i, entry in enumerate(doc.progress):
        try:
            shape.model_validate({"day": entry.day, "pain": entry.pain,
                                  "function": [f.model_dump() for f in entry.function],
                                  "exercises_done": entry.exercises_done, "note": entry.note})
        except ValidationError as err:
            raise _invalid(err, f"progress[{i}]") from None
        check_exercises(entry.exercises_done, f"progress[{i}].exercises_done")


def _taken(db: Session, table: type, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if not ids:
        return []
    return list(db.scalars(select(table.id).where(table.id.in_(ids))))  # type: ignore[attr-defined]


_DOC_FIELD = {"persons": "person", "cases": "cases", "assessments": "cases[].assessments",
              "plans": "cases[].assessments[].plans", "progress": "progress",
              "interviews": "interviews"}


def import_person(db: Session, actor: Actor, doc: PersonExport) -> uuid.UUID:
    """Add an exported person to the actor's clinic, with the same ids and moments.
    Refused (Conflict) when any of its ids is already in use."""
    try:
        return _import(db, actor, doc)
    except IntegrityError:  # the same ids saved at the same moment by another import
        raise Conflict("an id of this document is already in use",
                       field="person.id") from None


def _import(db: Session, actor: Actor, doc: PersonExport) -> uuid.UUID:
    actor.must_be_user()
    _check_contents(doc)
    plans = [p for c in doc.cases for a in c.assessments for p in a.plans]
    wanted = {
        Person: [doc.person.id],
        Case: [c.id for c in doc.cases],
        AssessmentRow: [a.id for c in doc.cases for a in c.assessments],
        PlanRow: [p.id for p in plans],
        Progress: [p.id for p in doc.progress],
        InterviewRow: [i.key for i in doc.interviews],
    }
    for table, ids in wanted.items():
        if len(set(ids)) != len(ids):
            raise Invalid(f"an id appears twice among the {table.__tablename__}",
                          field=f"{_DOC_FIELD[table.__tablename__]}.id")
        if _taken(db, table, ids):  # kept here, or by another clinic: never say which
            raise Conflict("an id of this document is already in use; erase the person "
                           "first or import a copy with new ids",
                           field=f"{_DOC_FIELD[table.__tablename__]}.id")
    plan_ids = {p.id for p in plans}
    for i, entry in enumerate(doc.progress):
        if entry.plan_id is not None and entry.plan_id not in plan_ids:
            raise Invalid(f"plan {entry.plan_id} is not among this person's plans",
                          field=f"progress[{i}].plan_id")
    p = doc.person
    db.add(Person(id=p.id, clinic_id=actor.clinic_id, name=p.name, reference=p.reference,
                  birth_year=p.birth_year, notes=p.notes, created_at=p.created_at,
                  updated_at=p.updated_at))
    db.flush()
    for c in doc.cases:
        db.add(Case(id=c.id, person_id=p.id, data=c.case, created_at=c.created_at,
                    created_by=actor.id))
        for a in c.assessments:
            db.add(AssessmentRow(id=a.id, case_id=c.id, knowledge_version=a.knowledge_version,
                                 triage_level=a.triage_level, data=a.assessment,
                                 created_at=a.created_at))
            for plan in a.plans:
                db.add(PlanRow(id=plan.id, assessment_id=a.id,
                               knowledge_version=plan.knowledge_version, start=plan.start,
                               weeks=plan.weeks, data=plan.plan, created_at=plan.created_at))
    db.flush()
    for e in doc.progress:
        db.add(Progress(id=e.id, person_id=p.id, plan_id=e.plan_id, day=e.day, pain=e.pain,
                        function=[f.model_dump() for f in e.function],
                        exercises_done=e.exercises_done, note=e.note, source=e.source,
                        created_at=e.created_at))
    case_ids = {c.id for c in doc.cases}
    for i, kept in enumerate(doc.interviews):
        if kept.saved_case_id is not None and kept.saved_case_id not in case_ids:
            raise Invalid("not among this person's cases",
                          field=f"interviews[{i}].saved_case_id")
        db.add(InterviewRow(id=kept.key, clinic_id=actor.clinic_id, person_id=p.id,
                            start=kept.start, answers=kept.answers, created_at=kept.created_at,
                            expires_at=kept.expires_at, saved_case_id=kept.saved_case_id))
    db.flush()
    _audit.record(db, actor, "import", "person", p.id, p.id,
                  detail=f"{len(doc.cases)} cases, {len(doc.progress)} progress entries")
    return p.id


def erase_person(db: Session, actor: Actor, person_id: uuid.UUID) -> None:
    """Delete the person and everything kept about them (cases, assessments, plans,
    progress, links, interviews). The audit log keeps only ids and actions."""
    actor.must_be_user()
    person = person_row(db, actor, person_id)
    db.delete(person)
    db.flush()
    _audit.record(db, actor, "erase", "person", person_id, person_id)
