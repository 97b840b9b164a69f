"""The HTTP API through an in-process client, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from crux.api import PREFIX

from .api_support import PASSWORD, client_for, heel_case, keep_person, sign_up

PROBLEM = "application/problem+json"


@pytest.fixture
def client(store: Any) -> Any:
    return client_for(store)


# --------------------------------------------------------------------------- stateless


def test_assess_gives_the_assessment_of_the_contract(client: Any) -> None:
    from crux.contract import Assessment

    got = client.post(f"{PREFIX}/assess", json=heel_case())
    assert got.status_code == 200
    assessment = Assessment.model_validate(got.json())
    assert assessment.triage.level == "self_care"
    assert assessment.root_causes and len(assessment.next_questions) == 3
    none = client.post(f"{PREFIX}/assess?questions=0", json=heel_case()).json()
    assert none["next_questions"] == []


def test_a_red_flag_case_gets_the_advice_and_a_plan_without_exercises(client: Any) -> None:
    case = heel_case()
    case["red_flags"] = {"unable_to_bear_weight": True}
    case["history"] = {"recent_trauma": True}
    got = client.post(f"{PREFIX}/assess", json=case).json()
    assert got["triage"]["level"] in ("emergency", "urgent")
    plan = client.post(f"{PREFIX}/plan", json={"case": case}).json()
    assert plan["routine"] == [] and "do not start any exercises" in " ".join(plan["do_now"]).lower()


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"version": 1, "age": 400, "complaints": []}, "age", "allowed: 0 to 120"),
    ({"version": 1, "complaints": [{"region": "kneee", "side": "left"}]},
     "complaints[0].region", "allowed: head"),
    ({"version": 1, "complaints": [], "mood": "sad"}, "mood", "unknown field"),
    ([1, 2], "body", "a case is a JSON object"),
])
def test_a_refused_case_is_a_problem_naming_the_field(client: Any, body: Any, field: str,
                                                      words: str) -> None:
    got = client.post(f"{PREFIX}/assess", json=body)
    assert got.status_code == 422
    assert got.headers["content-type"] == PROBLEM
    problem = got.json()
    assert problem["status"] == 422 and problem["title"]
    named = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in named, named
    assert words in named[field] or words in problem["detail"]


def test_bad_json_and_bad_queries_are_problems_too(client: Any) -> None:
    got = client.post(f"{PREFIX}/assess", content=b"{not json",
                      headers={"content-type": "application/json"})
    assert got.status_code == 422 and got.headers["content-type"] == PROBLEM
    assert got.json()["errors"][0]["field"] == "body"
    got = client.post(f"{PREFIX}/assess?questions=99", json=heel_case())
    assert got.status_code == 422
    assert got.json()["errors"][0]["field"] == "query.questions"
    got = client.post(f"{PREFIX}/plan?format=doc", json={"case": heel_case()})
    assert got.status_code == 422 and "allowed" in got.json()["errors"][0]["message"]
    got = client.post(f"{PREFIX}/plan", json={"case": {"version": 1, "age": -1,
                                                      "complaints": []}})
    assert got.json()["errors"][0]["field"] == "case.age"
    assert client.get(f"{PREFIX}/nowhere").headers["content-type"] == PROBLEM


@pytest.mark.parametrize(("fmt", "media", "starts"), [
    ("json", "application/json", b"{"),
    ("html", "text/html", b"<!DOCTYPE html>"),
    ("pdf", "application/pdf", b"%PDF"),
    ("ics", "text/calendar", b"BEGIN:VCALENDAR"),
])
def test_plan_in_every_format(client: Any, fmt: str, media: str, starts: bytes) -> None:
    got = client.post(f"{PREFIX}/plan?format={fmt}",
                      json={"case": heel_case(), "start": "2026-11-30", "weeks": 2})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith(media)
    assert got.content.lstrip()[: len(starts)].lower() == starts.lower()


def test_schemas_and_docs(client: Any) -> None:
    from crux.contract import case_json_schema

    assert client.get(f"{PREFIX}/schema/case").json() == case_json_schema()
    assert client.get(f"{PREFIX}/schema/assessment").json()["title"].startswith("Crux")
    assert client.get("/docs").status_code == 200
    spec = client.get(f"{PREFIX}/openapi.json").json()
    assert spec["components"]["schemas"]["Case"]["title"] == "Crux case, version 1"
    body = spec["paths"][f"{PREFIX}/assess"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Case"


# --------------------------------------------------------------------------- interviews


def _answer_dont_know(client: Any, token: str, state: dict[str, Any],
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
    q = state["question"]
    body: dict[str, Any] = {"question": q["id"], "dont_know": True}
    if q["answer_type"] == "choices":  # a checklist: none of these
        body = {"question": q["id"], "answer": {i["id"]: False for i in q["items"]}}
    got = client.post(f"{PREFIX}/interviews/{token}/answer", json=body, headers=headers)
    assert got.status_code == 200, got.text
    return got.json()


def test_an_interview_over_http_matches_the_command_line(client: Any, store: Any) -> None:
    from crux.interview import DONT_KNOW, Interview

    start = {"version": 1, "age": 41, "sex": "female",
             "complaints": [{"region": "heel", "side": "left"}]}
    state = client.post(f"{PREFIX}/interviews", json={"case": start}).json()
    token = state["id"]
    assert state["question"]["phase"] == "safety" and state["asked"] == 0
    local = Interview(dict(start))
    for _ in range(5):
        choice = local.next()
        assert state["question"]["id"] == choice.ask.id
        value = ({q.asks: False for q in choice.ask.items} if choice.ask.answer == "choices"
                 else DONT_KNOW)
        local.answer(choice.ask, value, choice.phase)
        state = _answer_dont_know(client, token, state)
    assert state["asked"] == 5 and state["question"]["id"] == local.next().ask.id
    # going back undoes the last answer
    back = client.post(f"{PREFIX}/interviews/{token}/back").json()
    assert back["asked"] == 4
    # a second server (a restart) rebuilds it from the kept answers
    again = client_for(store).get(f"{PREFIX}/interviews/{token}").json()
    assert again["asked"] == 4 and again["question"] == back["question"]
    result = client.get(f"{PREFIX}/interviews/{token}/result").json()
    assert result["triage"]["level"] == "self_care" and result["root_causes"]


def test_an_interview_refuses_the_wrong_question_and_a_bad_answer(client: Any) -> None:
    start = {"version": 1, "age": 30, "sex": "male",
             "complaints": [{"region": "lower_back", "side": "central"}]}
    state = client.post(f"{PREFIX}/interviews", json={"case": start}).json()
    token = state["id"]
    got = client.post(f"{PREFIX}/interviews/{token}/answer",
                      json={"question": "red_flags.fever", "answer": True})
    if state["question"]["id"] != "red_flags.fever":
        assert got.status_code == 409
        assert got.json()["errors"][0]["field"] == "question"
    q = state["question"]
    got = client.post(f"{PREFIX}/interviews/{token}/answer",
                      json={"question": q["id"], "answer": "perhaps"})
    assert got.status_code == 422 and got.json()["errors"][0]["field"] == "answer"
    assert client.post(f"{PREFIX}/interviews/{token}/back").status_code == 409
    assert client.get(f"{PREFIX}/interviews/{'x' * 43}").status_code == 404
    no_where = client.post(f"{PREFIX}/interviews", json={"case": {"version": 1,
                                                                  "complaints": []}})
    assert no_where.status_code == 422
    assert no_where.json()["errors"][0]["field"] == "case.complaints"


def test_a_red_flag_answer_ends_the_interview(client: Any) -> None:
    start = {"version": 1, "age": 30, "sex": "male",
             "complaints": [{"region": "lower_back", "side": "central"}]}
    state = client.post(f"{PREFIX}/interviews", json={"case": start}).json()
    token = state["id"]
    for _ in range(10):
        q = state["question"]
        if q is None:
            break
        if q["answer_type"] == "choices":
            body = {"question": q["id"], "answer": {i["id"]: i["id"] == "red_flags.chest_pain"
                                                    for i in q["items"]}}
        else:
            body = {"question": q["id"], "dont_know": True}
        state = client.post(f"{PREFIX}/interviews/{token}/answer", json=body).json()
    assert state["done"] and "warning sign" in state["reason"]
    result = client.get(f"{PREFIX}/interviews/{token}/result").json()
    assert result["triage"]["level"] == "emergency" and result["next_questions"] == []


def test_an_interview_for_a_person_is_saved_and_stays_in_its_clinic(client: Any,
                                                                    store: Any) -> None:
    a = sign_up(client, store, "Alpha")
    b = sign_up(client, store, "Beta")
    person = client.post(f"{PREFIX}/persons", json={"name": "P"}, headers=a.headers).json()
    start = {"version": 1, "complaints": [{"region": "heel", "side": "left"}]}
    state = client.post(f"{PREFIX}/interviews", json={"case": start,
                                                      "person_id": person["id"]},
                        headers=a.headers).json()
    token = state["id"]
    assert client.get(f"{PREFIX}/interviews/{token}").status_code == 404  # anonymous
    assert client.get(f"{PREFIX}/interviews/{token}", headers=b.headers).status_code == 404
    state = client.get(f"{PREFIX}/interviews/{token}", headers=a.headers).json()
    state = _answer_dont_know(client, token, state, a.headers)
    assert state["asked"] == 1
    saved = client.post(f"{PREFIX}/interviews/{token}/save", headers=a.headers)
    assert saved.status_code == 201
    again = client.post(f"{PREFIX}/interviews/{token}/save", headers=a.headers)
    assert again.status_code == 409  # saved once, never twice
    cases = client.get(f"{PREFIX}/persons/{person['id']}/cases", headers=a.headers).json()
    assert [c["id"] for c in cases] == [saved.json()["case"]["id"]]
    cross = client.post(f"{PREFIX}/interviews", json={"case": start, "person_id": person["id"]},
                        headers=b.headers)
    assert cross.status_code == 404


# --------------------------------------------------------------------------- records


def test_signing_in_and_out(client: Any, store: Any) -> None:
    a = sign_up(client, store, "Signs")
    assert client.get(f"{PREFIX}/me", headers=a.headers).json()["email"] == a.email
    wrong = client.post(f"{PREFIX}/auth/token", json={"email": a.email, "password": "nope"})
    assert wrong.status_code == 401 and wrong.headers["content-type"] == PROBLEM
    assert client.get(f"{PREFIX}/me").status_code == 401
    assert client.post(f"{PREFIX}/auth/logout", headers=a.headers).status_code == 204
    assert client.get(f"{PREFIX}/me", headers=a.headers).status_code == 401


def test_a_persons_records_through_the_api(client: Any, store: Any) -> None:
    a = sign_up(client, store, "Records")
    ids = keep_person(client, a)
    person = client.get(f"{PREFIX}/persons/{ids['person_id']}", headers=a.headers)
    assert person.json()["name"] == "Ada Example"
    listed = client.get(f"{PREFIX}/persons?search=ada", headers=a.headers).json()
    assert [p["id"] for p in listed] == [ids["person_id"]]
    kept = client.get(f"{PREFIX}/assessments/{ids['assessment_id']}", headers=a.headers).json()
    assert kept["knowledge_version"] == kept["assessment"]["knowledge_version"]
    again = client.post(f"{PREFIX}/cases/{ids['case_id']}/assessments", headers=a.headers)
    assert again.status_code == 201
    listed = client.get(f"{PREFIX}/cases/{ids['case_id']}/assessments", headers=a.headers)
    assert len(listed.json()) == 2
    pdf = client.get(f"{PREFIX}/plans/{ids['plan_id']}?format=pdf", headers=a.headers)
    assert pdf.content.startswith(b"%PDF")
    ics = client.get(f"{PREFIX}/plans/{ids['plan_id']}?format=ics", headers=a.headers)
    assert b"BEGIN:VEVENT" in ics.content
    progress = client.get(f"{PREFIX}/persons/{ids['person_id']}/progress",
                          headers=a.headers).json()
    assert progress[0]["pain"] == [{"region": "heel", "side": "left", "score": 6}]


def test_if_match_guards_a_change(client: Any, store: Any) -> None:
    a = sign_up(client, store, "Match")
    person = client.post(f"{PREFIX}/persons", json={"name": "M"}, headers=a.headers).json()
    url = f"{PREFIX}/persons/{person['id']}"
    etag = client.get(url, headers=a.headers).headers["ETag"]
    ok = client.patch(url, json={"notes": "first"}, headers={**a.headers, "If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = client.patch(url, json={"notes": "second"}, headers={**a.headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["errors"][0]["field"] == "If-Match"
    odd = client.patch(url, json={"notes": "x"}, headers={**a.headers, "If-Match": '"\u00b2"'.encode("latin-1")})
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "If-Match"
    null = client.patch(url, json={"name": None}, headers=a.headers)
    assert null.status_code == 422 and null.json()["errors"][0]["field"] == "name"
    assert client.get(url, headers=a.headers).json()["notes"] == "first"


def test_the_persons_link_shows_the_plan_and_takes_progress(client: Any, store: Any) -> None:
    a = sign_up(client, store, "Shared")
    ids = keep_person(client, a)
    link = ids["link"]
    shared = client.get(f"{PREFIX}/shared/{link}").json()
    assert shared["plan"]["id"] == ids["plan_id"] and len(shared["progress"]) == 1
    html = client.get(f"{PREFIX}/shared/{link}/plan")
    assert html.headers["content-type"].startswith("text/html")
    logged = client.post(f"{PREFIX}/shared/{link}/progress", json={
        "day": "2026-12-02", "pain": [{"region": "heel", "side": "left", "score": 4}]})
    assert logged.status_code == 201 and logged.json()["source"] == "link"
    # the link is no key to anything else
    assert client.get(f"{PREFIX}/persons/{ids['person_id']}",
                      headers={"Authorization": f"Bearer {link}"}).status_code == 401
    client.delete(f"{PREFIX}/persons/{ids['person_id']}/links", headers=a.headers)
    assert client.get(f"{PREFIX}/shared/{link}").status_code == 401


def test_export_import_and_erase_through_the_api(client: Any, store: Any) -> None:
    a = sign_up(client, store, "Moves")
    ids = keep_person(client, a)
    url = f"{PREFIX}/persons/{ids['person_id']}"
    exported = client.get(f"{url}/export", headers=a.headers).json()
    assert client.delete(url, headers=a.headers).status_code == 204
    assert client.get(url, headers=a.headers).status_code == 404
    back = client.post(f"{PREFIX}/persons/import", json=exported, headers=a.headers)
    assert back.status_code == 201
    assert client.get(f"{url}/export", headers=a.headers).json() == exported
    twice = client.post(f"{PREFIX}/persons/import", json=exported, headers=a.headers)
    assert twice.status_code == 409


def test_only_admins_manage_users_and_read_the_audit_log(client: Any, store: Any) -> None:
    admin = sign_up(client, store, "Admins")
    new = {"email": "new@admins.example", "name": "New", "password": PASSWORD}
    assert client.post(f"{PREFIX}/users", json=new, headers=admin.headers).status_code == 201
    practitioner = sign_up(client, store, "Staff", role="practitioner")
    assert client.post(f"{PREFIX}/users", json={**new, "email": "x@y.example"},
                       headers=practitioner.headers).status_code == 403
    assert client.get(f"{PREFIX}/audit", headers=practitioner.headers).status_code == 403
    ids = keep_person(client, admin)
    client.get(f"{PREFIX}/persons/{ids['person_id']}", headers=admin.headers)
    log = client.get(f"{PREFIX}/audit?person_id={ids['person_id']}",
                     headers=admin.headers).json()
    assert log[0]["action"] == "read" and log[0]["entity"] == "person"


def test_text_with_a_nul_is_refused_before_the_database(client: Any, store: Any) -> None:
    a = sign_up(client, store, "Nul")
    got = client.post(f"{PREFIX}/auth/token", json={"email": "a\u0000@b.c", "password": "x"})
    assert got.status_code == 422 and got.json()["errors"][0]["field"] == "email"
    got = client.post(f"{PREFIX}/persons", json={"name": "A\u0000"}, headers=a.headers)
    assert got.status_code == 422 and got.json()["errors"][0]["field"] == "name"
    got = client.get(f"{PREFIX}/persons?search=%00", headers=a.headers)
    assert got.status_code == 422


def test_persons_come_a_page_at_a_time(client: Any, store: Any) -> None:
    a = sign_up(client, store, "Pages")
    for name in ("Cy", "Al", "Bo"):
        client.post(f"{PREFIX}/persons", json={"name": name}, headers=a.headers)
    first = client.get(f"{PREFIX}/persons?limit=2", headers=a.headers).json()
    rest = client.get(f"{PREFIX}/persons?limit=2&offset=2", headers=a.headers).json()
    assert [p["name"] for p in first + rest] == ["Al", "Bo", "Cy"]
