"""The case contract: what is accepted, what is refused and how the refusal reads."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from crux.contract import (
    CaseError,
    assessment_json_schema,
    case_json_schema,
    parse_case,
    parse_case_text,
)
from crux.vocabulary import load_vocabulary

from .conftest import REPO, shared_file


def problems(data: Any) -> list[str]:
    with pytest.raises(CaseError) as info:
        parse_case(data)
    return [str(p) for p in info.value.problems]


def test_example_case_of_the_contract_is_accepted(heel_case: dict[str, Any]) -> None:
    case = parse_case(heel_case)
    assert case.complaints[0].region == "heel"
    assert case.measurements.hip_extension_toe_off_deg == 6


def test_packaged_vocabulary_holds_every_term_of_the_shared_file() -> None:
    shared = yaml.safe_load(shared_file("contract", "vocabulary.yaml").read_text())
    ours = load_vocabulary().all_terms()
    for section, terms in shared.items():
        ids = set(terms) if isinstance(terms, dict | list) else set()
        missing = ids - ours[section]
        assert not missing, f"{section} lost {sorted(missing)}"


def test_packaged_vocabulary_keeps_the_shared_thresholds_and_meanings() -> None:
    shared = yaml.safe_load(shared_file("contract", "vocabulary.yaml").read_text())
    vocab = load_vocabulary()
    for name, spec in shared["measurements"].items():
        if "threshold" in spec:
            assert vocab.measurements[name].threshold is not None, f"{name} lost its threshold"
    # the packaged copy quotes meanings that hold a comma, which YAML's flow style cuts
    for section in ("exposures", "history", "measurements"):
        for name, spec in shared[section].items():
            assert str(spec["meaning"]) in vocab_meaning(section, name)


def vocab_meaning(section: str, name: str) -> str:
    raw = yaml.safe_load((REPO / "src" / "crux" / "data" / "vocabulary.yaml").read_text())
    return str(raw[section][name]["meaning"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.update(age=400), "age: 400 is out of range; allowed: 0 to 120"),
        (lambda c: c["complaints"][0].update(severity=11), "complaints[0].severity: 11 is out of range; allowed: 0 to 10"),
        (lambda c: c["exposures"].update(sitting_hours_per_day=-2), "exposures.sitting_hours_per_day: -2 is out of range"),
        (lambda c: c["complaints"][0].update(region="kneee"), 'complaints[0].region: "kneee" is not allowed; allowed: head,'),
        (lambda c: c["complaints"][0].update(worse_with=["jogging"]), 'complaints[0].worse_with[0]: "jogging" is not allowed; allowed: running,'),
        (lambda c: c["exposures"].update(sitting_hrs=3), "exposures.sitting_hrs: unknown field 'sitting_hrs'; allowed: sitting_hours_per_day,"),
        (lambda c: c["red_flags"].update(fever="yes"), 'red_flags.fever: expected true or false, got "yes"'),
        (lambda c: c.update(age="38"), 'age: expected a number, got "38"'),
        (lambda c: c["red_flags"].update(fever=None), "red_flags.fever: null is not allowed; leave the key out"),
        (lambda c: c.pop("complaints"), "complaints: required, but missing"),
        (lambda c: c["complaints"][0].pop("side"), "complaints[0].side: required, but missing"),
        (lambda c: c.update(complaints=[]), "complaints: must hold at least one item"),
        (lambda c: c.update(version=2), "version: 2 is not allowed; allowed: 1"),
        (lambda c: c.update(sex="f"), 'sex: "f" is not allowed; allowed: female, male, other, unknown'),
        (lambda c: c["measurements"].update(pelvic_drop_deg={"left": 99}), "measurements.pelvic_drop_deg.left: 99 is out of range"),
        (lambda c: c.update(colour="red"), "colour: unknown field 'colour'; allowed: version, age,"),
    ],
)
def test_bad_input_names_the_field_and_what_is_allowed(
    heel_case: dict[str, Any], change: Any, expected: str
) -> None:
    case = copy.deepcopy(heel_case)
    change(case)
    found = problems(case)
    assert any(line.startswith(expected) for line in found), found


def test_every_problem_is_reported_not_just_the_first(heel_case: dict[str, Any]) -> None:
    case = copy.deepcopy(heel_case)
    case["age"] = 400
    case["complaints"][0]["severity"] = 11
    case["exposures"]["bogus"] = 1
    found = problems(case)
    assert len(found) == 3
    assert [line.split(":")[0] for line in found] == [
        "age",
        "complaints[0].severity",
        "exposures.bogus",
    ]


def test_absent_means_unknown_and_false_means_no(heel_case: dict[str, Any]) -> None:
    case = parse_case(heel_case)
    assert case.history.recurrent_ankle_sprains is False
    assert case.history.flat_feet is None
    assert "flat_feet" not in case.known()["history"]
    assert case.known()["history"] == {"recurrent_ankle_sprains": False}
    assert case.red_flags.bone_tenderness is False
    assert case.red_flags.fever is None


def test_per_side_measurement_form_and_plain_number_both_accepted(
    heel_case: dict[str, Any],
) -> None:
    heel_case["measurements"] = {"hip_extension_toe_off_deg": {"left": 6, "right": 14}}
    case = parse_case(heel_case)
    assert case.measurements.hip_extension_toe_off_deg.right == 14


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "case.json: empty input"),
        ("   \n", "case.json: empty input"),
        ('{"version": 1,', "case.json: invalid JSON at line 1"),
        ("[1, 2]", "a case is a JSON object"),
    ],
)
def test_unreadable_text_is_refused_clearly(text: str, expected: str) -> None:
    with pytest.raises(CaseError) as info:
        parse_case_text(text, "case.json")
    assert str(info.value).startswith(expected) or expected in str(info.value)


def test_schemas_are_json_schema_with_the_vocabulary_enums() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    case_schema = case_json_schema()
    jsonschema.Draft202012Validator.check_schema(case_schema)
    jsonschema.Draft202012Validator.check_schema(assessment_json_schema())
    text = json.dumps(case_schema)
    for region in load_vocabulary().regions:
        assert f'"{region}"' in text


def test_schema_accepts_what_the_models_accept(heel_case: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(heel_case, case_json_schema())
    bad = copy.deepcopy(heel_case)
    bad["age"] = 400
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, case_json_schema())
