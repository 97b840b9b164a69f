"""Errors on pages are pages: a refusal or a missing record shows a short explanation in
the site's layout (the API keeps its problem documents); a page that needs a signed-in
practitioner sends the browser to sign in first."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from crux import records
from crux.contract import CaseError
from crux.web._pages import page
from crux.web._session import SignInNeeded, clear_cookie

log = logging.getLogger("crux.web")

_TITLES = {401: "Sign in again", 403: "Not allowed", 404: "Not found", 409: "Already done",
           412: "Changed meanwhile", 422: "That did not work", 500: "Something went wrong"}


def install(app: FastAPI, api_prefix: str) -> None:
    handlers: dict[Any, Any] = dict(app.exception_handlers)

    def for_pages(kind: Any, status_of: Any) -> None:
        api_handler = handlers.get(kind)

        async def handle(request: Request, exc: Exception) -> Response:
            if request.url.path.startswith(api_prefix) and api_handler is not None:
                result = api_handler(request, exc)
                return await result if hasattr(result, "__await__") else result
            status, words = status_of(exc)
            if status >= 500:
                log.exception("unexpected error on %s", request.url.path, exc_info=exc)
            return page(request, "error.html.j2", status=status,
                        title=_TITLES.get(status, "Error"), words=words)

        app.add_exception_handler(kind, handle)

    def records_status(exc: Exception) -> tuple[int, str]:
        assert isinstance(exc, records.RecordsError)
        status = {records.Unauthorised: 401, records.Forbidden: 403, records.NotFound: 404,
                  records.Stale: 412, records.Conflict: 409, records.Invalid: 422}
        code = next((v for k, v in status.items() if isinstance(exc, k)), 500)
        return code, exc.message

    def http_status(exc: Exception) -> tuple[int, str]:
        assert isinstance(exc, HTTPException)
        return exc.status_code, str(exc.detail)

    for_pages(records.RecordsError, records_status)
    for_pages(IntegrityError, lambda e: (409, "that clashed with another change made at "
                                              "the same moment; nothing was saved; try again"))
    for_pages(CaseError, lambda e: (422, str(e)))
    for_pages(RequestValidationError, lambda e: (422, "the page was given values it does "
                                                      "not take; go back and try again"))
    for_pages(HTTPException, http_status)
    for_pages(Exception, lambda e: (500, "the page could not be shown; nothing was lost"))

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
        clear_cookie(response)  # a stale session is forgotten, not kept
        return response

    app.add_exception_handler(SignInNeeded, sign_in_first)
