"""The patient's way: where it hurts on the body chart, the interview one question at a
time, the assessment (triage first), the plan with its handout and calendar, and, kept
through a private link, a progress log with a chart."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from crux import api, records
from crux.contract import CaseError
from crux.vocabulary import load_vocabulary
from crux.web._chart import clickable_svg, sides_of
from crux.web._diagram import chain_svg, progress_svg
from crux.web._forms import answer_from_form
from crux.web._pages import page, refusal_words, see_other
from crux.web._session import actor_or_none, services
from crux.web._views import (
    answer_words,
    assessment_view,
    plan_for,
    plan_view,
    progress_points,
)

router = APIRouter(include_in_schema=False)
LINK_DAYS = 90


NO_EXERCISE = ("emergency", "urgent")  # levels at which nothing but the advice is shown


def _caller(request: Request) -> api.Caller:
    """The interview's caller: the signed-in practitioner when the browser holds a valid
    session, else anonymous (a stale cookie never blocks a patient)."""
    from crux.web._session import COOKIE

    signed = actor_or_none(request) is not None
    return api.Caller(services(request), request.cookies.get(COOKIE) if signed else None)


# --------------------------------------------------------------------------- start


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return page(request, "home.html.j2")


def _picks(raw: list[str]) -> set[tuple[str, str]]:
    regions = load_vocabulary().regions
    out = set()
    for item in raw:
        region, _, side = item.partition(":")
        if region in regions and side in sides_of(region):
            out.add((region, side))
    return out


def _complaints(picked: set[tuple[str, str]]) -> list[dict[str, str]]:
    by_region: dict[str, set[str]] = {}
    for region, side in picked:
        by_region.setdefault(region, set()).add(side)
    out = []
    for region in sorted(by_region):
        sides = by_region[region]
        side = "both" if sides == {"left", "right"} else next(iter(sides))
        out.append({"region": region, "side": side})
    return out


def _where_page(request: Request, picked: set[tuple[str, str]], age: str, sex: str,
                person_id: str, error: str = "", status: int = 200) -> HTMLResponse:
    def href(region: str, side: str) -> str:
        toggled = picked ^ {(region, side)}
        query = [("pick", f"{r}:{s}") for r, s in sorted(toggled)]
        query += [(k, v) for k, v in (("age", age), ("sex", sex), ("person", person_id)) if v]
        return f"/check?{urlencode(query)}#chart"

    regions = load_vocabulary().regions
    chosen = [{"region": r, "side": s, "words": regions[r] + ("" if s == "central" else f", {s}"),
               "remove": href(r, s)} for r, s in sorted(picked)]
    return page(request, "where.html.j2", status=status, chart=clickable_svg(picked, href),
                chosen=chosen, picks=[f"{r}:{s}" for r, s in sorted(picked)], age=age,
                sex=sex, person_id=person_id, error=error,
                sexes=load_vocabulary().sexes)


@router.get("/check", response_class=HTMLResponse)
def where(request: Request) -> HTMLResponse:
    q = request.query_params
    return _where_page(request, _picks(q.getlist("pick")), q.get("age", ""), q.get("sex", ""),
                       q.get("person", ""))


@router.post("/check")
def start(request: Request, pick: Annotated[list[str] | None, Form()] = None,
          age: Annotated[str, Form()] = "", sex: Annotated[str, Form()] = "",
          person: Annotated[str, Form()] = "") -> Response:
    picked = _picks(pick or [])
    if not picked:
        return _where_page(request, picked, age, sex, person, status=422,
                           error="Choose at least one place on the body chart where it hurts.")
    case: dict[str, Any] = {"version": 1, "complaints": _complaints(picked)}
    if age.strip():
        try:
            case["age"] = int(age)
        except ValueError:
            return _where_page(request, picked, age, sex, person, status=422,
                               error="Age: give a whole number of years, or leave it empty.")
    if sex:
        case["sex"] = sex
    try:
        body = api.Start(case=case, person_id=person or None)
        started = api.start_interview(_caller(request), body)
    except (CaseError, records.RecordsError, ValueError) as err:
        return _where_page(request, picked, age, sex, person, status=422, error=refusal_words(err))
    return see_other(f"/check/{started.id}")


# --------------------------------------------------------------------------- interview


def _question_page(request: Request, token: str, now: api.InterviewState, error: str = "",
                   status: int = 200) -> HTMLResponse:
    return page(request, "question.html.j2", status=status, token=token, state=now,
                q=now.question, error=error, regions=load_vocabulary().regions)


@router.get("/check/{token}", response_class=HTMLResponse)
def question(request: Request, token: str) -> Response:
    now = api.interview_state(_caller(request), token)
    if now.done:
        return see_other(f"/check/{token}/result")
    return _question_page(request, token, now)


@router.post("/check/{token}/answer")
async def answer(request: Request, token: str) -> Response:
    form = await request.form()
    caller = _caller(request)
    now = api.interview_state(caller, token)
    if now.question is None or form.get("question") != now.question.id:
        return see_other(f"/check/{token}")  # answered elsewhere: show what is asked now
    try:
        if form.get("action") == "dont_know":
            given = api.Answer(question=now.question.id, dont_know=True)
        else:
            given = api.Answer(question=now.question.id,
                               answer=answer_from_form(now.question, form))
        api.answer_interview(caller, token, given)
    except records.RecordsError as err:
        return _question_page(request, token, now, err.message, status=422)
    return see_other(f"/check/{token}")


@router.post("/check/{token}/back")
def back(request: Request, token: str, asked: Annotated[int, Form()] = -1) -> Response:
    """Undo the last answer, once: the form says how many were answered when it was shown,
    so a second click (or a resent form) changes nothing."""
    caller = _caller(request)
    now = api.interview_state(caller, token)
    if asked == now.asked:
        with suppress(records.Conflict):  # at the first question: stay there
            api.back_interview(caller, token)
    return see_other(f"/check/{token}")


@router.get("/check/{token}/result", response_class=HTMLResponse)
def result(request: Request, token: str) -> HTMLResponse:
    caller = _caller(request)
    now = api.interview_state(caller, token)
    assessment = api.interview_result(caller, token)
    kb = services(request).model().kb
    return page(request, "result.html.j2", token=token, state=now,
                view=assessment_view(assessment, kb, now.case), chain_svg=chain_svg,
                can_save=now.person_id is not None and caller.token is not None,
                answers=answer_words(now.answers, kb))


def _planned(request: Request, token: str) -> tuple[api.InterviewState, Any, Any] | None:
    """The interview, its assessment and its plan; None at a level where the advice is all
    there is (the pages then send the browser back to the result)."""
    caller = _caller(request)
    now = api.interview_state(caller, token)
    assessment = api.interview_result(caller, token)
    if assessment.triage.level in NO_EXERCISE:
        return None
    return now, assessment, plan_for(now.case, assessment, services(request).model().kb)


@router.get("/check/{token}/plan", response_class=HTMLResponse)
def plan(request: Request, token: str) -> Response:
    planned = _planned(request, token)
    if planned is None:
        return see_other(f"/check/{token}/result")
    now, _, made = planned
    return page(request, "plan.html.j2", plan=plan_view(made), token=token,
                pdf=f"/check/{token}/plan.pdf", ics=f"/check/{token}/plan.ics",
                keep=now.person_id is None)


@router.get("/check/{token}/plan.{kind}")
def plan_file(request: Request, token: str, kind: api.PlanFormat) -> Response:
    planned = _planned(request, token)
    if planned is None or kind in (api.PlanFormat.json, api.PlanFormat.html):
        return see_other(f"/check/{token}/result")
    return api.plan_response(planned[2], kind)


@router.post("/check/{token}/keep")
def keep(request: Request, token: str, name: Annotated[str, Form()] = "") -> Response:
    """Keep the plan and start a progress log: a record of its own, reached by a private
    link (kept 90 days), with no account. Not for an interview a clinic made for its
    patient: that one belongs to the clinic's record."""
    planned = _planned(request, token)
    if planned is None:
        return see_other(f"/check/{token}/result")
    now, assessment, made = planned
    if now.person_id is not None:
        raise records.Conflict("this interview belongs to a clinic's record; the clinic can "
                               "make the patient a link", field="interview_id")
    with services(request).store.transaction() as db:
        link = records.keep_for_oneself(db, name.strip() or "Me", now.case,
                                        assessment.model_dump(mode="json"),
                                        made.model_dump(mode="json"), LINK_DAYS)
    return see_other(f"/mine/{link.token}")


