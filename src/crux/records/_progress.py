"""Progress entries, and the expiring links through which a person logs their own."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from crux.records import _audit
from crux.records._access import Actor, new_token, token_hash
from crux.records._errors import Invalid, NotFound, Unauthorised
from crux.records._people import person_row
from crux.records._shapes import LinkIn, LinkOut, ProgressOut
from crux.records._tables import AssessmentRow, Case, Link, Person, PlanRow, Progress, now

MAX_LISTED = 2000


@cache
def _exercise_ids() -> frozenset[str]:
    from crux.knowledge import load_knowledge

    return frozenset(i.id for i in load_knowledge().interventions)


def progress_out(row: Progress) -> ProgressOut:
    return ProgressOut.model_validate(row, from_attributes=True)


def check_exercises(ids: list[str], field: str = "exercises_done") -> None:
    unknown = sorted(set(ids) - _exercise_ids())
    if unknown:
        raise Invalid(f"{', '.join(unknown)} is not an exercise of the knowledge base",
                      field=field)


def add_progress(db: Session, actor: Actor, person_id: uuid.UUID, entry: BaseModel
                 ) -> ProgressOut:
    """Log a day's pain, function and exercises (a practitioner, or the person by link)."""
    person_row(db, actor, person_id)
    data = entry.model_dump(mode="json")
    check_exercises(data["exercises_done"])
    plan_id = getattr(entry, "plan_id", None)
    if plan_id is not None:
        owner = db.scalar(select(Case.person_id).join(AssessmentRow).join(PlanRow)
                          .where(PlanRow.id == plan_id))
        if owner != person_id:
            raise NotFound("no such plan for this person", field="plan_id")
    row = Progress(person_id=person_id, plan_id=plan_id, day=entry.day,  # type: ignore[attr-defined]
                   pain=data["pain"], function=data["function"],
                   exercises_done=data["exercises_done"], note=data["note"],
                   source="link" if actor.kind == "link" else "practitioner")
    db.add(row)
    db.flush()
    _audit.record(db, actor, "create", "progress", row.id, person_id)
    return progress_out(row)


def list_progress(db: Session, actor: Actor, person_id: uuid.UUID) -> list[ProgressOut]:
    """A person's entries, oldest day first."""
    person_row(db, actor, person_id)
    rows = db.scalars(select(Progress).where(Progress.person_id == person_id)
                      .order_by(Progress.day, Progress.created_at).limit(MAX_LISTED))
    _audit.record(db, actor, "read", "progress", None, person_id)
    return [progress_out(r) for r in rows]


def create_link(db: Session, actor: Actor, person_id: uuid.UUID, wanted: LinkIn) -> LinkOut:
    """A link for the person to see their plan and log progress, for ``days``."""
    actor.must_be_user()
    person_row(db, actor, person_id)
    token = new_token()
    expires = now() + timedelta(days=wanted.days)
    link = Link(person_id=person_id, token_hash=token_hash(token), expires_at=expires,
                created_by=actor.id)
    db.add(link)
    db.flush()
    _audit.record(db, actor, "create", "link", link.id, person_id)
    return LinkOut(token=token, person_id=person_id, expires_at=expires)


def revoke_links(db: Session, actor: Actor, person_id: uuid.UUID) -> int:
    actor.must_be_user()
    person = person_row(db, actor, person_id)
    revoked = 0
    for link in person.links:
        if not link.revoked:
            link.revoked = True
            revoked += 1
    _audit.record(db, actor, "update", "link", None, person_id, detail=f"revoked {revoked}")
    return revoked


def actor_for_link(db: Session, token: str, at: datetime | None = None) -> Actor:
    link = db.scalar(select(Link).where(Link.token_hash == token_hash(token)))
    if link is None or link.revoked or link.expires_at <= (at or now()):
        raise Unauthorised("this link is unknown, expired or revoked; ask your practitioner "
                           "for a new one")
    owner = db.get(Person, link.person_id)
    if owner is None:
        raise Unauthorised("this link is unknown, expired or revoked")
    return Actor(owner.clinic_id, "link", link.id, None, owner.id)


def keep_for_oneself(db: Session, name: str, case: dict[str, Any],
                     assessment: dict[str, Any], plan: dict[str, Any],
                     days: int) -> LinkOut:
    """A record a person keeps for themselves, without a clinic or an account: their case,
    its assessment and plan, in the self-care clinic, reached only by the link returned
    (shown once)."""
    from crux.records._accounts import self_care_clinic
    from crux.records._people import add_plan, create_person, keep_case
    from crux.records._shapes import PersonIn

    actor = Actor(self_care_clinic(db), "system")
    person = create_person(db, actor, PersonIn(name=name))
    _, kept = keep_case(db, actor, person.id, case, assessment)
    assert kept is not None
    schedule = plan.get("schedule") or []
    start = date.fromisoformat(schedule[0]["date"]) if schedule else now().date()
    add_plan(db, actor, kept.id, plan, start, max(1, len(schedule) // 7))
    return create_link(db, actor, person.id, LinkIn(days=days))
