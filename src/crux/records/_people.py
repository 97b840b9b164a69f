"""Persons and their cases, assessments and plans. Every query goes through the person,
and the person through the acting user's clinic: another clinic's record is "not found"."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crux.records import _audit
from crux.records._access import Actor
from crux.records._errors import NotFound, Stale
from crux.records._shapes import (
    AssessmentOut,
    CaseOut,
    PersonChange,
    PersonIn,
    PersonOut,
    PlanOut,
)
from crux.records._tables import AssessmentRow, Case, Person, PlanRow, now

T = TypeVar("T")
MAX_LISTED = 500  # persons in one page


def person_row(db: Session, actor: Actor, person_id: uuid.UUID) -> Person:
    """The person, if the actor may see them (their clinic; a link: only its person)."""
    person = db.get(Person, person_id)
    if (
        person is None
        or person.clinic_id != actor.clinic_id
        or (actor.kind == "link" and actor.person_id != person_id)
    ):
        raise NotFound("no such person in your clinic", field="person_id")
    return person


def person_out(person: Person) -> PersonOut:
    return PersonOut.model_validate(person, from_attributes=True)


def create_person(db: Session, actor: Actor, new: PersonIn) -> PersonOut:
    actor.must_be_user()
    person = Person(clinic_id=actor.clinic_id, **new.model_dump())
    db.add(person)
    db.flush()
    _audit.record(db, actor, "create", "person", person.id, person.id)
    return person_out(person)


def list_persons(db: Session, actor: Actor, search: str | None = None, limit: int = 100,
                 offset: int = 0) -> list[PersonOut]:
    """The clinic's persons by name, ``limit`` (at most 500) from ``offset``; each one
    listed is an audited read."""
    actor.must_be_user()
    query = select(Person).where(Person.clinic_id == actor.clinic_id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(Person.name.ilike(pattern) | Person.reference.ilike(pattern))
    query = query.order_by(Person.name, Person.id).offset(max(0, offset))
    found = [person_out(p) for p in db.scalars(query.limit(max(1, min(limit, MAX_LISTED))))]
    for person in found:
        _audit.record(db, actor, "read", "person", person.id, person.id, detail="listed")
    return found


def person_name(db: Session, actor: Actor, person_id: uuid.UUID) -> str:
    """The name the clinic knows the person by (what their own link shows them)."""
    person = person_row(db, actor, person_id)
    _audit.record(db, actor, "read", "person", person_id, person_id, detail="name")
    return person.name


def get_person(db: Session, actor: Actor, person_id: uuid.UUID) -> PersonOut:
    actor.must_be_user()
    person = person_row(db, actor, person_id)
    _audit.record(db, actor, "read", "person", person_id, person_id)
    return person_out(person)


def update_person(db: Session, actor: Actor, person_id: uuid.UUID, change: PersonChange,
                  if_version: int | None = None) -> PersonOut:
    """Change a person's details. With ``if_version`` the change applies only to that
    version (Conflict otherwise), so two people editing at once never lose an update."""
    actor.must_be_user()
    person = person_row(db, actor, person_id)
    given = change.model_dump(exclude_unset=True)
    if not given:  # nothing to change: no new version
        _audit.record(db, actor, "read", "person", person_id, person_id)
        return person_out(person)
    if if_version is not None and person.version != if_version:
        raise Stale(
            f"the person changed since it was read (version {person.version}, not "
            f"{if_version}); read it again and redo the change", field="If-Match",
        )
    for key, value in given.items():
        setattr(person, key, value)
    person.updated_at = now()
    try:
        db.flush()
    except StaleDataError:
        raise Stale("the person changed at the same moment; read it again",
                       field="If-Match") from None
    _audit.record(db, actor, "update", "person", person_id, person_id)
    return person_out(person)


# --------------------------------------------------------------------------- cases


def _case_out(case: Case) -> CaseOut:
    return CaseOut(id=case.id, person_id=case.person_id, case=case.data,
                   created_at=case.created_at)


def add_case(db: Session, actor: Actor, person_id: uuid.UUID, case: dict[str, Any]) -> CaseOut:
    """Keep a (validated) case; a case is never changed, a new one is added instead."""
    actor.must_be_user()
    person_row(db, actor, person_id)
    row = Case(person_id=person_id, data=case, created_by=actor.id)
    db.add(row)
    db.flush()
    _audit.record(db, actor, "create", "case", row.id, person_id)
    return _case_out(row)


def keep_case(db: Session, actor: Actor, person_id: uuid.UUID, case: dict[str, Any],
              assessment: dict[str, Any] | None) -> tuple[CaseOut, AssessmentOut | None]:
    """Keep a case and, when given, its assessment, in the same transaction."""
    kept = add_case(db, actor, person_id, case)
    if assessment is None:
        return kept, None
    return kept, add_assessment(db, actor, kept.id, assessment)


def _owned(db: Session, actor: Actor, table: type[T], ident: uuid.UUID, what: str,
           person_of: Callable[[T], uuid.UUID]) -> T:
    """A case, assessment or plan, if the actor may see the person it belongs to; "not
    found" otherwise, whether it does not exist or is another clinic's."""
    row = db.get(table, ident)
    if row is not None:
        try:
            person_row(db, actor, person_of(row))
            return row
        except NotFound:
            pass
    raise NotFound(f"no such {what} in your clinic", field=f"{what}_id")