# --------------------------------------------------------------------------- the person's own


def _mine(request: Request, link: str, error: str = "", status: int = 200) -> HTMLResponse:
    from crux.plan import Plan

    with services(request).store.transaction() as db:
        actor = records.actor_for_link(db, link)
        assert actor.person_id is not None
        name = records.person_name(db, actor, actor.person_id)
        kept = records.latest_plan(db, actor, actor.person_id)
        entries = records.list_progress(db, actor, actor.person_id)
    made = Plan.model_validate(kept.plan) if kept else None
    regions = load_vocabulary().regions
    return page(request, "mine.html.j2", status=status, name=name, link=link,
                plan=plan_view(made) if made else None, entries=entries,
                advice_only=made is None or made.triage_level in NO_EXERCISE,
                chart=progress_svg(progress_points(entries, regions),
                                   "Pain and function over time"),
                pains=made.pain if made else [], today=date.today().isoformat(),
                error=error, routine=made.routine if made else [])


@router.get("/mine/{link}", response_class=HTMLResponse)
def mine(request: Request, link: str) -> HTMLResponse:
    return _mine(request, link)


@router.post("/mine/{link}/progress")
async def log_progress(request: Request, link: str) -> Response:
    form = await request.form()
    try:
        entry = _entry(form)
        with services(request).store.transaction() as db:
            actor = records.actor_for_link(db, link)
            assert actor.person_id is not None
            records.add_progress(db, actor, actor.person_id, entry)
    except records.Invalid as err:
        return _mine(request, link, error=refusal_words(err), status=422)
    return see_other(f"/mine/{link}#log")


