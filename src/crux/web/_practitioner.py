"""The practitioner's way: sign in, patients, a person's timeline, an assessment whose
findings can be adjusted (a measurement, a test result) with the reasoning redone, the
plan and its handout to print."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from crux import api, records
from crux.contract import Assessment, CaseError, parse_case
from crux.vocabulary import load_vocabulary
from crux.web._diagram import chain_svg, progress_svg
from crux.web._pages import page, refusal_words, see_other
from crux.web._session import (
    COOKIE,
    check_csrf,
    clear_cookie,
    practitioner,
    services,
    set_cookie,
)
from crux.web._views import assessment_view, plan_for, plan_view, progress_points

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only a path on this site (never another site's address)."""
    return target if target.startswith("/") and not target.startswith("//") else "/patients"


# --------------------------------------------------------------------------- signing in


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/patients") -> HTMLResponse:
    return page(request, "signin.html.j2", next=_safe_next(next), error="")


@router.post("/signin")
def signin(request: Request, email: Annotated[str, Form()] = "",
           password: Annotated[str, Form()] = "",
           next: Annotated[str, Form()] = "/patients") -> Response:
    try:
        with services(request).store.transaction() as db:
            signed = records.sign_in(db, email, password,
                                     hours=services(request).token_hours)
    except (records.Unauthorised, records.Invalid) as err:
        return page(request, "signin.html.j2", status=401, next=_safe_next(next),
                    error=err.message, email=email)
    response = see_other(_safe_next(next))
    set_cookie(request, response, signed)
    return response


@router.post("/signout")
def signout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    token = request.cookies.get(COOKIE)
    if token:
        with services(request).store.transaction() as db:
            records.sign_out(db, token)
    response = see_other("/")
    clear_cookie(response)
    return response


# --------------------------------------------------------------------------- patients


@router.get("/patients", response_class=HTMLResponse)
def patients(request: Request, search: str = "") -> HTMLResponse:
    return _patients_page(request, search)


def _patients_page(request: Request, search: str = "", error: str = "",
                   status: int = 200) -> HTMLResponse:
    with practitioner(request) as (db, actor):
        me = records.me(db, actor)
        people = records.list_persons(db, actor, search.replace("\x00", "") or None)
    return page(request, "patients.html.j2", status=status, me=me, people=people,
                search=search, error=error)


