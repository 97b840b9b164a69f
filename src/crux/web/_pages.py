"""Rendering pages: one Jinja2 environment over the package's templates, with the
helpers every page uses (the knowledge's labels and the CSRF token)."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
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
    env.filters["sentence"] = _sentence
    env.filters["finding"] = _finding
    return env


def _sentence(text: str) -> str:
    """The first letter upper case, the rest as written (unlike Jinja's capitalize, which
    would turn "Thomas test" into "thomas test")."""
    return text[:1].upper() + text[1:]


def _finding(value: object) -> str:
    """A measurement as a person reads it: per side, and a test as positive or negative."""
    def one(v: object) -> str:
        if isinstance(v, bool):
            return "positive" if v else "negative"
        return f"{v:g}" if isinstance(v, float) else str(v)

    if isinstance(value, dict):
        return ", ".join(f"{side} {one(v)}" for side, v in value.items())
    return one(value)


def _percent(p: float) -> str:
    if p >= 0.995:
        return ">99%"
    if p < 0.01:
        return "<1%"
    return f"{p * 100:.0f}%"


def refusal_words(err: Exception) -> str:
    """A refusal in a sentence, naming the field (never a library's raw text)."""
    from pydantic import ValidationError

    from crux import records
    from crux.contract import CaseError

    if isinstance(err, CaseError):
        return "; ".join(str(p) for p in err.problems)
    if isinstance(err, records.RecordsError):
        return f"{err.field}: {err.message}" if err.field else err.message
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}"
    return str(err)


def see_other(url: str) -> RedirectResponse:
    """After a form: the browser asks for the page again (a refresh never resends it)."""
    return RedirectResponse(url, status_code=303)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    kb = services(request).model().kb
    html = environment().get_template(template).render(
        request=request, csrf=csrf_token(request), label=kb.label, **context)
    return HTMLResponse(html, status_code=status)
