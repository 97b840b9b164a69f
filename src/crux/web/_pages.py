"""Rendering pages: one Jinja2 environment over the package's templates, with the
helpers every page uses (the knowledge's labels and the CSRF token)."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from crux.web._session import csrf_token, services

TRIAGE_WORDS = {
    "emergency": "Emergency: call an ambulance or go to the emergency department now",
    "urgent": "Urgent: see a doctor today",
    "soon": "See a doctor or practitioner within days, before starting exercises",
    "self_care": "Safe to start self-care",
}


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("crux.web", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals["triage_words"] = TRIAGE_WORDS
    env.filters["percent"] = _percent
    return env


def _percent(p: float) -> str:
    if p >= 0.995:
        return ">99%"
    if p < 0.01:
        return "<1%"
    return f"{p * 100:.0f}%"


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    kb = services(request).model().kb
    html = environment().get_template(template).render(
        request=request, csrf=csrf_token(request), label=kb.label, **context)
    return HTMLResponse(html, status_code=status)
