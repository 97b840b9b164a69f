"""The audit log: every read and write of a person's data, in the same transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from crux.records._access import Actor
from crux.records._shapes import AuditOut
from crux.records._tables import AuditEntry

MAX_LISTED = 1000


def record(db: Session, actor: Actor, action: str, entity: str, entity_id: object = None,
           person_id: uuid.UUID | None = None, detail: str = "") -> None:
    db.add(AuditEntry(
        clinic_id=actor.clinic_id,
        actor=actor.label,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        person_id=None if person_id is None else str(person_id),
        detail=detail[:200],
    ))


def entries(db: Session, actor: Actor, person_id: uuid.UUID | None = None,
            limit: int = 100) -> list[AuditOut]:
    """The clinic's log, newest first (its admins only)."""
    actor.must_be_admin()
    query = select(AuditEntry).where(AuditEntry.clinic_id == actor.clinic_id)
    if person_id is not None:
        query = query.where(AuditEntry.person_id == str(person_id))
    query = query.order_by(AuditEntry.id.desc()).limit(max(1, min(limit, MAX_LISTED)))
    return [AuditOut.model_validate(e, from_attributes=True) for e in db.scalars(query)]
