"""What a person sees through their link, without an account: their plan, and their
progress, which they can add to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel

from crux import records
from crux.api._context import CallerDep
from crux.api._render import PlanFormat, plan_response

router = APIRouter(tags=["shared with the person"])
ProgressIn = records.progress_in_model()
Link = Annotated[str, Path(min_length=20, max_length=100, description="the link's token")]


class Shared(BaseModel):
    name: str
    plan: records.PlanOut | None
    progress: list[records.ProgressOut]


@router.get("/shared/{link}", response_model=Shared, summary="The person's plan and progress")
def shared(caller: CallerDep, link: Link) -> Shared:
    with caller.through_link(link) as (db, actor):
        assert actor.person_id is not None
        return Shared(name=records.person_name(db, actor, actor.person_id),
                      plan=records.latest_plan(db, actor, actor.person_id),
                      progress=records.list_progress(db, actor, actor.person_id))


@router.get(
    "/shared/{link}/plan", summary="The person's newest plan: handout (HTML, PDF) or calendar",
    responses={200: {"content": {"application/json": {}, "text/html": {},
                                 "application/pdf": {}, "text/calendar": {}}}},
)
def shared_plan(caller: CallerDep, link: Link,
                format: Annotated[PlanFormat, Query()] = PlanFormat.html) -> Response:
    with caller.through_link(link) as (db, actor):
        assert actor.person_id is not None
        kept = records.latest_plan(db, actor, actor.person_id)
    if kept is None:
        raise records.NotFound("no plan has been made yet", field="plan")
    from crux.plan import Plan

    return plan_response(Plan.model_validate(kept.plan), format)


@router.post("/shared/{link}/progress", response_model=records.ProgressOut,
             status_code=status.HTTP_201_CREATED, summary="Log a day's progress")
def shared_progress(caller: CallerDep, link: Link,
                    entry: ProgressIn) -> records.ProgressOut:  # type: ignore[valid-type]
    with caller.through_link(link) as (db, actor):
        assert actor.person_id is not None
        return records.add_progress(db, actor, actor.person_id, entry)
