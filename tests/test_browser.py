"""The web app in a real browser: Playwright driving Debian's chromium against `crux serve`
on a fresh SQLite database. Both ways end to end (the patient's and the practitioner's),
a red-flag answer, clinic isolation, the keyboard, a phone's width and an accessibility
check (axe-core) on every page. Each step writes a screenshot to build/screenshots/."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO / "build" / "screenshots"
PASSWORD = "a long enough password"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed (make test installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`crux serve` on a fresh database with two clinics, each with a practitioner."""
    from crux import records

    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'crux.db'}"
    store = records.Store.open(url)
    clinics = {}
    with store.transaction() as db:
        for name in ("Alpha", "Beta"):
            made, user = records.create_clinic(db, f"{name} clinic", records.UserIn(
                email=f"{name.lower()}@crux.example", name=f"{name} practitioner",
                role="admin", password=PASSWORD))
            clinics[name] = {"id": made.id, "email": user.email}
    port = _free_port()
    crux = Path(sys.executable).with_name("crux")
    server = subprocess.Popen([str(crux), "serve", "--port", str(port), "--url", url],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env={**os.environ})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("crux serve did not start")
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield {"base": base, "clinics": clinics, "store": store}
    server.terminate()
    server.wait(timeout=10)
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  accept_downloads=True)
    yield context.new_page()
    context.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def accessible(page: Any) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing (make test installs axe-core from the npm registry)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} at "
           f"{[n['target'] for n in v['nodes']][:3]}"
           for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


def answer_all(page: Any, name: str, choose: Any = None, limit: int = 30) -> None:
    """Answer each question until the result: `choose(question_id, page)` may answer it and
    return True; otherwise a checklist is sent with nothing ticked and the rest are
    "don't know"."""
    for n in range(limit):
        if "/result" in page.url:
            return
        qid = page.locator("input[name=question]").get_attribute("value")
        if n < 3:
            shot(page, f"{name}-question-{n + 1}")
        if choose and choose(qid, page):
            pass
        elif qid.startswith("screen."):
            page.get_by_role("button", name="Continue").click()
        else:
            page.get_by_role("button", name="Don't know").click()
        page.wait_for_load_state()
    pytest.fail("the interview did not end")


def test_the_patients_way(site: dict[str, Any], page: Any) -> None:
    base = site["base"]
    page.goto(base + "/")
    shot(page, "patient-1-home")
    accessible(page)
    page.get_by_role("link", name="Start: show where it hurts").click()
    page.locator('a.region[data-region="heel"][data-side="left"]').click()
    page.locator('a.region[data-region="calf"][data-side="left"]').click()
    page.locator('a.region[data-region="calf"][data-side="left"]').click()  # and off again
    assert page.locator("ul.chosen li").all_inner_texts() == [
        page.locator("ul.chosen li").first.inner_text()]
    page.fill("#age", "41")
    page.check("input[name=sex][value=female]")
    shot(page, "patient-2-body-chart")
    accessible(page)
    page.get_by_role("button", name="Start the questions").click()
    page.wait_for_url(re.compile(r"/check/[^/]+$"))
    accessible(page)
    asked = []

    def choose(qid: str, p: Any) -> bool:
        asked.append(qid)
        if qid == "history.pregnant_weeks":
            p.fill("#answer", "0")
            p.get_by_role("button", name="Answer").click()
            return True
        if any(k in qid for k in ("first_steps_morning", "stabbing", "running")) and \
                p.locator("input[name=answer][value=yes]").count():
            p.check("input[name=answer][value=yes]")
            p.get_by_role("button", name="Answer").click()
            return True
        return False

    answer_all(page, "patient-3", choose)
    assert len(asked) >= 3
    # the triage advice comes first on the result
    first = page.locator("main h1 + section.triage")
    assert first.is_visible() and "self-care" in first.inner_text().lower()
    assert page.locator("li.cause svg.chain").count() >= 1
    shot(page, "patient-4-result")
    accessible(page)
    page.get_by_role("link", name="See your plan").click()
    assert page.locator("ol.routine li.item svg").count() >= 1
    shot(page, "patient-5-plan")
    accessible(page)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download the handout (PDF)").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as ics:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    assert b"BEGIN:VCALENDAR" in Path(ics.value.path()).read_bytes()
    page.fill("#name", "Ada")
    page.get_by_role("button", name="Keep my plan").click()
    page.wait_for_url(re.compile(r"/mine/"))
    assert page.locator("svg.progress-chart").count() == 0
    drawn = []
    for day, pain, score in (("2026-11-02", "7", "2"), ("2026-11-16", "4", "6")):
        page.fill("#day", day)
        page.fill("input[name^='pain:heel']", pain)
        page.fill("#activity0", "running 5 km")
        page.fill("#score0", score)
        page.get_by_role("button", name="Save today's entry").click()
        page.wait_for_load_state()
        drawn.append(page.locator("svg.progress-chart circle title").evaluate_all(
            "els => els.map(e => e.textContent)"))
    assert len(drawn[0]) == 2 and len(drawn[1]) == 4  # pain and function, day by day
    assert any("pain" in t and ": 4 on 16 Nov" in t for t in drawn[1])
    shot(page, "patient-6-progress")
    accessible(page)


