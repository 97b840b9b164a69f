"""The web app's pages through an in-process client on a real SQLite database: sessions,
forms, errors as pages, and the chart and diagrams they draw."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crux import records
from crux.web import create_web_app
from crux.web._chart import clickable_svg
from crux.web._diagram import chain_svg, progress_svg

PASSWORD = "a long enough password"


@pytest.fixture
def web(tmp_path: Any) -> Any:
    store = records.Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    with store.transaction() as db:
        records.create_clinic(db, "Web clinic", records.UserIn(
            email="p@web.example", name="P", role="admin", password=PASSWORD))
    yield TestClient(create_web_app(store), raise_server_exceptions=False)
    store.close()


def signed_in(client: TestClient) -> str:
    got = client.post("/signin", data={"email": "p@web.example", "password": PASSWORD,
                                       "next": "/patients"}, follow_redirects=False)
    assert got.status_code == 303
    page = client.get("/patients").text
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def test_pages_need_a_signed_in_practitioner(web: TestClient) -> None:
    got = web.get("/patients?search=x", follow_redirects=False)
    assert got.status_code == 303
    assert got.headers["location"] == "/signin?next=/patients%3Fsearch%3Dx"


def test_the_session_cookie_is_http_only_and_same_site(web: TestClient) -> None:
    got = web.post("/signin", data={"email": "p@web.example", "password": PASSWORD},
                   follow_redirects=False)
    cookie = got.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_sign_in_never_sends_the_browser_to_another_site(web: TestClient) -> None:
    got = web.post("/signin", data={"email": "p@web.example", "password": PASSWORD,
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert got.headers["location"] == "/patients"
    wrong = web.post("/signin", data={"email": "p@web.example", "password": "wrong one!"})
    assert wrong.status_code == 401 and "wrong email or password" in wrong.text.lower()


def test_a_form_without_its_csrf_token_is_refused(web: TestClient) -> None:
    token = signed_in(web)
    refused = web.post("/patients", data={"name": "Nobody"})
    assert refused.status_code == 403 and "<html" in refused.text
    made = web.post("/patients", data={"name": "Somebody", "csrf": token},
                    follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/patients/")


def test_errors_are_pages_and_the_api_keeps_its_problems(web: TestClient) -> None:
    signed_in(web)
    missing = web.get("/patients/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    gone = web.get("/check/" + "x" * 43)
    assert gone.status_code == 404 and "start a new one" in gone.text
    api = web.get("/api/v1/persons/00000000-0000-4000-8000-000000000000")
    assert api.headers["content-type"] == "application/problem+json"


def test_starting_without_a_place_says_what_to_do(web: TestClient) -> None:
    got = web.post("/check", data={"age": "40"})
    assert got.status_code == 422 and "Choose at least one place" in got.text
    bad_age = web.post("/check", data={"pick": "neck:central", "age": "forty"})
    assert bad_age.status_code == 422 and "whole number" in bad_age.text


def test_a_wrong_answer_is_asked_again_with_the_reason(web: TestClient) -> None:
    started = web.post("/check", data={"pick": "heel:left", "age": "30", "sex": "male"},
                       follow_redirects=False)
    url = started.headers["location"]
    for _ in range(10):  # through the checklists to a yes-or-no question
        page = web.get(url).text
        question = re.search(r'name="question" value="([^"]+)"', page).group(1)
        if 'value="yes"' in page:
            break
        web.post(url + "/answer", data={"question": question, "action": "answer"})
    got = web.post(url + "/answer", data={"question": question, "answer": "maybe",
                                          "action": "answer"})
    assert got.status_code == 422 and 'role="alert"' in got.text
    assert f'value="{question}"' in got.text  # the same question, asked again


def test_the_chart_offers_every_region_on_each_of_its_sides() -> None:
    from crux.vocabulary import load_vocabulary

    svg = clickable_svg({("heel", "left")}, lambda r, s: f"/x?{r}:{s}")
    links = re.findall(r'data-region="([a-z_]+)" data-side="([a-z]+)"', svg)
    assert {r for r, _ in links} == set(load_vocabulary().regions)
    assert ("heel", "left") in links and ("heel", "right") in links
    assert svg.count("chosen;") == 1  # only the heel, left, is chosen
    assert all('aria-label="' in part for part in svg.split("<a ")[1:])


def test_the_diagrams_draw_what_they_are_given() -> None:
    chain = chain_svg(["tight hip flexors", "pelvis tipped forward", "low back pain"], "t")
    assert chain.count("<rect") == 3 and chain.count("<line") == 2
    assert 'class="step root"' in chain and 'class="step pain"' in chain
    assert progress_svg({}, "t") == ""
    chart = progress_svg({"pain: heel": [(date(2026, 1, 1), 7.0), (date(2026, 1, 8), 3.0)]},
                         "t")
    assert chart.count("<circle") == 2 and "M" in chart
    years = progress_svg({"pain: heel": [(date(2025, 12, 30), 7.0), (date(2026, 1, 8), 3.0)]},
                         "t")
    assert "30 Dec 2025" in years and "08 Jan 2026" in years


def _to_result(client: TestClient, url: str, tick: str | None = None) -> None:
    """Answer until the result: checklists with `tick` ticked (when listed), else none;
    the rest "don't know"."""
    for _ in range(30):
        got = client.get(url, follow_redirects=False)
        if got.status_code == 303:
            return
        question = re.search(r'name="question" value="([^"]+)"', got.text).group(1)
        data: dict[str, Any] = {"question": question, "action": "dont_know"}
        if question.startswith("screen."):
            data = {"question": question, "action": "answer"}
            if tick and f'value="{tick}"' in got.text:
                data["answer"] = tick
        client.post(url + "/answer", data=data)
    raise AssertionError("the interview did not end")


def test_no_page_echoes_what_a_link_puts_in_its_address(web: TestClient) -> None:
    signed_in(web)
    made = web.post("/patients", data={"name": "P", "csrf": signed_in(web)},
                    follow_redirects=False).headers["location"]
    page = web.get(made + "?link=javascript:alert(1)&error=Call+this+number").text
    assert "javascript:alert" not in page and "Call this number" not in page
    assert "Call this number" not in web.get("/patients?error=Call+this+number").text


def test_forms_from_another_site_are_refused(web: TestClient) -> None:
    got = web.post("/check", data={"pick": "neck:central"},
                   headers={"origin": "http://evil.example"})
    assert got.status_code == 403
    got = web.post("/check", data={"pick": "neck:central"},
                   headers={"sec-fetch-site": "cross-site"})
    assert got.status_code == 403


def test_pages_are_not_cached_nor_framed(web: TestClient) -> None:
    got = web.get("/")
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["x-frame-options"] == "DENY"
    assert got.headers["referrer-policy"] == "same-origin"


def test_a_stale_session_never_blocks_a_patient(web: TestClient) -> None:
    web.cookies.set("crux_session", "not-a-real-token")
    got = web.post("/check", data={"pick": "neck:central"}, follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"].startswith("/check/")


def test_back_goes_back_once_per_click(web: TestClient) -> None:
    url = web.post("/check", data={"pick": "heel:left"}, follow_redirects=False) \
        .headers["location"]
    for _ in range(3):  # three answers
        page = web.get(url).text
        question = re.search(r'name="question" value="([^"]+)"', page).group(1)
        web.post(url + "/answer", data={"question": question, "action": "answer"}
                 if question.startswith("screen.") else
                 {"question": question, "action": "dont_know"})
    page = web.get(url).text
    asked = re.search(r'name="asked" value="(\d+)"', page).group(1)
    web.post(url + "/back", data={"asked": asked})
    web.post(url + "/back", data={"asked": asked})  # the same click again: ignored
    again = re.search(r'name="asked" value="(\d+)"', web.get(url).text).group(1)
    assert int(again) == int(asked) - 1


def test_an_emergency_gets_no_plan_and_nothing_kept(web: TestClient) -> None:
    url = web.post("/check", data={"pick": "lower_back:central", "age": "40"},
                   follow_redirects=False).headers["location"]
    _to_result(web, url, tick="red_flags.chest_pain")
    result = web.get(url + "/result").text
    assert "Emergency" in result and "See your plan" not in result
    for path in ("/plan", "/plan.pdf", "/plan.ics"):
        got = web.get(url + path, follow_redirects=False)
        assert got.status_code == 303 and got.headers["location"].endswith("/result")
    kept = web.post(url + "/keep", data={"name": "X"}, follow_redirects=False)
    assert kept.headers["location"].endswith("/result")


def test_the_persons_own_page_puts_the_advice_first(web: TestClient) -> None:
    url = web.post("/check", data={"pick": "heel:left", "age": "40"},
                   follow_redirects=False).headers["location"]
    _to_result(web, url)
    mine = web.post(url + "/keep", data={"name": "Me"}, follow_redirects=False)
    page = web.get(mine.headers["location"]).text
    assert page.index('class="triage') < page.index('id="log"')


def test_a_clinics_interview_is_not_kept_outside_the_clinic(web: TestClient) -> None:
    token = signed_in(web)
    person = web.post("/patients", data={"name": "Kept", "csrf": token},
                      follow_redirects=False).headers["location"].rsplit("/", 1)[-1]
    url = web.post("/check", data={"pick": "heel:left", "person": person},
                   follow_redirects=False).headers["location"]
    _to_result(web, url)
    assert "Keep my plan" not in web.get(url + "/plan").text
    refused = web.post(url + "/keep", data={"name": "Out"})
    assert refused.status_code == 409
    saved = web.post(url + "/save", data={"csrf": token}, follow_redirects=False)
    assert saved.headers["location"].startswith("/assessments/")
    tested = web.post(saved.headers["location"] + "/adjust", data={
        "measurement": "thomas_test", "side": "left", "value": "Positive", "csrf": token},
        follow_redirects=False)
    assert tested.status_code == 303 and "?was=" in tested.headers["location"]
    unsided = web.post(saved.headers["location"] + "/adjust", data={
        "measurement": "cadence_spm", "side": "left", "value": "170", "csrf": token})
    assert unsided.status_code == 422 and "not taken per side" in unsided.text
