"""The `crux` command, run in-process as a person or a program would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crux.cli import app
from crux.knowledge import load_knowledge
from crux.vocabulary import load_vocabulary

from .conftest import REPO

EXAMPLES = REPO / "examples"
runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_assess_text_puts_the_triage_level_first() -> None:
    result = run("assess", str(EXAMPLES / "heel_pain_runner.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Triage: SELF-CARE")
    assert "Likely root causes" in result.stdout
    assert "does not diagnose" in result.stdout


def test_assess_red_flag_example_is_an_emergency() -> None:
    result = run("assess", str(EXAMPLES / "back_pain_saddle_numbness.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Triage: EMERGENCY")


def test_assess_json_validates_against_the_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(run("schema", "assessment").stdout)
    known = load_vocabulary().node_ids() | {n.id for n in load_knowledge().nodes}
    for example in sorted(EXAMPLES.glob("*.json")):
        result = run("assess", "--format", "json", str(example))
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        jsonschema.validate(data, schema)
        ids = [x["id"] for key in ("root_causes", "contributing_factors", "conditions")
               for x in data[key]]
        ids += [step for rc in data["root_causes"] for step in rc["explanation"]]
        assert set(ids) <= known


def test_assess_jsonl_gives_one_line_per_input_in_order() -> None:
    files = [EXAMPLES / "desk_headache.json", EXAMPLES / "heel_pain_runner.json"]
    result = run("assess", "--format", "jsonl", *map(str, files))
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    heel = json.loads(run("assess", "-f", "json", str(files[1])).stdout)
    assert second == heel
    assert first != second


def test_assess_reads_standard_input() -> None:
    text = (EXAMPLES / "heel_pain_runner.json").read_text()
    result = run("assess", "-f", "json", "-", stdin=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["triage"]["level"] == "self_care"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty input"),
        ("{not json", "invalid JSON at line 1"),
        ('{"version": 1, "age": 400, "complaints": [{"region": "heel", "side": "left", "severity": 11}]}',
         "age: 400 is out of range"),
        ('{"version": 1, "complaints": [{"region": "heel", "side": "left"}], "exposures": {"naps": 2}}',
         "exposures.naps: unknown field 'naps'"),
    ],
)
def test_bad_input_exits_2_with_one_line_per_problem(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "case.json"
    path.write_text(content)
    result = run("assess", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert any(expected in line for line in lines), lines
    assert "Traceback" not in result.output


def test_several_problems_come_out_on_several_lines(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(
        '{"version": 1, "age": 400, "complaints": [{"region": "heel", "side": "left", '
        '"severity": 11}], "exposures": {"sitting_hours_per_day": -1}}'
    )
    result = run("assess", str(path))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 3


def test_a_bad_file_among_good_ones_stops_everything(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = run("assess", "-f", "jsonl", str(EXAMPLES / "heel_pain_runner.json"), str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "bad.json: complaints: required, but missing" in result.stderr


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    result = run("assess", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "nope.json: no such file" in result.stderr


def test_json_format_refuses_several_cases() -> None:
    example = str(EXAMPLES / "heel_pain_runner.json")
    result = run("assess", "--format", "json", example, example)
    assert result.exit_code == 2
    assert "use --format jsonl" in result.stderr


@pytest.mark.parametrize("which", ["case", "assessment"])
def test_schema_prints_json_schema(which: str) -> None:
    result = run("schema", which)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["type"] == "object"
    assert "properties" in data


def test_kb_check_reports_sound() -> None:
    result = run("kb", "check")
    assert result.exit_code == 0, result.output
    assert "sound" in result.stdout
