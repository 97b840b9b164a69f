"""Who is at the browser: a practitioner signed in with a cookie that holds their bearer
token (HttpOnly, SameSite=Lax; Secure over HTTPS), or nobody. Forms that change a
practitioner's records carry a token derived from the cookie (CSRF), which another site
cannot read."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request, Response
from sqlalchemy.orm import Session

from crux import records
from crux.api import Services

COOKIE = "crux_session"


class SignInNeeded(Exception):
    """The page needs a signed-in practitioner; the browser is sent to sign in."""


def services(request: Request) -> Services:
    return request.app.state.crux  # type: ignore[no-any-return]


def csrf_token(request: Request) -> str:
    token = request.cookies.get(COOKIE, "")
    return hashlib.sha256(f"csrf:{token}".encode()).hexdigest()[:32] if token else ""


def check_csrf(request: Request, given: str | None) -> None:
    expected = csrf_token(request)
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise records.Forbidden("the form has expired; open the page again and resend it",
                                field="csrf")


def set_cookie(request: Request, response: Response, signed: records.SignedIn) -> None:
    response.set_cookie(COOKIE, signed.token, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", expires=signed.expires_at,
                        path="/")


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def actor_or_none(request: Request) -> records.Actor | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    with services(request).store.transaction() as db:
        try:
            return records.actor_for_token(db, token)
        except records.Unauthorised:
            return None


@contextmanager
def practitioner(request: Request) -> Iterator[tuple[Session, records.Actor]]:
    """A transaction as the signed-in practitioner; SignInNeeded otherwise."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInNeeded
    with services(request).store.transaction() as db:
        try:
            actor = records.actor_for_token(db, token)
        except records.Unauthorised:
            raise SignInNeeded from None
        yield db, actor