def _score(raw: Any, field: str) -> int | None:
    """A 0-10 score typed in a form: empty is none; anything else must be a whole number."""
    if not isinstance(raw, str) or not raw.strip():
        if isinstance(raw, str) or raw is None:
            return None
        raise records.Invalid("give a whole number from 0 to 10", field=field)
    try:
        return int(raw.strip())
    except ValueError:
        raise records.Invalid("give a whole number from 0 to 10", field=field) from None


def _entry(form: Any) -> Any:
    """A progress entry from the log's form: pain per place, up to three activities."""
    from pydantic import ValidationError

    pain = []
    for key in form:
        if not key.startswith("pain:"):
            continue
        place = key.split(":")
        score = _score(form[key], "pain")
        if len(place) != 3:
            raise records.Invalid("the form was changed; open the page again", field=key)
        if score is not None:
            pain.append({"region": place[1], "side": place[2], "score": score})
    function = []
    for i in range(3):
        activity = form.get(f"activity{i}", "")
        score = _score(form.get(f"score{i}", ""), f"score{i}")
        if isinstance(activity, str) and activity.strip() and score is not None:
            function.append({"activity": activity.strip(), "score": score})
    day = form.get("day") or date.today().isoformat()
    try:
        entry = records.progress_in_model()(
            day=day, pain=pain, function=function,
            exercises_done=[d for d in form.getlist("done") if isinstance(d, str)],
            note=str(form.get("note", "")))
    except ValidationError as err:
        raise records.Invalid(refusal_words(err)) from None
    if entry.day > date.today() + timedelta(days=1):  # type: ignore[attr-defined]
        raise records.Invalid("the day is in the future", field="day")
    return entry


def _kept_plan(request: Request, link: str) -> Any:
    from crux.plan import Plan

    with services(request).store.transaction() as db:
        actor = records.actor_for_link(db, link)
        assert actor.person_id is not None
        kept = records.latest_plan(db, actor, actor.person_id)
    if kept is None:
        raise records.NotFound("no plan has been made yet", field="plan")
    return Plan.model_validate(kept.plan)


@router.get("/mine/{link}/plan.{kind}")
def mine_file(request: Request, link: str, kind: api.PlanFormat) -> Response:
    made = _kept_plan(request, link)
    if made.triage_level in NO_EXERCISE or kind in (api.PlanFormat.json, api.PlanFormat.html):
        return see_other(f"/mine/{link}")
    return api.plan_response(made, kind)
