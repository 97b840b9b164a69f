"""Signing in and out, and a clinic's users."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from crux import records
from crux.api._context import CallerDep

router = APIRouter(tags=["accounts"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: records.Text = Field(min_length=1, max_length=320)
    password: records.Text = Field(min_length=1, max_length=200)


@router.post("/auth/token", response_model=records.SignedIn, summary="Sign in")
def sign_in(caller: CallerDep, credentials: Credentials) -> records.SignedIn:
    """A bearer token for the user's email and password; it expires (8 hours by default)."""
    with caller.store.transaction() as db:
        return records.sign_in(db, credentials.email, credentials.password,
                               hours=caller.services.token_hours)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
def sign_out(caller: CallerDep) -> None:
    """Revoke the token the request was made with."""
    with caller.signed_in() as (db, _):
        records.sign_out(db, caller.token or "")


@router.get("/me", response_model=records.UserOut, summary="The signed-in user")
def me(caller: CallerDep) -> records.UserOut:
    with caller.signed_in() as (db, actor):
        return records.me(db, actor)


@router.get("/users", response_model=list[records.UserOut], summary="The clinic's users")
def list_users(caller: CallerDep) -> list[records.UserOut]:
    with caller.signed_in() as (db, actor):
        return records.list_users(db, actor)


@router.post("/users", response_model=records.UserOut, status_code=status.HTTP_201_CREATED,
             summary="Add a user to the clinic (admins only)")
def add_user(caller: CallerDep, new: records.UserIn) -> records.UserOut:
    with caller.signed_in() as (db, actor):
        return records.add_user(db, actor, new)


@router.get("/audit", response_model=list[records.AuditOut],
            summary="The clinic's audit log, newest first (admins only)")
def audit(
    caller: CallerDep,
    person_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[records.AuditOut]:
    with caller.signed_in() as (db, actor):
        return records.audit_entries(db, actor, person_id, limit)
