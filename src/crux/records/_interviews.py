"""Interviews in progress, kept so that a person can come back to one (or the server can
restart): where it started and the answers so far. The token is the key; only its hash
is kept. An interview started for a clinic's person is that clinic's: its users only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crux.records import _audit
from crux.records._access import Actor, new_token, token_hash
from crux.records._errors import Conflict, Invalid, NotFound, Stale
from crux.records._people import keep_case, person_row
from crux.records._shapes import AssessmentOut, CaseOut
from crux.records._tables import InterviewRow, now

INTERVIEW_HOURS = 24.0


@dataclass(frozen=True)
class KeptInterview:
    key: str  # the token's hash
    start: dict[str, Any]
    answers: list[dict[str, Any]]
    person_id: uuid.UUID | None
    clinic_id: int | None
    version: int
    expires_at: datetime


def _kept(row: InterviewRow) -> KeptInterview:
    return KeptInterview(row.id, row.start, list(row.answers), row.person_id, row.clinic_id,
                         row.version, row.expires_at)


def start_interview(db: Session, actor: Actor | None, start: dict[str, Any],
                    person_id: uuid.UUID | None = None,
                    hours: float = INTERVIEW_HOURS) -> tuple[str, KeptInterview]:
    """Keep a new interview; returns its token (shown once) and what is kept."""
    clinic = None
    if person_id is not None:
        if actor is None:
            raise NotFound("no such person in your clinic", field="person_id")
        actor.must_be_user()
        person_row(db, actor, person_id)
        clinic = actor.clinic_id
    elif actor is not None and actor.kind == "user":
        clinic = actor.clinic_id
    token = new_token()
    row = InterviewRow(id=token_hash(token), clinic_id=clinic, person_id=person_id,
                       start=start, answers=[], expires_at=now() + timedelta(hours=hours))
    db.add(row)
    db.flush()
    if actor is not None and person_id is not None:
        _audit.record(db, actor, "create", "interview", row.id[:16], person_id)
    return token, _kept(row)


def _row(db: Session, actor: Actor | None, token: str) -> InterviewRow:
    row = db.get(InterviewRow, token_hash(token))
    if row is None or row.expires_at <= now():
        raise NotFound("no such interview (or it expired after a day); start a new one",
                       field="interview_id")
    if row.clinic_id is not None and (
        actor is None or actor.kind != "user" or actor.clinic_id != row.clinic_id
    ):
        raise NotFound("no such interview (or it expired after a day); start a new one",
                       field="interview_id")
    return row


def load_interview(db: Session, actor: Actor | None, token: str) -> KeptInterview:
    row = _row(db, actor, token)
    if actor is not None and row.person_id is not None:
        _audit.record(db, actor, "read", "interview", row.id[:16], row.person_id)
    return _kept(row)


def keep_answers(db: Session, actor: Actor | None, token: str, answers: list[dict[str, Any]],
                 if_version: int) -> KeptInterview:
    """Replace the answers, if nobody else changed them since ``if_version``."""
    row = _row(db, actor, token)
    if row.version != if_version:
        raise Stale("the interview was answered elsewhere at the same time; reload it",
                       field="interview_id")
    row.answers = answers
    try:
        db.flush()
    except StaleDataError:
        raise Stale("the interview was answered elsewhere at the same time; reload it",
                       field="interview_id") from None
    if actor is not None and row.person_id is not None:
        _audit.record(db, actor, "update", "interview", row.id[:16], row.person_id)
    return _kept(row)


def save_interview(db: Session, actor: Actor, token: str, if_version: int,
                   case: dict[str, Any], assessment: dict[str, Any]
                   ) -> tuple[CaseOut, AssessmentOut | None]:
    """Keep the interview's case and assessment for its person, once: in one transaction
    with the check that the answers are those the result was made from."""
    actor.must_be_user()
    row = _row(db, actor, token)
    if row.person_id is None:
        raise Invalid("this interview was not started for a person (give person_id when "
                      "starting it)", field="person_id")
    if row.version != if_version:
        raise Stale("the interview was answered elsewhere at the same time; reload it",
                    field="interview_id")
    if row.saved_case_id is not None:
        raise Conflict("this interview is already saved (as a case of the person)",
                       field="interview_id")
    kept = keep_case(db, actor, row.person_id, case, assessment)
    row.saved_case_id = kept[0].id  # a new version of the row (SQLAlchemy counts it)
    return kept


def forget_expired(db: Session) -> int:
    """Delete interviews past their time; returns how many."""
    result = db.execute(delete(InterviewRow).where(InterviewRow.expires_at <= now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
