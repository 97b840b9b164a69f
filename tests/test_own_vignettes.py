"""Our own vignettes (tests/vignettes/*.yaml), in the format of the dev set: triage level,
and one expected root cause, condition and factor in the top 3 of each list, with the same
assertions as tests/test_vignettes.py. A red-flag case names in ``rule`` the red-flag
rule(s) it is written to fire; those must fire, and the level it expects must be at least
as urgent as theirs. Together the cases name every root cause of the knowledge base as an
expected root cause and every red-flag rule. Nothing in the code or the knowledge
special-cases them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from crux.assess import assess
from crux.contract import parse_case
from crux.knowledge import load_knowledge
from crux.vocabulary import TRIAGE_ORDER

from .conftest import dev_vignettes

HERE = Path(__file__).parent / "vignettes"


def own_vignettes() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append({**item, "file": path.name})
    return cases


def rules_named(vignette: dict[str, Any]) -> list[str]:
    named = vignette.get("rule") or []
    return [named] if isinstance(named, str) else list(named)


VIGNETTES = own_vignettes()
KB = load_knowledge()


BY_ID = {v["id"]: v for v in VIGNETTES}


@cache
def _assessed(vignette_id: str) -> Any:
    return assess(parse_case(BY_ID[vignette_id]["case"]))


def _top3(items: list[Any]) -> list[str]:
    return [x.id for x in items[:3]]


def _urgency(level: str) -> int:
    return TRIAGE_ORDER.index(level)


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_own_vignette(vignette: dict[str, Any]) -> None:
    expect = vignette["expect"]
    result = _assessed(vignette["id"])
    level = result.triage.level
    wanted = expect["triage"]
    if wanted == "self_care":
        assert level == "self_care", f"over-triaged to {level}: {result.triage.reasons}"
    else:
        assert _urgency(level) <= _urgency(wanted), level
    fired = [r.id for r in result.triage.rules]
    for rule in rules_named(vignette):
        assert rule in fired, f"rule {rule} did not fire; fired: {fired}"
    for key, ranked in (
        ("root_causes", result.root_causes),
        ("conditions", result.conditions),
        ("factors", result.contributing_factors),
    ):
        if key in expect:
            top = _top3(ranked)
            assert set(expect[key]) & set(top), f"{key}: expected one of {expect[key]}, got {top}"


def test_cases_are_well_formed_and_new() -> None:
    ids = [v["id"] for v in VIGNETTES]
    assert len(ids) == len(set(ids)), "duplicate vignette ids"
    assert not set(ids) & {v["id"] for v in dev_vignettes()}, "an id clashes with the dev set"
    levels = {r.id: r.level for r in KB.rules}
    for v in VIGNETTES:
        assert set(v) <= {"id", "note", "case", "expect", "rule", "file"}, v["id"]
        assert set(v["expect"]) <= {"triage", "root_causes", "conditions", "factors"}, v["id"]
        assert v["expect"]["triage"] in TRIAGE_ORDER, v["id"]
        named = rules_named(v)
        if v["expect"]["triage"] == "self_care":
            assert not named, f"{v['id']}: a self-care case names no red-flag rule"
        else:
            assert named, f"{v['id']}: a red-flag case names the rule(s) it fires"
        for rule in named:
            assert rule in levels, f"{v['id']}: unknown rule {rule}"
            assert _urgency(v["expect"]["triage"]) <= _urgency(levels[rule]), (
                f"{v['id']}: expects {v['expect']['triage']}, below the level of {rule}"
            )


def test_enough_cases_of_both_kinds() -> None:
    mechanical = [v for v in VIGNETTES if v["expect"]["triage"] == "self_care"]
    flagged = [v for v in VIGNETTES if v["expect"]["triage"] != "self_care"]
    assert len(VIGNETTES) >= 36
    assert len(mechanical) >= 36 and len(flagged) >= 20
    ages = [v["case"].get("age") for v in mechanical if v["case"].get("age") is not None]
    sexes = {v["case"].get("sex") for v in mechanical}
    assert min(ages) < 20 and max(ages) >= 65, "mechanical cases span the ages"
    assert {"female", "male"} <= sexes, "mechanical cases of both sexes"


def test_every_root_cause_is_expected_somewhere() -> None:
    expected = {rc for v in VIGNETTES for rc in v["expect"].get("root_causes", [])}
    root_causes = {n.id for n in KB.nodes if n.kind == "root_cause"}
    assert root_causes - expected == set(), "root causes no vignette expects"


def test_every_root_cause_is_found_where_expected() -> None:
    # stronger than naming it: each root cause ranks in the top 3 of some case expecting it
    found = set()
    for v in VIGNETTES:
        wanted = set(v["expect"].get("root_causes", []))
        if wanted:
            found |= wanted & set(_top3(_assessed(v["id"]).root_causes))
    root_causes = {n.id for n in KB.nodes if n.kind == "root_cause"}
    assert root_causes - found == set(), "root causes never found in the top 3 where expected"


def test_every_red_flag_rule_is_exercised() -> None:
    named = {rule for v in VIGNETTES for rule in rules_named(v)}
    rules = {r.id for r in KB.rules}
    assert rules - named == set(), "red-flag rules no vignette fires"
