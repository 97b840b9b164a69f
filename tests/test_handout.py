"""The handout (HTML, and the same as PDF), its drawings and its body chart."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from crux.body_chart import Mark, places, render_svg
from crux.contract import Assessment, Triage, parse_case
from crux.knowledge.loader import load_knowledge
from crux.plan import build_plan, render_html, render_pdf
from crux.plan._drawing import drawings, poses, render
from crux.vocabulary import load_vocabulary

KB = load_knowledge()
HEEL = {
    "version": 1, "age": 38, "sex": "female",
    "complaints": [{"region": "heel", "side": "left", "onset": "gradual", "duration_weeks": 6,
                    "worse_with": ["first_steps_morning", "running"]}],
    "exposures": {"sitting_hours_per_day": 9, "running_km_per_week": 30},
    "measurements": {"single_leg_bridge_hold_s": 8},
}


@pytest.fixture(scope="module")
def heel_plan():  # type: ignore[no-untyped-def]
    from crux.assess import assess, shipped_model

    model = shipped_model()
    case = parse_case(HEEL)
    return build_plan(case.known(), assess(case, model), model.kb, start=date(2026, 1, 5))


def test_every_intervention_has_its_own_drawing() -> None:
    exercises = [i for i in KB.interventions
                 if i.kind in ("release", "realign", "mobilise", "stretch", "strengthen")
                 and i.who == "self"]
    for i in KB.interventions:
        assert i.id in drawings(), f"{i.id} has no drawing"
        assert drawings()[i.id].pose in poses()
        ET.fromstring(render(i.id, i.label))  # well-formed SVG
    svgs = [render(i.id) .replace(i.id, "") for i in exercises]
    assert len(set(svgs)) == len(svgs), "two exercises share a drawing"


def test_every_region_is_on_the_body_chart() -> None:
    assert set(load_vocabulary().regions) <= set(places())
    svg = render_svg([Mark(r, "left", "pain", r) for r in places()])
    root = ET.fromstring(svg)
    marks = [e for e in root.iter("{http://www.w3.org/2000/svg}ellipse")]
    sided = sum(1 for p in places().values() if p.dx)
    assert len(marks) == len(places())  # one mark each (left only, or central)
    assert sided > 30


def test_the_handout_puts_triage_first_and_draws_each_exercise(heel_plan) -> None:  # type: ignore[no-untyped-def]
    html = render_html(heel_plan)
    assert html.index(heel_plan.triage_advice) < html.index("Your daily routine")
    assert "body-chart" in html and "Where it hurts" in html
    for w in heel_plan.why:
        assert w.chain[0] in html and w.chain[-1] in html
    for item in heel_plan.routine:
        assert f'id="{item.id}"' in html
        card = html[html.index(f'id="{item.id}"'):]
        assert card.index('class="drawing"') < card.index("</div>\n</div>") + 20
        assert item.dose_text.capitalize() in html or item.dose_text == "as the steps say"
    assert "Progress log" in html and "Stop and seek help" in html


def test_an_emergency_handout_has_advice_and_no_exercises() -> None:
    assessment = Assessment(
        triage=Triage(level="emergency", reasons=["cauda equina"],
                      advice="Go to the emergency department now."),
        root_causes=[], contributing_factors=[], conditions=[], knowledge_version=KB.version)
    plan = build_plan(HEEL, assessment, KB, start=date(2026, 1, 5))
    html = render_html(plan)
    assert "Go to the emergency department now." in html
    assert 'class="item"' not in html and "Your daily routine" not in html
    assert "Do not start any exercises" in html


def test_the_pdf_is_the_same_handout(heel_plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    pdf = render_pdf(heel_plan)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert "Self-care is a reasonable start" in flat
    assert flat.index("reasonable start") < flat.index("Your daily routine")
    for item in heel_plan.routine:
        assert item.label.capitalize()[:30] in flat
    assert "Progress log" in flat
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    first = Image.open(pages[0]).convert("L")
    dark = sum(1 for px in first.getdata() if px < 128)
    assert dark > 500, "the first page is blank"


def test_crux_plan_writes_html_pdf_and_ics(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from crux.cli import app

    case = tmp_path / "case.json"
    case.write_text(json.dumps(HEEL))
    runner = CliRunner()
    html = runner.invoke(app, ["plan", str(case), "--format", "html"])
    assert html.exit_code == 0 and html.stdout.startswith("<!doctype html>")
    pdf = runner.invoke(app, ["plan", str(case), "--format", "pdf"])
    assert pdf.exit_code == 0 and pdf.stdout_bytes.startswith(b"%PDF")
    ics = runner.invoke(app, ["plan", str(case), "--format", "ics", "--weeks", "1"])
    assert ics.exit_code == 0 and b"BEGIN:VCALENDAR" in ics.stdout_bytes
    bad = runner.invoke(app, ["plan", str(case), "--format", "docx"])
    assert bad.exit_code == 2 and "docx" in bad.output
