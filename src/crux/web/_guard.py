"""What every page answer carries, and what no page accepts: health data is never kept in
the browser's cache or shown in another site's frame, URLs (which hold interview and link
tokens) are never sent to another site as a referrer, and no other site can make the browser post a
form here (a signed-in practitioner's cookie would otherwise go with it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MAX_UPLOAD = 310 * 1024 * 1024  # a video and the form around it
MAX_FORM = 1024 * 1024  # any other form
HEADERS = {
    "Referrer-Policy": "same-origin",  # tokens in URLs never go to another site
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _cross_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc != request.headers.get("host", "")
    return origin == "null"


def _small_enough(request: Request) -> bool:
    """Bodies are refused before they are read when too large (or of unknown length): a
    movement upload up to MAX_UPLOAD, any other form MAX_FORM."""
    limit = MAX_UPLOAD if request.url.path.endswith("/movement") else MAX_FORM
    length = request.headers.get("content-length")
    if length is None:
        return request.headers.get("transfer-encoding") is None
    return length.isdigit() and int(length) <= limit


def install(app: FastAPI, api_prefix: str) -> None:
    @app.middleware("http")
    async def guard(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        page = not request.url.path.startswith((api_prefix, "/static/"))
        if page and request.method in UNSAFE and _cross_site(request):
            return PlainTextResponse("forms are only accepted from this site", 403)
        if page and request.method in UNSAFE and not _small_enough(request):
            return PlainTextResponse(f"uploads are at most {MAX_UPLOAD // 2**20} MB, and must "
                                     "say their length", 413)
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if page:
            response.headers["Cache-Control"] = "no-store"
        return response
