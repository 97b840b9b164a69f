"""What a request works with: the store, the compiled model, the interviews in memory, and
who is calling (a bearer token, when given)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from crux.api._live import LiveInterviews
from crux.assess import Model, shipped_model
from crux.records import (
    TOKEN_HOURS,
    Actor,
    Store,
    Unauthorised,
    actor_for_link,
    actor_for_token,
)


@dataclass
class Services:
    store: Store
    model: Callable[[], Model] = shipped_model
    token_hours: float = TOKEN_HOURS
    interviews: LiveInterviews = field(default_factory=LiveInterviews)


_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/token")


@dataclass
class Caller:
    services: Services
    token: str | None

    @property
    def store(self) -> Store:
        return self.services.store

    @contextmanager
    def signed_in(self) -> Iterator[tuple[Session, Actor]]:
        """A transaction as the signed-in user; Unauthorised without a valid token."""
        if not self.token:
            raise Unauthorised("sign in first: send Authorization: Bearer <token>")
        with self.store.transaction() as db:
            yield db, actor_for_token(db, self.token)

    @contextmanager
    def maybe_signed_in(self) -> Iterator[tuple[Session, Actor | None]]:
        """A transaction as the signed-in user when a token is given, else anonymous."""
        with self.store.transaction() as db:
            yield db, (actor_for_token(db, self.token) if self.token else None)

    @contextmanager
    def through_link(self, link: str) -> Iterator[tuple[Session, Actor]]:
        with self.store.transaction() as db:
            yield db, actor_for_link(db, link)


def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    return Caller(request.app.state.crux, credentials.credentials if credentials else None)


CallerDep = Annotated[Caller, Depends(_caller)]
