"""The self-care plan: each ordering and safety rule of the sources is a property over
generated assessments and people, not one example."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crux.contract import Assessment, Ranked, RankedCondition, RootCause, Triage
from crux.knowledge.loader import load_knowledge
from crux.knowledge.schema import PHASES, REGION_ORDER
from crux.plan import Plan, PlanError, build_plan, person_of, render_text

KB = load_knowledge()
RULES = KB.plan_rules
assert RULES is not None
BY_ID = {i.id: i for i in KB.interventions}
ROOT_CAUSES = sorted(n.id for n in KB.nodes if n.kind == "root_cause")
CONDITIONS = sorted(n.id for n in KB.nodes if n.kind == "condition")
FACTORS = sorted(n.id for n in KB.nodes if n.kind == "factor")
SIDES = st.sampled_from([None, "left", "right"])
PROBABILITY = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def assessments(draw: Any, level: str | None = None) -> Assessment:
    causes = draw(st.lists(st.sampled_from(ROOT_CAUSES), min_size=0, max_size=5, unique=True))
    root_causes = sorted(
        (RootCause(id=c, probability=draw(PROBABILITY), side=draw(SIDES), explanation=[c],
                   evidence=[], summary="generated") for c in causes),
        key=lambda r: -r.probability,
    )
    conditions = [RankedCondition(id=c, probability=draw(PROBABILITY), side=draw(SIDES))
                  for c in draw(st.lists(st.sampled_from(CONDITIONS), max_size=4, unique=True))]
    factors = [Ranked(id=f, probability=draw(PROBABILITY))
               for f in draw(st.lists(st.sampled_from(FACTORS), max_size=3, unique=True))]
    level = level or draw(st.sampled_from(["emergency", "urgent", "soon", "self_care"]))
    return Assessment(
        triage=Triage(level=level, reasons=[], advice=f"generated advice: {level}"),
        root_causes=root_causes, contributing_factors=factors, conditions=conditions,
        knowledge_version=KB.version,
    )


@st.composite
def people(draw: Any) -> dict[str, Any]:
    complaint: dict[str, Any] = {
        "region": "heel", "side": draw(st.sampled_from(["left", "right", "both", "central"])),
        "qualities": draw(st.lists(st.sampled_from(["ache", "sharp", "stabbing", "knot",
                                                     "popping", "tightness"]),
                                   max_size=3, unique=True)),
    }
    if draw(st.booleans()):
        complaint["onset"] = draw(st.sampled_from(["sudden", "gradual"]))
    if draw(st.booleans()):
        complaint["duration_weeks"] = draw(st.sampled_from([0.5, 1, 3, 12]))
    case: dict[str, Any] = {"version": 1, "complaints": [complaint], "history": {},
                            "exposures": {}, "red_flags": {}}
    if draw(st.booleans()):
        case["age"] = draw(st.integers(min_value=16, max_value=85))
    if draw(st.booleans()):
        case["history"]["pregnant_weeks"] = draw(st.integers(min_value=0, max_value=41))
    for key in ("hypermobility", "recent_trauma"):
        if draw(st.booleans()):
            case["history"][key] = draw(st.booleans())
    if draw(st.booleans()):
        case["exposures"]["running_km_per_week"] = draw(st.sampled_from([0, 10, 40]))
    if draw(st.booleans()):
        case["exposures"]["long_runs"] = draw(st.booleans())
    if draw(st.booleans()):
        case["red_flags"]["calf_swelling"] = draw(st.booleans())
    return case


def plan_for(case: dict[str, Any], assessment: Assessment, weeks: int = 2) -> Plan:
    return build_plan(case, assessment, KB, start=date(2026, 1, 5), weeks=weeks)


def all_items(plan: Plan) -> list[Any]:
    return [*plan.routine, *plan.around_runs, *plan.through_the_day, *plan.in_a_flare,
            *plan.with_a_practitioner]


SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(assessments(level="self_care"), people())
def test_release_comes_before_any_stretch_and_phases_keep_their_order(
    assessment: Assessment, case: dict[str, Any]
) -> None:
    plan = plan_for(case, assessment)
    phases = [PHASES.index(i.phase) for i in plan.routine]  # type: ignore[arg-type]
    assert phases == sorted(phases)
    kinds = [i.kind for i in plan.routine]
    if "stretch" in kinds and "release" in kinds:
        assert max(n for n, k in enumerate(kinds) if k == "release") < kinds.index("stretch")


@SETTINGS
@given(assessments(level="self_care"), people())
def test_hips_before_chest_and_skull_and_upper_traps_last(
    assessment: Assessment, case: dict[str, Any]
) -> None:
    plan = plan_for(case, assessment)
    for phase in PHASES:
        groups = [REGION_ORDER.index(i.region_group)  # type: ignore[arg-type]
                  for i in plan.routine if i.phase == phase]
        assert groups == sorted(groups)
    releases = [i.region_group for i in plan.routine if i.kind == "release"]
    if "upper_traps" in releases:
        assert releases[releases.index("upper_traps"):] == ["upper_traps"] * (
            len(releases) - releases.index("upper_traps"))


@SETTINGS
@given(assessments(level="self_care"), people())
def test_a_stretch_never_comes_without_the_release_it_follows(
    assessment: Assessment, case: dict[str, Any]
) -> None:
    plan = plan_for(case, assessment)
    seen: list[str] = []
    for item in plan.routine:
        releases = [a for a in BY_ID[item.id].order.after if BY_ID[a].kind == "release"]
        if item.kind in ("stretch", "realign") and releases:
            assert any(r in seen for r in releases), f"{item.id} before its release"
        seen.append(item.id)
    for item in all_items(plan):  # and after the routine, nothing stretches unreleased
        if item.kind == "stretch" and item not in plan.routine:
            releases = [a for a in BY_ID[item.id].order.after if BY_ID[a].kind == "release"]
            assert not releases


@SETTINGS
@given(assessments(level="self_care"), people())
def test_realign_only_the_side_pulled_forward(assessment: Assessment,
                                              case: dict[str, Any]) -> None:
    plan = plan_for(case, assessment)
    forward = {rc.side for rc in assessment.root_causes[: RULES.addressed.top_root_causes]
               if rc.id == RULES.side_pulled_forward_from and rc.side
               and rc.probability >= RULES.addressed.root_cause_at_least}
    for item in all_items(plan):
        if item.kind == "realign" and BY_ID[item.id].side == "side_pulled_forward":
            assert item.side in ("left", "right")
            assert forward == {item.side}


@SETTINGS
@given(assessments(level="self_care"), people())
def test_the_routine_fits_about_ten_minutes(assessment: Assessment,
                                            case: dict[str, Any]) -> None:
    plan = plan_for(case, assessment)
    if len(plan.routine) > 1:
        first_chunk = plan.routine_minutes - min(i.minutes for i in plan.routine)
        assert plan.routine_minutes <= RULES.routine_minutes or first_chunk <= 0
    assert plan.routine_minutes == pytest.approx(sum(i.minutes for i in plan.routine), abs=0.2)


@SETTINGS
@given(assessments(), people())
def test_triage_gates_the_plan(assessment: Assessment, case: dict[str, Any]) -> None:
    plan = plan_for(case, assessment)
    level = assessment.triage.level
    if level in ("emergency", "urgent"):
        assert not all_items(plan)
        assert plan.do_now and plan.do_now[0] == assessment.triage.advice
    elif level == "soon":
        assert {i.kind for i in all_items(plan)} <= {"soothe", "habit"}
        assert any("Stop the activity" in s for s in plan.do_now)
    else:
        assert not plan.do_now


@SETTINGS
@given(assessments(level="self_care"), people())
def test_nothing_a_person_must_avoid(assessment: Assessment, case: dict[str, Any]) -> None:
    plan = plan_for(case, assessment)
    person = person_of(case, RULES)
    for item in all_items(plan):
        for c in BY_ID[item.id].contraindications:
            if c.level == "avoid":
                assert not person.meets(c), f"{item.id} given despite {c.when}"
            elif person.meets(c):
                assert item.cautions, f"{item.id}: the caution for {c.when} is not shown"


@SETTINGS
@given(assessments(level="self_care"), people())
def test_strengthening_stops_at_sharp_pain(assessment: Assessment,
                                           case: dict[str, Any]) -> None:
    plan = plan_for(case, assessment)
    for item in all_items(plan):
        if item.kind == "strengthen":
            assert any("sharp pain" in s for s in item.stop_if)


@SETTINGS
@given(assessments(level="self_care"), people(), st.integers(min_value=1, max_value=6))
def test_runners_get_recovery_days_and_days_off_after_long_runs(
    assessment: Assessment, case: dict[str, Any], weeks: int
) -> None:
    plan = plan_for(case, assessment, weeks=weeks)
    person = person_of(case, RULES)
    assert len(plan.schedule) == 7 * weeks
    assert [d.date for d in plan.schedule] == [date(2026, 1, 5) + timedelta(days=n)
                                               for n in range(7 * weeks)]
    if not person.runs:
        assert all(d.runner_day == "none" for d in plan.schedule)
        return
    span = RULES.runners.recovery_days_per_week
    for w in range(weeks):
        week = plan.schedule[7 * w: 7 * w + 7]
        rest = sum(d.runner_day in ("recovery", "day_off") for d in week)
        assert span.min <= rest <= span.max
        for n, d in enumerate(week[:-1]):
            if d.runner_day == "long_run":
                assert week[n + 1].runner_day == "day_off"
    ids = {i.id for i in plan.around_runs}
    assert set(RULES.runners.always) <= ids
    if person.long_runs:
        assert set(RULES.runners.with_long_runs) <= ids
        days_off = next(i for i in plan.around_runs if i.id == "days_off_after_very_long_run")
        d = BY_ID["days_off_after_very_long_run"].dose.days_off_by_age
        assert d is not None
        older = person.age is None or person.age >= RULES.runners.older_from_age
        assert days_off.dose_text.startswith(f"{d.older if older else d.younger} full days off")
    if any(d.runner_day == "long_run" for d in plan.schedule):
        long_day = next(d for d in plan.schedule if d.runner_day == "long_run")
        assert any("walk" in n and "before any stretching" in n for n in long_day.notes)


@SETTINGS
@given(assessments(level="self_care"), people())
def test_each_item_comes_as_often_as_its_dose_says(assessment: Assessment,
                                                   case: dict[str, Any]) -> None:
    plan = plan_for(case, assessment, weeks=2)
    for item in plan.routine:
        per_week = BY_ID[item.id].dose.times_per_week
        for w in range(2):
            days = sum(item.id in d.routine for d in plan.schedule[7 * w: 7 * w + 7])
            if per_week is None:
                assert days == 7
            else:
                assert per_week.min <= days <= per_week.max
    for day in plan.schedule:  # the routine's order holds on every day
        order = [i.id for i in plan.routine]
        assert day.routine == [k for k in order if k in day.routine]


@SETTINGS
@given(assessments(level="self_care"), people())
def test_pregnancy_keeps_only_what_is_safe_for_the_trimester(
    assessment: Assessment, case: dict[str, Any]
) -> None:
    case["history"]["pregnant_weeks"] = 30
    plan = plan_for(case, assessment)
    for item in all_items(plan):
        for c in BY_ID[item.id].contraindications:
            if c.when == "pregnancy" and c.level == "avoid":
                assert c.trimesters and 3 not in c.trimesters


def test_a_worked_heel_case_gives_a_glute_first_routine() -> None:
    from crux.assess import assess, shipped_model
    from crux.contract import parse_case

    model = shipped_model()
    case = parse_case({
        "version": 1, "age": 38, "sex": "female",
        "complaints": [{"region": "heel", "side": "left", "onset": "gradual",
                        "duration_weeks": 6, "worse_with": ["first_steps_morning", "running"]}],
        "exposures": {"sitting_hours_per_day": 9, "running_km_per_week": 30},
        "measurements": {"single_leg_bridge_hold_s": 8},
    })
    plan = build_plan(case.known(), assess(case, model), model.kb, start=date(2026, 1, 5))
    assert plan.triage_level == "self_care"
    assert plan.routine, "a self-care heel case gets a routine"
    assert any(a.id == "weak_glute_max" for i in plan.routine for a in i.addresses)
    text = render_text(plan)
    assert text.index("Triage") < text.index("daily routine")
    assert "Stop and seek help" in text


def test_no_plan_rules_and_bad_weeks_are_refused() -> None:
    assessment = Assessment(
        triage=Triage(level="self_care", reasons=[], advice="x"), root_causes=[],
        contributing_factors=[], conditions=[], knowledge_version=KB.version)
    with pytest.raises(PlanError, match="weeks"):
        build_plan({"version": 1, "complaints": []}, assessment, KB, weeks=0)
    with pytest.raises(PlanError, match="plan rules"):
        build_plan({"version": 1, "complaints": []}, assessment,
                   KB.model_copy(update={"plan_rules": None}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments(level="self_care"), people(), st.integers(min_value=1, max_value=5))
def test_the_calendar_round_trips_and_matches_the_schedule(
    assessment: Assessment, case: dict[str, Any], weeks: int
) -> None:
    from dateutil.rrule import rrulestr
    from icalendar import Calendar

    from crux.plan import to_ics

    plan = plan_for(case, assessment, weeks=weeks)
    ics = to_ics(plan)
    assert ics == to_ics(plan_for(case, assessment, weeks=weeks)), "same plan, same file"
    cal = Calendar.from_ical(ics)
    assert str(cal["VERSION"]) == "2.0" and "Crux" in str(cal["PRODID"])
    events = list(cal.walk("VEVENT"))
    assert len({str(e["UID"]) for e in events}) == len(events)
    done: dict[date, set[str]] = {}
    rest: set[date] = set()
    for e in events:
        start = e.decoded("DTSTART")
        rule = rrulestr(e["RRULE"].to_ical().decode(), dtstart=datetime.combine(start, time()))
        dates = {d.date() for d in rule}
        is_rest = "Rest day" in e["CATEGORIES"].to_ical().decode()
        if is_rest:
            rest |= dates
        else:
            names = {i.id for i in plan.routine if i.label in str(e["SUMMARY"])}
            for d in dates:
                done.setdefault(d, set()).update(names)
    for day in plan.schedule:
        assert done.get(day.date, set()) == set(day.routine)
        assert (day.date in rest) == (day.runner_day in ("recovery", "day_off", "light"))


def test_every_exercise_says_how_much_in_numbers() -> None:
    for i in KB.interventions:
        if i.who == "self" and i.kind in ("release", "realign", "mobilise", "stretch",
                                          "strengthen"):
            d = i.dose
            assert d.hold_s or d.reps or d.minutes or d.times_per_week, f"{i.id}: no dose"
            assert any(c.source for c in i.sources)
