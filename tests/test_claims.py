"""The claims ledger and the interventions: every claim of the five source articles is
encoded by items that exist, every intervention the articles name is there, bad data is
refused with a message that names it, and `crux kb coverage` prints the ledger."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from crux.cli import app
from crux.knowledge import check_knowledge, load_knowledge
from crux.knowledge.coverage import all_claim_problems, claims_ledger, render_ledger_text
from crux.knowledge.loader import KnowledgeError, data_dir, read_knowledge
from crux.knowledge.schema import Claim, Intervention, KnowledgeBase, parse_reference

from .conftest import SHARED

KB = load_knowledge()
ARTICLES = [s.id for s in KB.sources if s.kind == "article"]
CITE = {"source": "004_2afb08b9bf09d6d9", "says": "a test claim in our own words"}


def _with(kb: KnowledgeBase, **extra: tuple) -> KnowledgeBase:
    update = {key: getattr(kb, key) + value for key, value in extra.items()}
    return kb.model_copy(update=update)


def _claim(claim_id: str = "test_claim", **fields: Any) -> Claim:
    data: dict[str, Any] = {
        "id": claim_id,
        "source": "002_a71c11b7c50ae0f3",
        "kind": "causal",
        "says": "weak glutes load the calf",
        "encoded_by": ["edge:weak_glute_max->reduced_hip_extension"],
    }
    return Claim.model_validate(data | fields)


def _intervention_data(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "test_release",
        "label": "a test release",
        "kind": "release",
        "targets": ["tight_piriformis"],
        "steps": ["Lie on the ball and hold still."],
        "dose": {"hold_s": [30, 90]},
        "side": "both",
        "equipment": ["massage_ball"],
        "order": {"phase": "release", "region_group": "primary_core"},
        "sources": [CITE],
    }
    return data | fields


# ---------------------------------------------------------------- the shipped ledger


def test_the_ledger_has_claims_from_all_five_articles() -> None:
    assert len(ARTICLES) == 5
    by_source = {a: [c for c in KB.claims if c.source == a] for a in ARTICLES}
    assert all(by_source.values()), {a: len(c) for a, c in by_source.items()}
    assert {c.source for c in KB.claims} <= set(ARTICLES)


def test_every_shipped_claim_is_encoded_by_items_that_exist() -> None:
    assert all(c.encoded_by for c in KB.claims)
    assert all_claim_problems(KB) == []


def test_the_shipped_knowledge_with_ledger_and_interventions_is_sound() -> None:
    assert check_knowledge(KB) == []


def test_the_gap_edges_and_findings_are_each_named_by_a_claim() -> None:
    """source_gaps.yaml holds only what a claim needed; each item there is referenced."""
    raw = yaml.safe_load((data_dir() / "source_gaps.yaml").read_text(encoding="utf-8"))
    refs = {r for c in KB.claims for r in c.encoded_by}
    for edge in raw.get("edges", []):
        assert f"edge:{edge['from']}->{edge['to']}" in refs, edge
    for finding in raw.get("findings", []):
        assert any(r == f"finding:{finding['id']}" or r.startswith(f"finding:{finding['id']}<-")
                   for r in refs), finding["id"]


_WORD = re.compile(r"[a-z0-9]+")
RUN = 8  # words in a row that may not be copied from an article


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


def test_paraphrases_and_steps_are_in_our_own_words() -> None:
    folder = SHARED / "sources"
    if not folder.exists():
        pytest.skip("../shared/sources is not beside the repository")
    copied = set().union(*(_runs(p.read_text(encoding="utf-8")) for p in folder.glob("*.txt")))
    texts = [(f"claim {c.id}", c.says) for c in KB.claims]
    for item in KB.interventions:
        texts += [(f"intervention {item.id}", t) for t in (item.label, *item.steps)]
        texts += [(f"intervention {item.id}", c.says) for c in item.sources]
    found = [(where, " ".join(run)) for where, t in texts for run in _runs(t) & copied]
    assert found == []


# ---------------------------------------------------------------- interventions present

NAMED_BY_THE_SOURCES = [
    # prolonged-pressure releases
    "psoas_ball_release", "iliopsoas_release", "piriformis_release", "glute_release",
    "calf_release", "pec_minor_release", "suboccipital_release", "upper_trap_release",
    # realignment, strength
    "hip_realignment", "calf_raises", "glute_bridge", "heel_raises_big_toe",
    # the piriformis stretches
    "figure_four_stretch_seated", "figure_four_stretch_lying", "crossover_stretch",
    "kneeling_hip_flexor_stretch", "windshield_wiper_stretch", "knee_to_chest_stretch",
    # the five pregnancy poses
    "modified_childs_pose", "modified_camel_pose", "half_pigeon_pose", "butterfly_pose",
    "cat_cow",
    # running recovery
    "recovery_days_weekly", "recovery_after_long_run", "days_off_after_very_long_run",
    "running_cool_down", "walk_before_stretching_long_run",
    # the morning low-back routine, and the rest of the articles' advice
    "morning_back_routine", "foot_ankle_mobility", "hands_and_knees_rest", "cold_pack_flare",
]
INTERVENTIONS = {i.id: i for i in KB.interventions}


@pytest.mark.parametrize("intervention_id", NAMED_BY_THE_SOURCES)
def test_every_intervention_the_sources_name_is_present(intervention_id: str) -> None:
    assert intervention_id in INTERVENTIONS


def test_the_doses_and_rules_the_sources_give_are_encoded() -> None:
    realign = INTERVENTIONS["hip_realignment"]
    assert realign.side == "side_pulled_forward"
    assert (realign.dose.hold_s.max, realign.dose.reps.max) == (2, 10)
    assert "iliopsoas_release" in realign.order.after
    for release in ("iliopsoas_release", "piriformis_release", "pec_minor_release",
                    "suboccipital_release"):
        hold = INTERVENTIONS[release].dose.hold_s
        assert (hold.min, hold.max) == (30, 90), release
    assert set(INTERVENTIONS["upper_trap_release"].order.after) == {
        "pec_minor_release", "suboccipital_release"}
    assert INTERVENTIONS["upper_trap_release"].order.region_group == "upper_traps"
    weekly = INTERVENTIONS["recovery_days_weekly"].dose.times_per_week
    assert (weekly.min, weekly.max) == (2, 3)
    by_age = INTERVENTIONS["days_off_after_very_long_run"].dose.days_off_by_age
    assert (by_age.younger, by_age.older) == (2, 3)
    walk = INTERVENTIONS["walk_before_stretching_long_run"].order
    assert (walk.moment, walk.run_longer_than_min) == ("after_run", 90)
    assert INTERVENTIONS["morning_back_routine"].dose.minutes.max == 4


def test_every_self_release_is_held_and_comes_before_the_stretches_of_its_muscle() -> None:
    for item in KB.interventions:
        if item.kind == "release" and item.who == "self":
            assert item.dose.hold_s is not None, item.id
            assert item.order.phase == "release", item.id
    releases = {i.id for i in KB.interventions if i.kind == "release"}
    for item in KB.interventions:
        if item.kind == "stretch" and "muscle_knots" in {c.when for c in item.contraindications}:
            assert set(item.order.after) & releases, item.id


# ---------------------------------------------------------------- check_knowledge names it


def test_a_claim_encoded_by_nothing_is_named() -> None:
    kb = _with(KB, claims=(_claim("lonely_claim", encoded_by=[]),))
    assert "claim lonely_claim: encoded by nothing" in check_knowledge(kb)


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("edge:weak_glute_max->tension_type_headache",
         "there is no edge weak_glute_max -> tension_type_headache"),
        ("finding:no_such_finding", "there is no finding 'no_such_finding'"),
        ("finding:heel_pain<-tight_pec_minor", "finding heel_pain has no cause 'tight_pec_minor'"),
        ("node:no_such_node", "there is no node 'no_such_node'"),
        ("rule:no_such_rule", "there is no rule 'no_such_rule'"),
        ("intervention:no_such_intervention", "there is no intervention 'no_such_intervention'"),
    ],
)
def test_a_claim_naming_a_missing_item_is_named(ref: str, says: str) -> None:
    kb = _with(KB, claims=(_claim("broken_claim", encoded_by=[ref]),))
    problems = check_knowledge(kb)
    assert f"claim broken_claim: encoded_by names {ref!r}, but {says}" in problems


def test_a_claim_citing_an_unknown_source_is_named() -> None:
    kb = _with(KB, claims=(_claim("ghost_claim", source="no_such_article"),))
    assert "claim ghost_claim: cites unknown source 'no_such_article'" in check_knowledge(kb)


def test_duplicate_claim_and_intervention_ids_are_named() -> None:
    twin = Intervention.model_validate(_intervention_data(id="glute_bridge"))
    kb = _with(KB, claims=(_claim("s0_big_toe_key"),), interventions=(twin,))
    problems = check_knowledge(kb)
    assert "claim 's0_big_toe_key' is defined more than once" in problems
    assert "intervention 'glute_bridge' is defined more than once" in problems


def test_an_intervention_targeting_an_unknown_node_is_named() -> None:
    item = Intervention.model_validate(_intervention_data(targets=["no_such_muscle"]))
    kb = _with(KB, interventions=(item,))
    assert "intervention test_release: targets unknown node 'no_such_muscle'" in check_knowledge(kb)


def test_an_intervention_citing_an_unknown_source_is_named() -> None:
    ghost = {"source": "no_such_source", "says": "a claim with no source behind it"}
    item = Intervention.model_validate(_intervention_data(sources=[ghost]))
    kb = _with(KB, interventions=(item,))
    assert "intervention test_release: cites unknown source 'no_such_source'" in check_knowledge(kb)


def test_an_intervention_ordered_after_an_unknown_one_or_in_a_loop_is_named() -> None:
    order = {"phase": "release", "region_group": "primary_core"}
    first = Intervention.model_validate(
        _intervention_data(id="loop_a", order=order | {"after": ["loop_b"]}))
    second = Intervention.model_validate(
        _intervention_data(id="loop_b", order=order | {"after": ["loop_a", "nowhere"]}))
    problems = check_knowledge(_with(KB, interventions=(first, second)))
    assert "intervention loop_b: comes after unknown intervention 'nowhere'" in problems
    assert any(p.startswith("the order of interventions has a loop:") and "loop_a" in p
               for p in problems)


# ---------------------------------------------------------------- the schema refuses


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        ({"kind": "massage"}, "kind", "Input should be 'release'"),
        ({"side": "left"}, "side", "Input should be 'painful_side'"),
        ({"equipment": ["Hip Hook"]}, "equipment.0", "Input should be 'fingers'"),
        ({"targets": []}, "targets", "at least 1 item"),
        ({"steps": []}, "steps", "at least 1 item"),
        ({"sources": []}, "sources", "at least 1 item"),
        ({"targets": ["tight_piriformis", "tight_piriformis"]}, "",
         "each target is named once; repeated: tight_piriformis"),
        ({"dose": {"hold_s": [90, 30]}}, "dose.hold_s", "a range runs low to high; got 90 to 30"),
        ({"dose": {"hold_s": [30, 60, 90]}}, "dose.hold_s", "a range is two numbers"),
        ({"dose": {"reps": -2}}, "dose.reps.min", "greater than or equal to 0"),
        ({"dose": {"times_per_day": 1, "times_per_week": 3}}, "dose",
         "give times_per_day or times_per_week, not both"),
        ({"contraindications": [{"when": "diabetes"}]}, "contraindications.0.when",
         "Input should be 'pregnancy'"),
        ({"contraindications": [{"when": "acute_injury", "trimesters": [2]}]},
         "contraindications.0", "trimesters go with pregnancy only"),
        ({"contraindications": [{"when": "pregnancy", "trimesters": [4]}]},
         "contraindications.0.trimesters.0", "Input should be 1, 2 or 3"),
        ({"order": {"phase": "release", "region_group": "primary_core",
                    "run_longer_than_min": 90}}, "order",
         "run_longer_than_min goes with moment: after_run"),
        ({"order": {"phase": "warm_up", "region_group": "primary_core"}}, "order.phase",
         "Input should be 'soothe'"),
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ],
)
def test_the_intervention_schema_refuses_bad_values_clearly(
    change: dict[str, Any], where: str, says: str
) -> None:
    with pytest.raises(ValidationError) as info:
        Intervention.model_validate(_intervention_data(**change))
    errors = info.value.errors()
    assert any(".".join(map(str, e["loc"])) == where and says in e["msg"] for e in errors), errors


@pytest.mark.parametrize(
    "ref", ["edge:weak_glute_max-reduced_hip_extension", "finding:", "nodes:sciatica",
            "edge:a->b->c", "Node:sciatica"],
)
def test_a_malformed_reference_is_refused_with_the_forms_allowed(ref: str) -> None:
    with pytest.raises(ValidationError) as info:
        _claim(encoded_by=[ref])
    assert "is not a reference; write edge:CAUSE->EFFECT" in str(info.value)


def test_references_parse_into_their_parts() -> None:
    assert parse_reference("edge:a->b") == ("edge", ("a", "b"))
    assert parse_reference("finding:f<-n") == ("finding", ("f", "n"))
    assert parse_reference("finding:f") == ("finding", ("f",))
    assert parse_reference("intervention:x") == ("intervention", ("x",))


def test_a_claim_kind_outside_the_set_is_refused() -> None:
    with pytest.raises(ValidationError, match="Input should be 'causal'"):
        _claim(kind="rumour")


def test_a_bad_intervention_file_is_refused_when_read_naming_file_and_field(
    tmp_path: Path,
) -> None:
    for f in data_dir().glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    (tmp_path / "broken.yaml").write_text(
        "interventions:\n"
        "  - {id: bad_one, label: a bad one, kind: massage, targets: [tight_piriformis],\n"
        "     steps: [Press it.], side: both, order: {phase: release,\n"
        "     region_group: primary_core}, sources: [{source: x, says: a claim in words}]}\n"
    )
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(tmp_path)
    assert any(p.startswith("broken.yaml: interventions[0].kind") for p in info.value.problems)


# ---------------------------------------------------------------- the ledger and the command


def test_the_ledger_lists_a_claim_not_yet_encoded_under_its_source() -> None:
    kb = _with(KB, claims=(_claim("todo_claim", encoded_by=[]),))
    ledger = claims_ledger(kb)
    heel = next(s for s in ledger.sources if s.source == "002_a71c11b7c50ae0f3")
    assert [u.claim for u in heel.unencoded] == ["todo_claim"]
    assert heel.encoded == heel.claims - 1
    text = render_ledger_text(ledger)
    assert "not encoded: todo_claim" in text
    assert "1 claims not encoded yet." in text


runner = CliRunner()


def test_kb_coverage_lists_all_five_sources_and_nothing_unencoded() -> None:
    result = runner.invoke(app, ["kb", "coverage"])
    assert result.exit_code == 0, result.output
    for article in ARTICLES:
        assert article in result.stdout
    assert f"{len(KB.claims)} encoded, 0 not yet" in result.stdout
    assert "not encoded:" not in result.stdout
    assert result.stdout.rstrip().endswith("Every claim is encoded.")


def test_kb_coverage_json_gives_the_ledger_per_source() -> None:
    result = runner.invoke(app, ["kb", "coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["not_encoded"] == 0
    assert data["claims"] == data["encoded"] == len(KB.claims)
    assert [s["source"] for s in data["sources"]] == ARTICLES
    for source in data["sources"]:
        assert source["claims"] > 0 and source["encoded"] == source["claims"]
        assert source["not_encoded"] == []
