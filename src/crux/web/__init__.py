"""The web app: the pages a patient and a practitioner use, over the same records and the
same engine as the HTTP API, which it serves too (under ``/api/v1``).

    app = create_web_app(Store.open())   # ``crux serve`` runs it with uvicorn

Server-rendered pages (Jinja2), plain forms and links; no script is needed and no
front-end build.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from crux.api import PREFIX, create_app
from crux.assess import Model, shipped_model
from crux.records import Store

__all__ = ["create_web_app"]


def create_web_app(store: Store | None = None,
                   model: Callable[[], Model] = shipped_model) -> FastAPI:
    from crux.web import _errors, _guard, _movement, _patient, _practitioner
    from crux.web._jobs import MovementJobs

    app = create_app(store, model=model)
    static = resources.files("crux.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(_patient.router)
    app.include_router(_practitioner.router)
    app.include_router(_movement.router)
    app.state.movement = MovementJobs()
    app.router.add_event_handler("shutdown", app.state.movement.close)
    _errors.install(app, PREFIX)
    _guard.install(app, PREFIX)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon(request: Request) -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    return app
