"""The HTTP API, versioned under ``/api/v1``: stateless assessment and plans, interviews,
and (signed in) a clinic's persons and what is kept about them. Errors are
``application/problem+json`` naming the field. OpenAPI at ``/docs``.

    app = create_app(Store.open())       # uvicorn serves it: ``crux serve``
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from crux.api._context import TOKEN_HOURS, Caller, Services
from crux.api._interviews import Answer, InterviewState, QuestionOut, Start
from crux.api._interviews import answer as answer_interview
from crux.api._interviews import back as back_interview
from crux.api._interviews import result as interview_result
from crux.api._interviews import save as save_interview
from crux.api._interviews import start as start_interview
from crux.api._interviews import state as interview_state
from crux.api._render import PlanFormat, plan_response
from crux.api._stateless import assessed as assessment_of
from crux.assess import Model, shipped_model
from crux.records import Store

PREFIX = "/api/v1"

# The interview operations are plain functions of a Caller: the web pages use the same
# ones the routes do.
__all__ = [
    "PREFIX",
    "Answer",
    "Caller",
    "InterviewState",
    "PlanFormat",
    "QuestionOut",
    "Services",
    "Start",
    "answer_interview",
    "assessment_of",
    "back_interview",
    "create_app",
    "interview_result",
    "interview_state",
    "plan_response",
    "save_interview",
    "start_interview",
]


def _with_case_schema(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """OpenAPI with the contract's case schema as a component (its $defs moved beside it),
    so the bodies that carry a case are described exactly."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        from crux.contract import case_json_schema

        spec = get_openapi(title=app.title, version=app.version, routes=app.routes,
                           description=app.description)
        case = copy.deepcopy(case_json_schema())
        defs = case.pop("$defs", {})

        def moved(node: Any) -> Any:
            if isinstance(node, dict):
                if node.get("x-crux-case"):  # a field that holds a case
                    return {"$ref": "#/components/schemas/Case"}
                out = {k: moved(v) for k, v in node.items()}
                ref = out.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/$defs/"):
                    out["$ref"] = "#/components/schemas/Case" + ref.removeprefix("#/$defs/")
                return out
            if isinstance(node, list):
                return [moved(v) for v in node]
            return node

        spec = moved(spec)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas["Case"] = moved(case)
        for name, body in defs.items():
            schemas["Case" + name] = moved(body)
        app.openapi_schema = spec
        return spec

    return openapi


def create_app(store: Store | None = None, model: Callable[[], Model] = shipped_model,
               token_hours: float = TOKEN_HOURS) -> FastAPI:
    """The API on ``store`` (opened from ``CRUX_DATABASE_URL`` or the SQLite default when
    not given, migrated to the newest tables)."""
    from crux.api import _accounts, _interviews, _persons, _problems, _shared, _stateless

    app = FastAPI(
        title="Crux",
        version="1",
        description="Red-flag triage first, then causal reasoning to the likely root causes "
        "of musculoskeletal pain, and a safe self-care plan. Crux supports decisions; it "
        "does not diagnose.",
        docs_url="/docs",
        openapi_url=f"{PREFIX}/openapi.json",
    )
    app.state.crux = Services(store or Store.open(), model=model, token_hours=token_hours)
    _problems.install(app)
    for module in (_stateless, _interviews, _accounts, _persons, _shared):
        app.include_router(module.router, prefix=PREFIX)
    app.openapi = _with_case_schema(app)  # type: ignore[method-assign]
    return app