@router.post("/patients")
def add_patient(request: Request, name: Annotated[str, Form()] = "",
                reference: Annotated[str, Form()] = "",
                birth_year: Annotated[str, Form()] = "",
                csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    try:
        new = records.PersonIn(name=name, reference=reference or None,
                               birth_year=int(birth_year) if birth_year.strip() else None)
    except (ValueError, ValidationError) as err:
        return _patients_page(request, error=f"Could not add the patient: {refusal_words(err)}",
                              status=422)
    with practitioner(request) as (db, actor):
        person = records.create_person(db, actor, new)
    return see_other(f"/patients/{person.id}")


@router.get("/patients/{person_id}", response_class=HTMLResponse)
def timeline(request: Request, person_id: uuid.UUID) -> HTMLResponse:
    return _timeline_page(request, person_id)


def _timeline_page(request: Request, person_id: uuid.UUID, link: str = "") -> HTMLResponse:
    """The person's page; ``link`` is a link just made, shown once."""
    with practitioner(request) as (db, actor):
        person = records.get_person(db, actor, person_id)
        cases = records.list_cases(db, actor, person_id)
        history = [(c, [(a, records.list_plans(db, actor, a.id))
                        for a in records.list_assessments(db, actor, c.id)]) for c in cases]
        entries = records.list_progress(db, actor, person_id)
    kb = services(request).model().kb
    regions = load_vocabulary().regions
    rows = []
    for case, assessments in history:
        for kept, plans in assessments:
            a = Assessment.model_validate(kept.assessment)
            rows.append({"id": kept.id, "at": kept.created_at, "level": kept.triage_level,
                         "plans": plans,
                         "top": [kb.label(rc.id) for rc in a.root_causes[:3]],
                         "where": ", ".join(regions.get(c["region"], c["region"])
                                            for c in case.case.get("complaints", []))})
    rows.sort(key=lambda r: r["at"], reverse=True)
    return page(request, "person.html.j2", person=person, rows=rows, entries=entries,
                chart=progress_svg(progress_points(entries, regions),
                                   f"Pain and function of {person.name} over time"),
                link=link)


@router.post("/patients/{person_id}/link")
def make_link(request: Request, person_id: uuid.UUID,
              csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    with practitioner(request) as (db, actor):
        made = records.create_link(db, actor, person_id, records.LinkIn(days=30))
    # shown once, in the answer to the form (only its hash is kept)
    return _timeline_page(request, person_id, link=f"/mine/{made.token}")


# --------------------------------------------------------------------------- assessments


def _assessment_page(request: Request, assessment_id: uuid.UUID, was: str = "",
                     error: str = "", status: int = 200) -> HTMLResponse:
    with practitioner(request) as (db, actor):
        kept, case = records.get_assessment(db, actor, assessment_id)
        case_row = records.get_case(db, actor, kept.case_id)
        person = records.get_person(db, actor, case_row.person_id)
        before = None
        if was:
            try:
                before = records.get_assessment(db, actor, uuid.UUID(was))[0]
            except (ValueError, records.NotFound):
                before = None
    kb = services(request).model().kb
    assessment = Assessment.model_validate(kept.assessment)
    changes = _changes(Assessment.model_validate(before.assessment), assessment, kb) \
        if before else []
    vocab = load_vocabulary()
    return page(request, "assessment.html.j2", status=status, kept=kept, person=person,
                view=assessment_view(assessment, kb, case), chain_svg=chain_svg,
                measurements=vocab.measurements, case=case, changes=changes, error=error)


def _changes(before: Assessment, after: Assessment, kb: Any) -> list[str]:
    """How the top root causes moved after an adjustment, in words."""
    was = {rc.id: rc.probability for rc in before.root_causes}
    out = []
    for rc in after.root_causes[:5]:
        old = was.get(rc.id, 0.0)
        if abs(rc.probability - old) >= 0.01:
            arrow = "up" if rc.probability > old else "down"
            out.append(f"{kb.label(rc.id)}: {old * 100:.0f}% → {rc.probability * 100:.0f}% "
                       f"({arrow})")
    if before.triage.level != after.triage.level:
        out.insert(0, f"triage: {before.triage.level} → {after.triage.level}")
    return out


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(request: Request, assessment_id: uuid.UUID, was: str = "") -> HTMLResponse:
    return _assessment_page(request, assessment_id, was)


@router.post("/assessments/{assessment_id}/adjust")
def adjust(request: Request, assessment_id: uuid.UUID,
           measurement: Annotated[str, Form()] = "", side: Annotated[str, Form()] = "",
           value: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    """A new case with the finding added or changed, assessed again: the case before is
    kept as it was (nothing is lost), and the page shows what moved."""
    check_csrf(request, csrf)
    with practitioner(request) as (db, actor):
        kept, case = records.get_assessment(db, actor, assessment_id)
        person_id = records.get_case(db, actor, kept.case_id).person_id
    term = load_vocabulary().measurements.get(measurement)
    if term is None:
        return _assessment_page(request, assessment_id, status=422,
                                error="Choose a measurement or test from the list.")
    reading = _reading(term, value)
    if reading is None:
        wanted = ("positive or negative" if term.kind == "bool"
                  else f"a number in {term.unit}")
        return _assessment_page(request, assessment_id, status=422,
                                error=f"{term.meaning}: give {wanted}.")
    if not term.sided and side:
        return _assessment_page(request, assessment_id, status=422,
                                error=f"{term.meaning} is not taken per side; choose "
                                      "\"not sided\".")
    changed = dict(case)
    found = dict(changed.get("measurements") or {})
    if term.sided:
        if side not in ("left", "right"):
            return _assessment_page(request, assessment_id, status=422,
                                    error=f"{term.meaning}: choose the side it was taken on.")
        sided = dict(found.get(measurement) or {}) if isinstance(found.get(measurement),
                                                                 dict) else {}
        sided[side] = reading
        found[measurement] = sided
    else:
        found[measurement] = reading
    changed["measurements"] = found
    try:
        parsed = parse_case(changed)
    except CaseError as err:
        return _assessment_page(request, assessment_id, status=422,
                                error=refusal_words(err))
    new = keep_reassessed(services(request), actor, person_id, parsed)
    return see_other(f"/assessments/{new.id}?was={assessment_id}")


def keep_reassessed(kept_services: Any, actor: records.Actor, person_id: uuid.UUID,
                    case: Any) -> records.AssessmentOut:
    """An adjusted (validated) case kept beside the old one, with its assessment made
    afresh: the old case and assessment stay as they were."""
    result = api.assessment_of(case, api.Caller(kept_services, None), 3)
    with kept_services.store.transaction() as db:
        _, new = records.keep_case(db, actor, person_id, case.known(),
                                   result.model_dump(mode="json"))
    assert new is not None
    return new


POSITIVE, NEGATIVE = ("positive", "yes", "true", "+"), ("negative", "no", "false", "-")


def _reading(term: Any, value: str) -> bool | float | None:
    """A measurement as typed: a test positive or negative, else a number."""
    text = value.strip().lower()
    if term.kind == "bool":
        return True if text in POSITIVE else False if text in NEGATIVE else None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


@router.post("/assessments/{assessment_id}/plan")
def make_plan(request: Request, assessment_id: uuid.UUID,
              csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    with practitioner(request) as (db, actor):
        kept, case = records.get_assessment(db, actor, assessment_id)
    if kept.triage_level in ("emergency", "urgent"):
        raise records.Conflict("no exercise plan at this triage level: the advice comes "
                               "first", field="assessment_id")
    made = plan_for(case, Assessment.model_validate(kept.assessment),
                    services(request).model().kb)
    with practitioner(request) as (db, actor):
        plan = records.add_plan(db, actor, assessment_id, made.model_dump(mode="json"),
                                made.schedule[0].date if made.schedule else date.today(),
                                max(1, len(made.schedule) // 7))
    return see_other(f"/plans/{plan.id}")


def _kept_plan(request: Request, plan_id: uuid.UUID) -> Any:
    from crux.plan import Plan

    with practitioner(request) as (db, actor):
        kept = records.get_plan(db, actor, plan_id)
    return Plan.model_validate(kept.plan)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: uuid.UUID) -> HTMLResponse:
    made = _kept_plan(request, plan_id)
    return page(request, "plan.html.j2", plan=plan_view(made),
                pdf=f"/plans/{plan_id}/handout.pdf", ics=f"/plans/{plan_id}/calendar.ics",
                handout=f"/plans/{plan_id}/handout", keep=False)


@router.get("/plans/{plan_id}/handout", response_class=HTMLResponse)
def handout(request: Request, plan_id: uuid.UUID) -> HTMLResponse:
    from crux.plan import render_html

    return HTMLResponse(render_html(_kept_plan(request, plan_id)))


@router.get("/plans/{plan_id}/handout.pdf")
def plan_pdf(request: Request, plan_id: uuid.UUID) -> Response:
    return api.plan_response(_kept_plan(request, plan_id), api.PlanFormat.pdf)


@router.get("/plans/{plan_id}/calendar.ics")
def plan_ics(request: Request, plan_id: uuid.UUID) -> Response:
    return api.plan_response(_kept_plan(request, plan_id), api.PlanFormat.ics)


@router.post("/check/{token}/save")
def save(request: Request, token: str, csrf: Annotated[str, Form()] = "") -> Response:
    """Keep a practitioner's interview with its patient's record."""
    check_csrf(request, csrf)
    kept = api.save_interview(api.Caller(services(request), request.cookies.get(COOKIE)), token)
    assert kept.assessment is not None
    return see_other(f"/assessments/{kept.assessment.id}")