def _case_row(db: Session, actor: Actor, case_id: uuid.UUID) -> Case:
    return _owned(db, actor, Case, case_id, "case", lambda c: c.person_id)


def get_case(db: Session, actor: Actor, case_id: uuid.UUID) -> CaseOut:
    actor.must_be_user()
    row = _case_row(db, actor, case_id)
    _audit.record(db, actor, "read", "case", case_id, row.person_id)
    return _case_out(row)


def list_cases(db: Session, actor: Actor, person_id: uuid.UUID) -> list[CaseOut]:
    actor.must_be_user()
    person = person_row(db, actor, person_id)
    _audit.record(db, actor, "read", "cases", None, person_id)
    return [_case_out(c) for c in person.cases]


# --------------------------------------------------------------------------- assessments


def _assessment_out(row: AssessmentRow) -> AssessmentOut:
    return AssessmentOut(id=row.id, case_id=row.case_id, knowledge_version=row.knowledge_version,
                         triage_level=row.triage_level, assessment=row.data,
                         created_at=row.created_at)


def add_assessment(db: Session, actor: Actor, case_id: uuid.UUID,
                   assessment: dict[str, Any]) -> AssessmentOut:
    """Keep an assessment of a case, with the knowledge version that made it."""
    actor.must_be_user()
    case = _case_row(db, actor, case_id)
    row = AssessmentRow(case_id=case_id, knowledge_version=assessment["knowledge_version"],
                        triage_level=assessment["triage"]["level"], data=assessment)
    db.add(row)
    db.flush()
    _audit.record(db, actor, "create", "assessment", row.id, case.person_id)
    return _assessment_out(row)


def _assessment_row(db: Session, actor: Actor, assessment_id: uuid.UUID) -> AssessmentRow:
    return _owned(db, actor, AssessmentRow, assessment_id, "assessment",
                  lambda a: a.case.person_id)


def get_assessment(db: Session, actor: Actor, assessment_id: uuid.UUID
                   ) -> tuple[AssessmentOut, dict[str, Any]]:
    """The assessment and the case it assessed."""
    actor.must_be_user()
    row = _assessment_row(db, actor, assessment_id)
    _audit.record(db, actor, "read", "assessment", assessment_id, row.case.person_id)
    return _assessment_out(row), row.case.data


def list_assessments(db: Session, actor: Actor, case_id: uuid.UUID) -> list[AssessmentOut]:
    actor.must_be_user()
    case = _case_row(db, actor, case_id)
    _audit.record(db, actor, "read", "assessments", case_id, case.person_id)
    return [_assessment_out(a) for a in case.assessments]


# --------------------------------------------------------------------------- plans


def _plan_out(row: PlanRow) -> PlanOut:
    return PlanOut(id=row.id, assessment_id=row.assessment_id,
                   knowledge_version=row.knowledge_version, start=row.start, weeks=row.weeks,
                   plan=row.data, created_at=row.created_at)


def add_plan(db: Session, actor: Actor, assessment_id: uuid.UUID, plan: dict[str, Any],
             start: date, weeks: int) -> PlanOut:
    actor.must_be_user()
    assessment = _assessment_row(db, actor, assessment_id)
    row = PlanRow(assessment_id=assessment_id, knowledge_version=plan["knowledge_version"],
                  start=start, weeks=weeks, data=plan)
    db.add(row)
    db.flush()
    _audit.record(db, actor, "create", "plan", row.id, assessment.case.person_id)
    return _plan_out(row)


def get_plan(db: Session, actor: Actor, plan_id: uuid.UUID) -> PlanOut:
    actor.must_be_user()
    row = _owned(db, actor, PlanRow, plan_id, "plan", lambda p: p.assessment.case.person_id)
    _audit.record(db, actor, "read", "plan", plan_id, row.assessment.case.person_id)
    return _plan_out(row)


def list_plans(db: Session, actor: Actor, assessment_id: uuid.UUID) -> list[PlanOut]:
    """The plans made from an assessment, oldest first."""
    actor.must_be_user()
    row = _assessment_row(db, actor, assessment_id)
    _audit.record(db, actor, "read", "plans", assessment_id, row.case.person_id)
    return [_plan_out(p) for p in row.plans]


def latest_plan(db: Session, actor: Actor, person_id: uuid.UUID) -> PlanOut | None:
    """The person's newest plan (what their link shows)."""
    person_row(db, actor, person_id)
    row = db.scalar(
        select(PlanRow).join(AssessmentRow).join(Case)
        .where(Case.person_id == person_id)
        .order_by(PlanRow.created_at.desc(), PlanRow.id).limit(1)
    )
    _audit.record(db, actor, "read", "plan", None if row is None else row.id, person_id,
                  detail="latest")
    return None if row is None else _plan_out(row)
