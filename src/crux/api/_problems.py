"""Errors as RFC 9457 problem details (``application/problem+json``), each naming the field
at fault and, where it helps, what is allowed."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from crux.contract import CaseError
from crux.records import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RecordsError,
    Stale,
    Unauthorised,
)

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("crux.api")

_TITLES = {
    400: "Bad request",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Changed since it was read",
    413: "Too large",
    415: "Unsupported media type",
    422: "The input was refused",
    500: "Something went wrong on our side",
}


def problem(status: int, detail: str, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "complaints", 0, "region") -> "complaints[0].region"."""
    out = ""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts.pop(0)
        if where != "body" and parts:
            return f"{where}.{parts[0]}" if len(parts) == 1 else f"{where}.{_field(parts)}"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def case_errors(err: CaseError, prefix: str = "") -> list[dict[str, str]]:
    return [
        {"field": f"{prefix}{p.path}" if p.path else (prefix.rstrip(".") or "body"),
         "message": p.message}
        for p in err.problems
    ]


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for e in exc.errors():
        message = str(e.get("msg", "invalid"))
        if e.get("type") == "json_invalid":  # the place is a character offset, not a field
            errors.append({"field": "body", "message": f"{message} at character "
                           f"{(e.get('loc') or ('', '?'))[-1]}"})
            continue
        ctx = e.get("ctx") or {}
        if "expected" in ctx:
            message = f"{message}; allowed: {ctx['expected']}"
        errors.append({"field": _field(e.get("loc", ())), "message": message})
    return problem(422, "; ".join(f"{x['field']}: {x['message']}" for x in errors[:5]), errors)


def _case(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CaseError)
    errors = case_errors(exc, getattr(exc, "prefix", ""))
    return problem(422, "; ".join(f"{x['field']}: {x['message']}" for x in errors[:5]), errors)


def _records(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RecordsError)
    status = 500
    headers = None
    if isinstance(exc, Unauthorised):
        status, headers = 401, {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, Forbidden):
        status = 403
    elif isinstance(exc, NotFound):
        status = 404
    elif isinstance(exc, Stale):
        status = 412
    elif isinstance(exc, Conflict):
        status = 409
    elif isinstance(exc, Invalid):
        status = 422
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    return problem(status, exc.message, errors, headers)


def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
    return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))


def _integrity(_: Request, exc: Exception) -> JSONResponse:
    """Two writes that could not both hold (the same id or email saved at once): the
    second is refused and nothing of it kept."""
    return problem(409, "the change clashed with another made at the same time; nothing "
                   "was saved; try again")


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path,
                  exc_info=exc)
    return problem(500, "the request could not be completed; nothing was saved")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(CaseError, _case)
    app.add_exception_handler(RecordsError, _records)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(Exception, _unexpected)
