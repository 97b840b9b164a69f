"""The adaptive interview: questions as data, safety first, the next best question by
exact expected information gain, simulation from a case file, and the terminal."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from crux.assess import shipped_model
from crux.cli import app
from crux.contract import CaseError, parse_case
from crux.interview import DONT_KNOW, Interview, InvalidAnswer, simulate, starting_case
from crux.interview._gain import TIED, Chooser, Scored, by_gain
from crux.interview._questions import Book, answer_in, apply
from crux.knowledge.question_check import check_questions
from crux.reasoning.evidence import case_evidence
from crux.reasoning.information import entropy_bits
from crux.reasoning.network import Evidence
from crux.vocabulary import load_vocabulary

from .conftest import dev_vignettes

BACK = {"version": 1, "age": 45, "sex": "male",
        "complaints": [{"region": "lower_back", "side": "central"}]}
HEEL = {"version": 1, "age": 36, "sex": "male", "complaints": [{"region": "heel", "side": "right"}]}


# --------------------------------------------------------------------------- data


def test_every_answerable_vocabulary_item_has_a_question() -> None:
    kb = shipped_model().kb
    assert list(check_questions(kb, load_vocabulary())) == []


def test_the_check_names_a_missing_question_and_a_bad_one() -> None:
    kb = shipped_model().kb
    kept = tuple(q for q in kb.questions if q.asks != "red_flags.fever")
    onset = next(q for q in kb.questions if q.asks == "complaint.onset")
    bad = onset.model_copy(update={"options": {"sudden": "suddenly", "slowly": "slowly"}})
    changed = kb.model_copy(update={"questions": (*[q for q in kept if q is not onset], bad)})
    problems = list(check_questions(changed, load_vocabulary()))
    assert "no question asks red_flags.fever" in problems
    assert any("complaint.onset" in p and "sudden, gradual" in p for p in problems)


def test_questions_read_in_plain_words_for_the_person() -> None:
    book = Book.of(shipped_model().kb)
    ask = book.ask("complaint.worse_with.first_steps_morning", HEEL, complaint=0)
    assert ask.id == "complaints[0].worse_with.first_steps_morning"
    assert "right heel pain" in ask.text and "{" not in ask.text


# --------------------------------------------------------------------------- answers


def test_a_no_to_a_context_is_kept_as_denied_and_reads_as_absent() -> None:
    book = Book.of(shipped_model().kb)
    ask = book.ask("complaint.worse_with.running", HEEL, complaint=0)
    no = apply(HEEL, ask, False)
    assert no["complaints"][0]["denied"] == {"worse_with": ["running"]}
    assert answer_in(no, ask) is False
    assert apply(HEEL, ask, DONT_KNOW) == HEEL
    model = shipped_model()
    unknown = case_evidence(model.kb, model.network, parse_case(HEEL))
    denied = case_evidence(model.kb, model.network, parse_case(no))
    assert len(denied.findings) > len(unknown.findings)
    assert not any(denied.findings[i] for i in set(denied.findings) - set(unknown.findings))


def test_a_value_both_listed_and_denied_is_refused() -> None:
    case = json.loads(json.dumps(HEEL))
    case["complaints"][0]["worse_with"] = ["running"]
    case["complaints"][0]["denied"] = {"worse_with": ["running"]}
    with pytest.raises(CaseError, match=r"complaints\[0\]\.denied\.worse_with"):
        parse_case(case)


def test_an_answer_out_of_range_is_refused_and_the_case_kept() -> None:
    interview = Interview(HEEL)
    ask = Book.of(interview.model.kb).ask("exposures.sitting_hours_per_day", HEEL)
    with pytest.raises(InvalidAnswer, match="0 to 24"):
        interview.answer(ask, 30)
    with pytest.raises(InvalidAnswer, match="a number"):
        interview.answer(ask, True)
    assert interview.case == HEEL and not interview.steps


def test_going_back_restores_the_case() -> None:
    interview = Interview(HEEL)
    ask = Book.of(interview.model.kb).ask("exposures.sitting_hours_per_day", HEEL)
    interview.answer(ask, 9)
    assert interview.case["exposures"] == {"sitting_hours_per_day": 9.0}
    assert interview.back() == ask
    assert interview.case == HEEL
    assert interview.back() is None


# --------------------------------------------------------------------------- safety


def test_back_pain_starts_with_the_nerve_checklist() -> None:
    choice = Interview(BACK).next()
    assert choice.phase == "safety"
    assert choice.ask is not None and choice.ask.id == "screen.nerves_at_the_base_of_the_spine"
    items = set(choice.ask.options or {})
    assert {"red_flags.saddle_numbness", "red_flags.bladder_change"} <= items
    assert not any("pregnancy" in i for i in items)  # a man: no pregnancy questions


def test_an_answer_that_fires_a_rule_ends_the_interview() -> None:
    interview = Interview(BACK)
    choice = interview.next()
    assert choice.ask is not None
    ticked = {item: item == "red_flags.saddle_numbness" for item in choice.ask.options or {}}
    interview.answer(choice.ask, ticked, choice.phase)
    done = interview.next()
    assert done.ask is None and "emergency" in done.reason
    result = interview.assessment()
    assert result.triage.level == "emergency"
    assert result.next_questions == []


def test_pregnancy_is_asked_first_and_zero_weeks_means_not_pregnant() -> None:
    case = {"version": 1, "age": 30, "sex": "female",
            "complaints": [{"region": "pubic", "side": "central"}]}
    interview = Interview(case)
    first = interview.next()
    assert first.ask is not None and first.ask.id == "history.pregnant_weeks"
    interview.answer(first.ask, 0, first.phase)
    asked = []
    while (choice := interview.next()).ask is not None and choice.phase == "safety":
        asked.append(choice.ask.id)
        interview.answer(choice.ask, DONT_KNOW, choice.phase)
    assert "screen.pregnancy" not in asked
    assert "red_flags.pregnancy_bleeding" not in asked


@pytest.mark.parametrize("vignette", dev_vignettes(), ids=lambda v: v["id"])
def test_safety_comes_before_gain_and_red_flag_cases_keep_their_level(
    vignette: dict[str, Any],
) -> None:
    transcript = simulate(vignette["case"])
    phases = [q["phase"] for q in transcript.questions]
    # the red flags relevant to where it hurts are asked first; an answer chosen for its
    # gain (pain spreading down the leg, say) may make another one relevant later
    assert phases[0] == "safety"
    first_gain = phases.index("gain") if "gain" in phases else len(phases)
    assert first_gain >= 1
    full = shipped_model()
    from crux.assess import assess

    wanted = assess(parse_case(vignette["case"]), full).triage.level
    if wanted != "self_care":
        assert transcript.assessment.triage.level == wanted


# --------------------------------------------------------------------------- gain


def _reference_gain(chooser: Chooser, ask: Any, case: dict[str, Any]) -> float:
    """The same gain from one full inference per answer, nothing shared or subtracted."""
    model = chooser.model
    mc = parse_case(case)
    from crux.reasoning.evidence import observed_findings, to_evidence

    observed = observed_findings(model.kb, mc)
    evidence = to_evidence(model.network, observed)
    targets = chooser.targets(observed)
    post, log_e = model.engine.infer(evidence)
    after, total = 0.0, 0.0
    for change in chooser.branches(ask, case, evidence):
        merged = Evidence({**evidence.findings, **change}, dict(evidence.variables))
        p_post, log_p = model.engine.infer(merged)
        w = float(np.exp(log_p - log_e))
        after += w * entropy_bits(p_post[targets])
        total += w
    return entropy_bits(post[targets]) - after / total


@pytest.mark.parametrize("case", [HEEL, BACK], ids=["heel", "back"])
def test_gains_equal_a_direct_computation(case: dict[str, Any]) -> None:
    # the algorithm is exact: in float64 every gain is the one computed afresh
    model = shipped_model()
    chooser = Chooser(model, dtype=np.float64)
    interview = Interview(case, model=model)
    ranked = chooser.rank(interview.candidates(), case, parse_case(case))
    assert ranked, "some question is worth asking"
    kinds = set()
    for scored in ranked[:25]:
        kinds.add(scored.ask.answer)
        assert scored.gain == pytest.approx(_reference_gain(chooser, scored.ask, case), abs=1e-9)
    assert {"yes_no", "number"} <= kinds
    gains = [s.gain for s in ranked]
    assert all(a > b - TIED for a, b in itertools.pairwise(gains))  # ties: offered order
    # the path for answers that change what is already known: one fresh calibration per
    # answer (with the Quickscore identity where it applies) gives the same gains too
    from crux.reasoning.evidence import observed_findings, to_evidence

    observed = observed_findings(model.kb, parse_case(case))
    evidence = to_evidence(model.network, observed)
    before = model.engine.infer(evidence)
    for scored in ranked[:8]:
        fresh = chooser.gain(scored.ask, case, evidence, before, chooser.targets(observed))
        assert fresh == pytest.approx(scored.gain, abs=1e-9)
    # the interview's chooser computes in float32: the same questions, gains within
    # TIED bits, and the same order but among ties
    quick = interview.rank()
    exact = {s.ask.id: s.gain for s in ranked}
    for s in quick:  # (a gain of 0 in float64 may round to a few 1e-7 bits)
        assert s.gain == pytest.approx(exact.get(s.ask.id, 0.0), abs=TIED)
    assert {s.ask.id for s in quick} >= {k for k, g in exact.items() if g >= TIED}
    for a, b in itertools.pairwise(quick):
        assert a.gain > b.gain - TIED
        if exact.get(a.ask.id, 0.0) < exact.get(b.ask.id, 0.0) - TIED:
            pytest.fail(f"{a.ask.id} ranked before {b.ask.id}")


def test_ties_keep_the_order_the_questions_were_offered_in() -> None:
    model = shipped_model()
    asks = Interview(HEEL, model=model).candidates()[:4]
    scored = [Scored(asks[0], 0.2), Scored(asks[1], 0.3), Scored(asks[2], 0.3 + TIED / 2),
              Scored(asks[3], 0.1)]
    assert [s.ask for s in by_gain(scored)] == [asks[1], asks[2], asks[0], asks[3]]
    apart = [Scored(asks[0], 0.3), Scored(asks[1], 0.3 + 2 * TIED)]
    assert [s.ask for s in by_gain(apart)] == [asks[1], asks[0]]


def test_a_question_with_no_bearing_has_no_gain() -> None:
    model = shipped_model()
    chooser = Chooser(model)
    book = Book.of(model.kb)
    ask = book.ask("complaint.worse_with.phone_use", HEEL, complaint=0)
    mc = parse_case(HEEL)
    evidence = case_evidence(model.kb, model.network, mc)
    assert chooser.branches(ask, HEEL, evidence) == []


# --------------------------------------------------------------------------- simulation


def test_simulation_starts_from_where_it_hurts_and_reads_answers_only_when_asked(
    heel_case: dict[str, Any],
) -> None:
    start = starting_case(heel_case)
    assert start == {"version": 1, "age": 38, "sex": "female",
                     "complaints": [{"region": "heel", "side": "left"}]}
    transcript = simulate(heel_case)
    assert 0 < len(transcript.questions) <= 25
    for q in transcript.questions:
        assert set(q) >= {"id", "text", "answer"}
    data = transcript.as_json()
    assert set(data) >= {"questions", "assessment"}


def test_cli_simulate_prints_json_and_jsonl(tmp_path: Any, heel_case: dict[str, Any]) -> None:
    a = tmp_path / "a.json"
    a.write_text(json.dumps(heel_case))
    b = tmp_path / "b.json"
    b.write_text(json.dumps(BACK))
    runner = CliRunner()
    one = runner.invoke(app, ["interview", "--simulate", str(a), "--format", "json"])
    assert one.exit_code == 0, one.output
    data = json.loads(one.output)
    assert data["questions"] and data["assessment"]["triage"]["level"] == "self_care"
    many = runner.invoke(app, ["interview", "--simulate", str(a), "--simulate", str(b),
                               "--format", "jsonl"])
    assert many.exit_code == 0, many.output
    lines = many.output.strip().splitlines()
    assert len(lines) == 2 and all("questions" in json.loads(line) for line in lines)


def test_cli_simulate_refuses_a_bad_case(tmp_path: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "age": 400, "complaints": [{"region": "heel", "side": "left"}]}')
    result = CliRunner().invoke(app, ["interview", "--simulate", str(bad)])
    assert result.exit_code == 2
    assert "age" in result.output


def test_assess_lists_the_questions_most_worth_asking(tmp_path: Any) -> None:
    path = tmp_path / "heel.json"
    path.write_text(json.dumps(HEEL))
    result = CliRunner().invoke(app, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["next_questions"]
    assert len(listed) == 3
    # the pending safety checklist comes first, whatever its gain; then by gain
    assert listed[0]["id"].startswith("screen.")
    assert "chest pain" in listed[0]["text"]
    gains = [q["expected_information_gain"] for q in listed[1:]]
    assert all(a >= b - 1e-4 for a, b in itertools.pairwise(gains)) and gains[0] > 0
    none = CliRunner().invoke(app, ["assess", str(path), "--format", "json", "--questions", "0"])
    assert json.loads(none.output)["next_questions"] == []


# --------------------------------------------------------------------------- terminal


def test_the_terminal_interview_validates_goes_back_and_saves(tmp_path: Any) -> None:
    saved = tmp_path / "case.json"
    lines = ["41", "2", "heel", "1", "n",  # age, male, heel, left, nothing else
             "maybe",  # not an answer: asked again
             "0", "b",  # none of the first checklist, then go back to it
             ] + ["?"] * 60
    result = CliRunner().invoke(app, ["interview", "--save", str(saved)],
                                input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "Question 1" in result.output and "Triage:" in result.output
    assert result.output.count("Question 1 ") >= 2  # asked again after going back
    case = json.loads(saved.read_text())
    parse_case(case)
    assert case["age"] == 41 and case["complaints"] == [{"region": "heel", "side": "left"}]


def test_a_less_urgent_sign_does_not_stop_the_check_for_an_emergency() -> None:
    # bone tenderness in the shin asks for a doctor soon; with back pain as well, the
    # nerve checklist (emergency) must still be asked before the interview ends
    case = {"version": 1, "age": 30, "sex": "male",
            "complaints": [{"region": "shin_inner", "side": "left"},
                           {"region": "lower_back", "side": "central"}],
            "red_flags": {"bone_tenderness": True}}
    interview = Interview(case)
    assert interview.assessment().triage.level == "soon"
    choice = interview.next()
    assert choice.ask is not None and choice.phase == "safety"
    assert "red_flags.saddle_numbness" in (choice.ask.options or {})


def test_the_terminal_interview_ends_cleanly_when_input_runs_out() -> None:
    lines = ["41", "2", "heel", "1", "n", "0"]  # then the input ends
    result = CliRunner().invoke(app, ["interview"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "Stopped" in result.output and "Triage:" in result.output
    nothing = CliRunner().invoke(app, ["interview"], input="")
    assert nothing.exit_code == 1
    assert "nothing to assess" in nothing.output


def test_the_terminal_refuses_an_age_out_of_range_and_asks_again() -> None:
    lines = ["400", "41", "2", "heel", "1", "n"]  # then the input ends
    result = CliRunner().invoke(app, ["interview"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "400 is outside 0 to 120" in result.output
    assert "Triage:" in result.output


def test_kept_answer_effects_match_a_fresh_reading_as_the_case_grows() -> None:
    # the effects of each answer are kept by the parts of the case a question reads;
    # through a whole simulated interview they must equal a fresh reading every time
    from crux.interview._gain import _ask_key

    model = shipped_model()
    for vignette in [v["case"] for v in dev_vignettes()[:6]]:
        interview = Interview(starting_case(vignette), model=model)
        chooser = interview._chooser
        for _ in range(8):
            case = interview.case
            evidence = case_evidence(model.kb, model.network, parse_case(case))
            for ask in interview.candidates():
                key = _ask_key(ask)
                findings = chooser._reads.get(key, [])
                if findings:
                    assert chooser.branches(ask, case, evidence) == chooser._branches_of(
                        ask, case, evidence, findings, key)
            choice = interview.next()
            if choice.ask is None:
                break
            interview.answer(choice.ask, answer_in(vignette, choice.ask), choice.phase)


def test_a_whole_case_read_again_is_read_the_same_and_a_changed_one_afresh() -> None:
    # the interview reads each case twice (to assess it, then to choose); the second
    # reading is kept from the first, so it must be the first, and never a stale one
    from crux.reasoning import evidence

    model = shipped_model()
    case = parse_case(HEEL)
    first = evidence.observed_findings(model.kb, case)
    again = evidence.observed_findings(model.kb, parse_case(json.loads(json.dumps(HEEL))))
    assert again == first and again is not first
    again.clear()  # a caller's copy: the kept reading is untouched
    assert evidence.observed_findings(model.kb, case) == first
    changed = apply(HEEL, Book.of(model.kb).ask("complaint.worse_with.running", HEEL,
                                                 complaint=0), True)
    fresh = evidence._observed(model.kb, parse_case(changed), model.kb.findings)
    assert evidence.observed_findings(model.kb, parse_case(changed)) == fresh != first


def test_kept_answer_effects_follow_every_field_a_question_reads() -> None:
    # the effects are kept by each complaint's region, side and the one field read; a
    # change to any of these must be read afresh, whatever was kept before
    from crux.interview._gain import _ask_key

    model = shipped_model()
    interview = Interview(HEEL, model=model)
    chooser = interview._chooser
    asks = [a for a in interview.candidates()
            if a.question is not None and a.question.asks.startswith("complaint.")]
    assert asks
    def variants(ask: Any) -> list[dict[str, Any]]:
        field = ask.question.asks.split(".")[1]
        item = ask.id.rsplit(".", 1)[-1]
        base = json.loads(json.dumps(HEEL))
        out = [base]
        for change in ({"side": "left"}, {"region": "knee"}, {"side": "both"}):
            out.append({**base, "complaints": [{**base["complaints"][0], **change}]})
        out.append({**base, "complaints": [*base["complaints"],
                                           {"region": "knee", "side": "left"}]})
        if ask.answer == "yes_no":
            listed = {**base["complaints"][0], field: [item]}
            denied = {**base["complaints"][0], "denied": {field: [item]}}
            out += [{**base, "complaints": [listed]}, {**base, "complaints": [denied]}]
        return out
    for ask in asks:
        key = _ask_key(ask)
        findings = chooser._reads.get(key, [])
        for case in variants(ask) + variants(ask)[::-1]:
            try:
                evidence = case_evidence(model.kb, model.network, parse_case(case))
            except CaseError:
                continue
            assert chooser.branches(ask, case, evidence) == chooser._branches_of(
                ask, case, evidence, findings, key), (ask.id, case)
    # and what a question does not read leaves its kept effects standing: the onset for
    # a question about what makes it worse
    worse = next(a for a in asks if a.question.asks.startswith("complaint.worse_with."))
    kept = len(chooser._branches)
    for onset in ("sudden", "gradual"):
        case = {**HEEL, "complaints": [{**HEEL["complaints"][0], "onset": onset}]}
        evidence = case_evidence(model.kb, model.network, parse_case(case))
        chooser.branches(worse, case, evidence)
    assert len(chooser._branches) == kept


def test_a_complaint_no_root_cause_explains_is_asked_about_without_error() -> None:
    # an arm complaint: no root cause or condition in the knowledge reaches it, so no
    # question has a gain (nothing to learn), and choosing must still run cleanly
    model = shipped_model()
    case = {"version": 1, "age": 40, "sex": "female",
            "complaints": [{"region": "arm", "side": "left"}]}
    interview = Interview(case, model=model)
    assert interview._chooser.rank(interview.candidates(), case, parse_case(case)) == []
    interview.next()
