"""Red-flag triage: every shipped rule against its own examples, the logic of unknown
answers, monotonicity (a new warning sign never lowers the level) and the dev vignettes."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from crux.contract import parse_case
from crux.knowledge.check import check_knowledge
from crux.knowledge.loader import KnowledgeError, data_dir, read_knowledge
from crux.knowledge.schema import KnowledgeBase, Predicate, Rule
from crux.triage import SELF_CARE_ADVICE, matches, rules_of, screen, truth
from crux.vocabulary import TRIAGE_ORDER, load_vocabulary

DEV = Path(__file__).parents[1].parent / "shared" / "vignettes" / "dev.yaml"


def _read_kb(attempts: int = 5) -> KnowledgeBase:
    # Knowledge files may be rewritten while the tests run during development; retry.
    for attempt in range(attempts):
        try:
            return read_knowledge(data_dir())
        except KnowledgeError:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)
    raise AssertionError("unreachable")


KB = _read_kb()
RULES: tuple[Rule, ...] = rules_of(KB)
VOCAB = load_vocabulary()

FIRES_ON = [(r, i) for r in RULES for i in range(len(r.fires_on))]
NEAR_MISSES = [(r, i) for r in RULES for i in range(len(r.near_misses))]


def _urgency(level: str) -> int:
    return TRIAGE_ORDER.index(level)


def _case(data: dict[str, Any]) -> Any:
    return parse_case(data)


def _fired_ids(case: Any) -> list[str]:
    return [r.id for r in screen(case, RULES).fired]


# --------------------------------------------------------------------------- the rules


def test_the_knowledge_base_ships_rules_at_every_level() -> None:
    assert {r.level for r in RULES} == {"emergency", "urgent", "soon"}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_has_examples_both_ways(rule: Rule) -> None:
    assert len(rule.fires_on) >= 1
    assert len(rule.near_misses) >= 1


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples_are_valid_cases(rule: Rule) -> None:
    for example in (*rule.fires_on, *rule.near_misses):
        parse_case(example)  # raises CaseError naming the field


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_is_sound(rule: Rule) -> None:
    assert rule.suspects in VOCAB.conditions, f"{rule.suspects} is not a vocabulary condition"
    sources = {s.id for s in KB.sources}
    assert {c.source for c in rule.sources} <= sources
    problems = [p for p in check_knowledge(KB) if p.startswith(f"rule {rule.id}:")]
    assert problems == []


@pytest.mark.parametrize(("rule", "index"), FIRES_ON, ids=[f"{r.id}-{i}" for r, i in FIRES_ON])
def test_rule_fires_on_its_examples(rule: Rule, index: int) -> None:
    case = _case(rule.fires_on[index])
    assert matches(rule.when, case)
    result = screen(case, RULES)
    assert rule in result.fired
    assert _urgency(result.level) <= _urgency(rule.level)


@pytest.mark.parametrize(
    ("rule", "index"), NEAR_MISSES, ids=[f"{r.id}-{i}" for r, i in NEAR_MISSES]
)
def test_rule_does_not_fire_on_its_near_misses(rule: Rule, index: int) -> None:
    case = _case(rule.near_misses[index])
    assert not matches(rule.when, case)
    assert rule not in screen(case, RULES).fired


def _red_flag_leaves(p: Predicate, negated: bool = False) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    if p.red_flag is not None:
        out.append((p.red_flag, negated))
    for child in (p.all or ()) + (p.any or ()):
        out += _red_flag_leaves(child, negated)
    if p.not_ is not None:
        out += _red_flag_leaves(p.not_, not negated)
    return out


def _history_leaves(p: Predicate, negated: bool = False) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    if p.history is not None:
        out.append((p.history, negated))
    for child in (p.all or ()) + (p.any or ()):
        out += _history_leaves(child, negated)
    if p.not_ is not None:
        out += _history_leaves(p.not_, not negated)
    return out


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_no_rule_fires_on_the_absence_of_a_red_flag(rule: Rule) -> None:
    # what makes the level monotone: a red flag only ever counts for a rule
    negated = [flag for flag, neg in _red_flag_leaves(rule.when) if neg]
    assert negated == []


@pytest.mark.parametrize(("rule", "index"), FIRES_ON, ids=[f"{r.id}-{i}" for r, i in FIRES_ON])
def test_unknown_and_no_are_never_confused_in_examples(rule: Rule, index: int) -> None:
    # For every answer an example gives, leaving it out and answering no agree (neither
    # can make a rule fire that the other does not).
    # The one exception is a history answer a rule asks for as a "no" (a headache that
    # is new: no previous episodes): there an explicit no is information that unknown
    # is not. A red flag is never read that way (the test above).
    example = rule.fires_on[index]
    negated_history = {key for r in RULES for key, neg in _history_leaves(r.when) if neg}
    for section in ("red_flags", "history", "exposures"):
        for key, value in (example.get(section) or {}).items():
            if not isinstance(value, bool):
                continue
            if section == "history" and key in negated_history:
                continue
            absent = {**example, section: {k: v for k, v in example[section].items() if k != key}}
            no = {**example, section: {**example[section], key: False}}
            assert _fired_ids(_case(absent)) == _fired_ids(_case(no)), (section, key)


# --------------------------------------------------------------------------- the logic


def _p(**kwargs: Any) -> Predicate:
    return Predicate.model_validate(kwargs)


BACK = {"region": "lower_back", "side": "central"}


def test_unknown_never_matches_even_under_not() -> None:
    unknown = _case({"version": 1, "complaints": [BACK]})
    no = _case({"version": 1, "complaints": [BACK], "red_flags": {"fever": False}})
    yes = _case({"version": 1, "complaints": [BACK], "red_flags": {"fever": True}})
    flag = _p(red_flag="fever")
    negated = _p(**{"not": {"red_flag": "fever"}})
    assert truth(flag, unknown) is None
    assert not matches(flag, unknown) and not matches(negated, unknown)
    assert not matches(flag, no) and matches(negated, no)
    assert matches(flag, yes) and not matches(negated, yes)


def test_all_and_any_follow_three_valued_logic() -> None:
    case = _case({"version": 1, "age": 60, "complaints": [BACK], "red_flags": {"fever": False}})
    unknown, no, yes = {"red_flag": "night_pain"}, {"red_flag": "fever"}, {"age_at_least": 50}
    assert truth(_p(all=[yes, unknown]), case) is None
    assert truth(_p(all=[no, unknown]), case) is False
    assert truth(_p(any=[yes, unknown]), case) is True
    assert truth(_p(any=[no, unknown]), case) is None


def test_complaint_matching() -> None:
    case = _case(
        {
            "version": 1,
            "complaints": [
                {"region": "heel", "side": "left", "onset": "gradual", "qualities": ["ache"]},
                {"region": "groin", "side": "right", "worse_with": ["running"]},
            ],
        }
    )
    assert matches(_p(complaint={"region": ["shin_inner", "heel"]}), case)
    assert not matches(_p(complaint={"region": "knee_front"}), case)
    assert matches(_p(complaint={"region": "heel", "quality": "ache"}), case)
    assert not matches(_p(complaint={"region": "heel", "quality": "sharp"}), case)
    assert truth(_p(complaint={"region": "heel", "onset": "sudden"}), case) is False
    assert truth(_p(complaint={"region": "groin", "onset": "sudden"}), case) is None
    assert matches(_p(complaint={"region": "groin", "worse_with": "running"}), case)
    assert not matches(_p(complaint={"region": "groin", "side": "left"}), case)
    assert not matches(_p(complaint={"region": "heel", "severity_at_least": 5}), case)


def test_numbers_ages_and_pregnancy() -> None:
    case = _case(
        {
            "version": 1,
            "age": 30,
            "sex": "female",
            "complaints": [BACK],
            "exposures": {"running_km_per_week": 40},
            "history": {"pregnant_weeks": 20},
        }
    )
    assert matches(_p(exposure="running_km_per_week", at_least=30), case)
    assert not matches(_p(exposure="running_km_per_week", at_least=50), case)
    assert matches(_p(age_below=40), case) and not matches(_p(age_at_least=40), case)
    assert matches(_p(sex="female"), case)
    assert matches(_p(pregnant=True), case)
    nobody = _case({"version": 1, "complaints": [BACK]})
    for p in (_p(pregnant=True), _p(age_at_least=1), _p(sex="female"), _p(history="osteoporosis")):
        assert truth(p, nobody) is None


# --------------------------------------------------------------------------- screening


def test_nothing_fires_means_self_care() -> None:
    result = screen(_case({"version": 1, "complaints": [BACK]}), RULES)
    assert result.level == "self_care"
    assert result.fired == () and result.reasons == []
    assert result.advice == SELF_CARE_ADVICE
    assert "worse" in result.advice and "new symptoms" in result.advice


def test_most_urgent_rule_sets_level_reasons_and_advice() -> None:
    case = _case(
        {
            "version": 1,
            "age": 70,
            "complaints": [BACK],
            "red_flags": {"saddle_numbness": True, "weight_loss": True, "fever": True},
        }
    )
    result = screen(case, RULES)
    levels = [_urgency(r.level) for r in result.fired]
    assert levels == sorted(levels) and len(set(levels)) > 1
    assert result.level == "emergency" == result.fired[0].level
    assert result.advice == result.fired[0].advice
    assert "saddle_numbness" in result.reasons
    assert "cauda_equina_syndrome" in result.reasons
    assert "weight_loss" not in result.reasons  # it fired a less urgent rule only


def test_advice_says_what_to_do_and_never_diagnoses() -> None:
    for rule in RULES:
        text = rule.advice.lower()
        assert not re.search(r"\byou (have|have got|'ve got) (a|an)\b|diagnos", text), rule.id
        assert any(w in text for w in ("now", "today", "days", "hours")), rule.id


# --------------------------------------------------------------------------- properties


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    complaint = st.fixed_dictionaries(
        {"region": st.sampled_from(sorted(VOCAB.regions)), "side": st.sampled_from(VOCAB.sides)},
        optional={
            "onset": st.sampled_from(VOCAB.onsets),
            "severity": st.integers(0, 10),
            "qualities": st.lists(
                st.sampled_from(sorted(VOCAB.qualities)), max_size=3, unique=True
            ),
            "worse_with": st.lists(
                st.sampled_from(sorted(VOCAB.contexts)), max_size=3, unique=True
            ),
            "radiates_to": st.lists(
                st.sampled_from(sorted(VOCAB.regions)), max_size=2, unique=True
            ),
        },
    )
    bool_history = sorted(k for k, t in VOCAB.history.items() if t.kind == "bool")
    history = st.fixed_dictionaries(
        {},
        optional={
            **{k: st.booleans() for k in bool_history},
            "pregnant_weeks": st.integers(4, 42),
        },
    )
    exposures = st.fixed_dictionaries(
        {},
        optional={
            "running_km_per_week": st.integers(0, 120),
            "recent_mileage_increase": st.booleans(),
        },
    )
    flags = st.fixed_dictionaries({}, optional={k: st.booleans() for k in VOCAB.red_flags})
    return draw(
        st.fixed_dictionaries(
            {"version": st.just(1), "complaints": st.lists(complaint, min_size=1, max_size=3)},
            optional={
                "age": st.integers(16, 95),
                "sex": st.sampled_from(VOCAB.sexes),
                "history": history,
                "exposures": exposures,
                "red_flags": flags,
            },
        )
    )


@settings(max_examples=300, deadline=None)
@given(data=cases(), flag=st.sampled_from(sorted(VOCAB.red_flags)))
def test_a_new_red_flag_never_lowers_the_level(data: dict[str, Any], flag: str) -> None:
    before = screen(_case(data), RULES)
    raised = {**data, "red_flags": {**(data.get("red_flags") or {}), flag: True}}
    after = screen(_case(raised), RULES)
    assert _urgency(after.level) <= _urgency(before.level)
    assert {r.id for r in before.fired} <= {r.id for r in after.fired}


@settings(max_examples=300, deadline=None)
@given(data=cases(), flag=st.sampled_from(sorted(VOCAB.red_flags)))
def test_an_unknown_red_flag_never_fires_a_rule(data: dict[str, Any], flag: str) -> None:
    flags = {k: v for k, v in (data.get("red_flags") or {}).items() if k != flag}
    absent = screen(_case({**data, "red_flags": flags}), RULES)
    no = screen(_case({**data, "red_flags": {**flags, flag: False}}), RULES)
    assert [r.id for r in absent.fired] == [r.id for r in no.fired]
    assert absent.level == no.level


# --------------------------------------------------------------------------- vignettes


def _dev() -> list[dict[str, Any]]:
    if not DEV.exists():
        return []
    return yaml.safe_load(DEV.read_text(encoding="utf-8"))


VIGNETTES = _dev()


@pytest.mark.skipif(not VIGNETTES, reason="../shared/vignettes/dev.yaml is not beside the repo")
@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_dev_vignette_triage(vignette: dict[str, Any]) -> None:
    expect = vignette["expect"]
    result = screen(_case(vignette["case"]), RULES)
    if expect["triage"] == "self_care":
        assert result.level == "self_care", f"over-triaged: {[r.id for r in result.fired]}"
        return
    assert _urgency(result.level) <= _urgency(expect["triage"]), result.level
    if "conditions" in expect:
        suspected = {r.suspects for r in result.fired}
        assert suspected & set(expect["conditions"]), suspected
