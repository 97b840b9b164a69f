"""A plan as the response asks for it: JSON, the handout (HTML or PDF) or a calendar."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi.responses import JSONResponse, Response


class PlanFormat(StrEnum):
    json = "json"
    html = "html"
    pdf = "pdf"
    ics = "ics"


def plan_response(plan: Any, format: PlanFormat, filename: str = "crux-plan") -> Response:
    from crux.plan import render_html, render_pdf, to_ics

    if format is PlanFormat.html:
        return Response(render_html(plan), media_type="text/html; charset=utf-8")
    if format is PlanFormat.pdf:
        return Response(render_pdf(plan), media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{filename}.pdf"'})
    if format is PlanFormat.ics:
        return Response(to_ics(plan), media_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{filename}.ics"'})
    return JSONResponse(plan.model_dump(mode="json"))
