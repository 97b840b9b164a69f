"""Every causal chain the five source articles describe is in the knowledge base, hop by
hop, and each hop cites at least one of the articles (not only outside guidance)."""

from __future__ import annotations

import itertools

import pytest

from crux.knowledge import load_knowledge

KB = load_knowledge()
FINDINGS = {f.id: f for f in KB.findings}
ARTICLES = {s.id for s in KB.sources if s.id[:3].isdigit()}

# (what the sources say, the chain as node ids, root first; a last item "finding:ID"
# means the chain ends at that answer a case can give)
CHAINS = [
    (
        "weak glutes -> reduced hip extension -> calf overload -> Achilles strain -> heel pain",
        ["weak_glute_max", "reduced_hip_extension", "calf_overload", "achilles_tendinopathy",
         "finding:heel_pain"],
    ),
    (
        "calf overload -> heel pain",
        ["calf_overload", "heel_pain_calf_overload", "finding:heel_pain"],
    ),
    (
        "tight iliopsoas -> rotated pelvis -> thigh internal rotation -> medial knee strain",
        ["tight_iliopsoas", "rotated_pelvis", "dynamic_valgus", "medial_knee_strain"],
    ),
    (
        "tight iliopsoas -> anteriorly tilted pelvis -> thigh internal rotation",
        ["tight_iliopsoas", "anterior_pelvic_tilt", "dynamic_valgus"],
    ),
    (
        "thigh internal rotation -> overpronation -> plantar fasciitis",
        ["dynamic_valgus", "overpronation", "plantar_fasciitis"],
    ),
    ("overpronation -> Achilles pain", ["overpronation", "achilles_tendinopathy"]),
    ("overpronation -> bunions", ["overpronation", "finding:big_toe_pain"]),
    ("stiff big toe -> altered gait -> knee pain", ["stiff_big_toe", "altered_gait",
                                                    "patellofemoral_pain"]),
    ("stiff big toe -> altered gait -> hip pain", ["stiff_big_toe", "altered_gait",
                                                   "greater_trochanteric_pain"]),
    ("stiff big toe -> altered gait -> back pain", ["stiff_big_toe", "altered_gait",
                                                    "mechanical_low_back_pain"]),
    ("stiff feet and ankles -> chronic low back pain", ["restricted_ankle_foot",
                                                        "mechanical_low_back_pain"]),
    (
        "tight pec minor -> forward head -> upper-trap trigger points -> tension headache",
        ["tight_pec_minor", "forward_head_posture", "upper_trap_trigger_points",
         "tension_type_headache"],
    ),
    (
        "suboccipital tension -> tension headache",
        ["suboccipital_tension", "tension_type_headache"],
    ),
    ("piriformis -> sciatica", ["tight_piriformis", "piriformis_syndrome", "sciatica"]),
    ("poor shock absorption -> shin splints", ["poor_shock_absorption",
                                               "medial_tibial_stress_syndrome"]),
    ("poor glute function -> shin splints", ["weak_glute_max", "poor_shock_absorption"]),
    ("flat feet -> shin splints", ["overpronation", "poor_shock_absorption"]),
    ("hypermobility -> shin splints", ["hypermobility", "poor_shock_absorption"]),
    ("old injuries -> shin splints", ["old_injury_compensation", "poor_shock_absorption"]),
    ("incorrect footwear -> shin splints", ["footwear", "poor_shock_absorption"]),
    ("pregnancy -> shin splints", ["pregnancy_load", "medial_tibial_stress_syndrome"]),
    ("a rotated pelvis -> shin splints", ["rotated_pelvis", "medial_tibial_stress_syndrome"]),
    ("tight hip flexors -> front of hip pain after sitting",
     ["tight_iliopsoas", "finding:hip_front_sitting"]),
    ("weak glutes and hamstrings -> back of hip pain on rising",
     ["weak_glute_max", "finding:hip_back_rising"]),
    ("tight adductors -> groin pain", ["tight_adductors", "adductor_groin_pain",
                                       "finding:groin_pain"]),
    ("tight outer hip -> outer hip pain", ["tight_lateral_hip", "finding:hip_outer_pain"]),
    ("pregnancy -> sciatica", ["pregnancy_pelvic_adaptation", "sciatica"]),
    ("pregnancy -> hip pain", ["pregnancy_pelvic_adaptation", "tight_piriformis"]),
    ("pregnancy -> pelvic girdle pain", ["pregnancy_pelvic_adaptation", "pelvic_girdle_pain"]),
]


def _hop_sources(cause: str, effect: str) -> set[str]:
    if effect.startswith("finding:"):
        finding = FINDINGS[effect.removeprefix("finding:")]
        return {c.source for fc in finding.causes if fc.node == cause for c in fc.sources}
    return {c.source for e in KB.edges if (e.cause, e.effect) == (cause, effect)
            for c in e.sources}


@pytest.mark.parametrize(("said", "chain"), CHAINS, ids=[c[0] for c in CHAINS])
def test_a_source_chain_is_encoded_and_cited(said: str, chain: list[str]) -> None:
    for cause, effect in itertools.pairwise(chain):
        sources = _hop_sources(cause, effect)
        assert sources, f"{said}: no link {cause} -> {effect}"
        assert sources & ARTICLES, f"{said}: {cause} -> {effect} cites none of the articles"
