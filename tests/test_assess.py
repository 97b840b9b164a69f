"""The assessment pipeline on any valid case: it validates against the published schema,
triage comes first and is never lowered, sides are reasoned about, and every root cause
is explained by a causal path that ends at what hurts."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from crux.assess import assess, shipped_model
from crux.contract import assessment_json_schema, parse_case
from crux.reasoning.evidence import observed_findings
from crux.vocabulary import TRIAGE_ORDER, load_vocabulary

from .strategies import cases

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = assessment_json_schema()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_assessment_validates_against_the_schema(case: dict[str, Any]) -> None:
    result = assess(parse_case(case))
    jsonschema.validate(result.model_dump(mode="json"), SCHEMA)
    known = load_vocabulary().node_ids() | {n.id for n in shipped_model().kb.nodes}
    for rc in result.root_causes:
        assert rc.id in known
        assert rc.explanation[0] == rc.id
        assert set(rc.explanation) <= known
    probs = [c.probability for c in result.root_causes]
    assert probs == sorted(probs, reverse=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_a_yes_to_any_red_flag_never_lowers_the_level(case: dict[str, Any]) -> None:
    before = assess(parse_case(case)).triage.level
    for flag in load_vocabulary().red_flags:
        more = copy.deepcopy(case)
        more.setdefault("red_flags", {})[flag] = True
        after = assess(parse_case(more)).triage.level
        assert TRIAGE_ORDER.index(after) <= TRIAGE_ORDER.index(before), (flag, before, after)


def _heel(side: str) -> dict[str, Any]:
    return {
        "version": 1,
        "age": 36,
        "sex": "male",
        "complaints": [
            {"region": "heel", "side": side, "onset": "gradual", "duration_weeks": 8,
             "qualities": ["ache"], "worse_with": ["running", "walking"]}
        ],
        "exposures": {"sitting_hours_per_day": 9, "running_km_per_week": 25},
    }


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_one_sided_pain_is_explained_by_causes_on_that_side(side: str) -> None:
    model = shipped_model()
    result = assess(parse_case(_heel(side)), model)
    lateral = [rc for rc in result.root_causes if rc.side is not None]
    assert lateral, "no lateral root cause was ranked"
    assert all(rc.side == side for rc in lateral[:3])


def test_explanation_path_runs_from_the_root_to_a_node_linked_to_the_complaint() -> None:
    model = shipped_model()
    net = model.network
    case = parse_case(_heel("left"))
    result = assess(case, model)
    complaint_parents = set()
    for ob in observed_findings(model.kb, case):
        if ob.present and ob.finding.when.complaint is not None:
            for name in (ob.finding.id, f"{ob.finding.id}@{ob.side}"):
                if name in net.finding_index:
                    f = net.findings[net.finding_index[name]]
                    complaint_parents |= {net.variables[p].node for p in f.parents}
    for rc in result.root_causes:
        path = rc.explanation
        for a, b in itertools.pairwise(path):
            assert (a, b) in model.edges, f"{a} -> {b} is not an edge"
        assert path[-1] in complaint_parents, (rc.id, path)
        assert rc.summary.endswith(".")
    assert result.root_causes[0].evidence, "the top root cause has no supporting answer"


def test_unknown_and_false_are_not_the_same_evidence() -> None:
    base = _heel("left")
    told_no = copy.deepcopy(base)
    told_no["exposures"]["footwear_worn"] = False
    told_yes = copy.deepcopy(base)
    told_yes["exposures"]["footwear_worn"] = True
    p = {
        name: {f.id: f.probability for f in assess(parse_case(c)).contributing_factors}
        for name, c in (("unknown", base), ("no", told_no), ("yes", told_yes))
    }
    footwear = {k: v.get("footwear", 0.0) for k, v in p.items()}
    assert footwear["no"] < footwear["unknown"] < footwear["yes"]