def test_a_red_flag_shows_the_emergency_advice_and_no_exercises(site: dict[str, Any],
                                                                 page: Any) -> None:
    page.goto(site["base"] + "/check?pick=lower_back:central&age=35&sex=male")
    page.get_by_role("button", name="Start the questions").click()
    page.wait_for_url(re.compile(r"/check/[^/]+$"))

    def chest_pain(qid: str, p: Any) -> bool:
        if qid == "screen.emergency_signs":
            p.check("input[name=answer][value='red_flags.chest_pain']")
            p.get_by_role("button", name="Continue").click()
            return True
        return False

    answer_all(page, "red-flag", chest_pain)
    banner = page.locator("section.triage")
    assert "emergency" in banner.inner_text().lower()
    assert "do not start any exercises" in banner.inner_text().lower()
    assert page.get_by_role("link", name="See your plan").count() == 0
    assert page.locator("ol.causes, ol.routine").count() == 0
    shot(page, "red-flag-result")
    accessible(page)


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/patients")
    page.wait_for_url(re.compile(r"/signin"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/patients$"))


def test_the_practitioners_way(site: dict[str, Any], page: Any) -> None:
    base = site["base"]
    page.goto(base + "/signin")
    shot(page, "practitioner-1-sign-in")
    accessible(page)
    sign_in(page, base, site["clinics"]["Alpha"]["email"])
    page.fill("#name", "Grace Hopper")
    page.fill("#birth_year", "1980")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(re.compile(r"/patients/[0-9a-f-]{36}$"))
    person_url = page.url
    shot(page, "practitioner-2-patient")
    accessible(page)
    page.get_by_role("link", name="Start an assessment").click()
    page.locator('a.region[data-region="knee_front"][data-side="right"]').click()
    page.fill("#age", "45")
    page.get_by_role("button", name="Start the questions").click()
    page.wait_for_url(re.compile(r"/check/[^/]+$"))
    answer_all(page, "practitioner-3")
    page.get_by_role("button", name="Save to the patient's record").click()
    page.wait_for_url(re.compile(r"/assessments/"))
    shot(page, "practitioner-4-assessment")
    accessible(page)
    before = page.locator("li.cause h3").all_inner_texts()
    page.select_option("#measurement", "thomas_test")
    page.select_option("#side", "right")
    page.fill("#value", "yes")
    page.get_by_role("button", name="Add and reassess").click()
    page.wait_for_url(re.compile(r"\?was="))
    notice = page.locator(".notice").inner_text()
    assert "After your change" in notice
    after = page.locator("li.cause h3").all_inner_texts()
    assert after != before or "→" in notice  # the reasoning moved
    shot(page, "practitioner-5-adjusted")
    page.get_by_role("button", name="Make the plan").click()
    page.wait_for_url(re.compile(r"/plans/"))
    shot(page, "practitioner-6-plan")
    accessible(page)
    with page.expect_popup() as printed:
        page.get_by_role("link", name="Print the handout").click()
    assert "Your self-care plan" in printed.value.content()
    page.goto(person_url)
    assert page.locator("ol.timeline li").count() == 2
    shot(page, "practitioner-7-timeline")
    site["alpha_person"] = person_url


def test_a_photo_uploaded_is_measured_and_the_assessment_updates(site: dict[str, Any],
                                                                   page: Any) -> None:
    from crux.movement import default_python

    from .support import media

    if not default_python().exists():
        pytest.skip("the pose environment .venv-pose is missing (make test makes it)")
    photo = media.basketball()
    sign_in(page, site["base"], site["clinics"]["Alpha"]["email"])
    page.fill("#name", "Mo Tion")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("link", name="Start an assessment").click()
    page.locator('a.region[data-region="knee_front"][data-side="right"]').click()
    page.get_by_role("button", name="Start the questions").click()
    page.wait_for_url(re.compile(r"/check/[^/]+$"))
    answer_all(page, "movement")
    page.get_by_role("button", name="Save to the patient's record").click()
    page.wait_for_url(re.compile(r"/assessments/"))
    page.set_input_files("#media", str(photo))
    page.select_option("#view", "front")
    page.select_option("#activity", "standing")
    page.get_by_role("button", name="Analyse").click()
    page.wait_for_url(re.compile(r"/movement/"))
    shot(page, "movement-1-progress")
    page.get_by_text("See the updated assessment").wait_for(timeout=60_000)
    assert page.locator("table.entries td", has_text="projection angle").count() == 2
    frame = page.locator("figure.frame img")
    assert frame.count() == 1
    assert page.evaluate("img => img.naturalWidth", frame.element_handle()) > 0
    shot(page, "movement-2-result")
    accessible(page)
    page.get_by_text("See the updated assessment").click()
    page.wait_for_url(re.compile(r"\?was="))
    assert "projection angle" in page.locator("section.panel").last.inner_text().lower()
    shot(page, "movement-3-assessment")


def test_another_clinics_practitioner_cannot_open_the_patient(site: dict[str, Any],
                                                               page: Any) -> None:
    person_url = site.get("alpha_person")
    if person_url is None:
        pytest.skip("the practitioner's way did not run")
    sign_in(page, site["base"], site["clinics"]["Beta"]["email"])
    assert "Grace Hopper" not in page.content()
    response = page.goto(person_url)
    assert response.status == 404
    assert "Grace Hopper" not in page.content()
    shot(page, "isolation-not-found")


def test_the_body_chart_works_by_keyboard_and_fits_a_phone(site: dict[str, Any],
                                                           browser: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site["base"] + "/check")
    region = page.locator('a.region[data-region="neck"]')
    label = region.get_attribute("aria-label")
    assert label and "not chosen" in label
    region.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "chosen;" in page.locator('a.region[data-region="neck"]').get_attribute("aria-label")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    regions = {a.get_attribute("data-region") for a in page.locator("a.region").all()}
    from crux.vocabulary import load_vocabulary

    assert regions == set(load_vocabulary().regions)  # every region can be chosen
    shot(page, "phone-body-chart")
    context.close()


def test_screenshots_were_written() -> None:
    names = {p.name for p in SHOTS.glob("*.png")} if SHOTS.exists() else set()
    assert not names or "patient-4-result.png" in names, json.dumps(sorted(names))


def test_every_place_on_the_chart_can_be_clicked(site: dict[str, Any], page: Any) -> None:
    """No place is hidden under another: a click at each place's own centre reaches it."""
    page.goto(site["base"] + "/check")
    hidden = page.evaluate("""() => {
        const out = [];
        for (const a of document.querySelectorAll('a.region')) {
            for (const e of a.querySelectorAll('ellipse')) {
                const r = e.getBoundingClientRect();
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                if (!hit || hit.closest('a.region') !== a) {
                    out.push(a.dataset.region + ':' + a.dataset.side);
                }
            }
        }
        return out;
    }""")
    assert hidden == []
