"""The patient's way: where it hurts on the body chart, the interview one question at a
time, the assessment (triage first), the plan with its handout and calendar, and, kept
through a private link, a progress log with a chart."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crux import api, records
from crux.contract import CaseError
from crux.vocabulary import load_vocabulary
from crux.web._chart import clickable_svg, sides_of
from crux.web._diagram import chain_svg, progress_svg
from crux.web._forms import answer_from_form
from crux.web._pages import page
from crux.web._session import COOKIE, services
from crux.web._views import assessment_view, plan_for, plan_view, progress_points

router = APIRouter(include_in_schema=False)
LINK_DAYS = 90


def _caller(request: Request) -> api.Caller:
    return api.Caller(services(request), request.cookies.get(COOKIE))


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


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
        return _where_page(request, picked, age, sex, person, status=422, error=_words(err))
    return _see_other(f"/check/{started.id}")


def _words(err: Exception) -> str:
    if isinstance(err, CaseError):
        return "; ".join(str(p) for p in err.problems)
    if isinstance(err, records.RecordsError):
        return f"{err.field}: {err.message}" if err.field else err.message
    return str(err)


# --------------------------------------------------------------------------- interview


@router.get("/check/{token}", response_class=HTMLResponse)
def question(request: Request, token: str, error: str = "") -> Response:
    now = api.interview_state(_caller(request), token)
    if now.done:
        return _see_other(f"/check/{token}/result")
    return page(request, "question.html.j2", token=token, state=now, q=now.question,
                error=error, regions=load_vocabulary().regions)


@router.post("/check/{token}/answer")
async def answer(request: Request, token: str) -> Response:
    form = await request.form()
    caller = _caller(request)
    now = api.interview_state(caller, token)
    if now.question is None or form.get("question") != now.question.id:
        return _see_other(f"/check/{token}")  # answered elsewhere: show what is asked now
    try:
        if form.get("action") == "dont_know":
            given = api.Answer(question=now.question.id, dont_know=True)
        else:
            given = api.Answer(question=now.question.id,
                               answer=answer_from_form(now.question, form))
        api.answer_interview(caller, token, given)
    except records.RecordsError as err:
        return page(request, "question.html.j2", status=422, token=token, state=now,
                    q=now.question, error=err.message, regions=load_vocabulary().regions)
    return _see_other(f"/check/{token}")


@router.post("/check/{token}/back")
def back(request: Request, token: str) -> Response:
    with suppress(records.Conflict):  # at the first question: stay there
        api.back_interview(_caller(request), token)
    return _see_other(f"/check/{token}")


@router.get("/check/{token}/result", response_class=HTMLResponse)
def result(request: Request, token: str) -> HTMLResponse:
    caller = _caller(request)
    now = api.interview_state(caller, token)
    assessment = api.interview_result(caller, token)
    kb = services(request).model().kb
    return page(request, "result.html.j2", token=token, state=now,
                view=assessment_view(assessment, kb, now.case), chain_svg=chain_svg,
                signed_in=COOKIE in request.cookies)


@router.get("/check/{token}/plan", response_class=HTMLResponse)
def plan(request: Request, token: str) -> HTMLResponse:
    caller = _caller(request)
    made = _plan(request, caller, token)
    return page(request, "plan.html.j2", plan=plan_view(made), token=token,
                pdf=f"/check/{token}/plan.pdf", ics=f"/check/{token}/plan.ics", keep=True)


def _plan(request: Request, caller: api.Caller, token: str) -> Any:
    now = api.interview_state(caller, token)
    assessment = api.interview_result(caller, token)
    return plan_for(now.case, assessment, services(request).model().kb)


@router.get("/check/{token}/plan.pdf")
def plan_pdf(request: Request, token: str) -> Response:
    from crux.plan import render_pdf

    made = _plan(request, _caller(request), token)
    return Response(render_pdf(made), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="crux-plan.pdf"'})


@router.get("/check/{token}/plan.ics")
def plan_ics(request: Request, token: str) -> Response:
    from crux.plan import to_ics

    made = _plan(request, _caller(request), token)
    return Response(to_ics(made), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="crux-plan.ics"'})


@router.post("/check/{token}/keep")
def keep(request: Request, token: str, name: Annotated[str, Form()] = "") -> Response:
    """Keep the plan and start a progress log: a record of its own, reached by a private
    link (kept 90 days), with no account."""
    caller = _caller(request)
    now = api.interview_state(caller, token)
    assessment = api.interview_result(caller, token)
    made = plan_for(now.case, assessment, services(request).model().kb)
    store = services(request).store
    with store.transaction() as db:
        actor = records.Actor(records.self_care_clinic(db), "system")
        person = records.create_person(db, actor, records.PersonIn(name=name.strip() or "Me"))
        _, kept = records.keep_case(db, actor, person.id, now.case,
                                    assessment.model_dump(mode="json"))
        assert kept is not None
        records.add_plan(db, actor, kept.id, made.model_dump(mode="json"),
                         made.schedule[0].date if made.schedule else date.today(), 4)
        link = records.create_link(db, actor, person.id, records.LinkIn(days=LINK_DAYS))
    return _see_other(f"/mine/{link.token}")


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
    except (records.Invalid, ValueError) as err:
        return _mine(request, link, error=_words(err), status=422)
    return _see_other(f"/mine/{link}#log")


def _entry(form: Any) -> Any:
    """A progress entry from the log's form: pain per place, up to three activities."""
    from pydantic import ValidationError

    pain = []
    for key in form:
        if key.startswith("pain:") and str(form[key]).strip():
            _, region, side = key.split(":")
            pain.append({"region": region, "side": side, "score": int(form[key])})
    function = []
    for i in range(3):
        activity = str(form.get(f"activity{i}", "")).strip()
        score = str(form.get(f"score{i}", "")).strip()
        if activity and score:
            function.append({"activity": activity, "score": int(score)})
    try:
        return records.progress_in_model()(
            day=form.get("day") or date.today().isoformat(), pain=pain, function=function,
            exercises_done=list(form.getlist("done")), note=str(form.get("note", "")))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise records.Invalid(str(first["msg"]), field=where) from None


def _plan_download(request: Request, link: str) -> Any:
    from crux.plan import Plan

    with services(request).store.transaction() as db:
        actor = records.actor_for_link(db, link)
        assert actor.person_id is not None
        kept = records.latest_plan(db, actor, actor.person_id)
    if kept is None:
        raise records.NotFound("no plan has been made yet", field="plan")
    return Plan.model_validate(kept.plan)


@router.get("/mine/{link}/plan.pdf")
def mine_pdf(request: Request, link: str) -> Response:
    from crux.plan import render_pdf

    return Response(render_pdf(_plan_download(request, link)), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="crux-plan.pdf"'})


@router.get("/mine/{link}/plan.ics")
def mine_ics(request: Request, link: str) -> Response:
    from crux.plan import to_ics

    return Response(to_ics(_plan_download(request, link)),
                    media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="crux-plan.ics"'})
