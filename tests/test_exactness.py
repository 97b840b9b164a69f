"""The engine is exact: it equals brute-force enumeration on hundreds of random networks,
hand-computed numbers on tiny ones, and pyAgrum's junction tree on the shipped network.
The BIF / XMLBIF export is checked by reading it back with pyAgrum and pgmpy.

Tests that need the engine skip while it raises NotImplementedError; tests that need the
shipped knowledge skip while it does not load or check cleanly; tests that need a peer
library skip when it is not installed.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from crux.reasoning.engine import ExactEngine
from crux.reasoning.export import original_name, safe_name, to_bif, to_xmlbif
from crux.reasoning.network import Evidence, FindingVariable, Network, Variable
from tests.support.reference import (
    aligned,
    enumerate_posteriors,
    evidence_by_name,
    load_pgmpy,
    load_pyagrum,
    our_cpts,
    pgmpy_cpts,
    pgmpy_posteriors,
    pyagrum_cpts,
    pyagrum_inference,
    random_evidence,
    random_network,
)

POSTERIOR_ATOL = 1e-9
LIKELIHOOD_RTOL = 1e-9
N_RANDOM = 240


def engine_for(network: Network) -> ExactEngine:
    """The engine on ``network``; skips the test while the engine is not implemented."""
    engine = ExactEngine(network)
    try:
        engine.posteriors(Evidence())
    except NotImplementedError:
        pytest.skip("ExactEngine is not implemented yet")
    return engine


def assert_matches(
    engine: ExactEngine, network: Network, evidence: Evidence, where: str = ""
) -> None:
    expected, likelihood = enumerate_posteriors(network, evidence)
    got = np.asarray(engine.posteriors(evidence), dtype=float)
    assert got.shape == (len(network.variables),), where
    worst = int(np.argmax(np.abs(got - expected))) if len(got) else 0
    assert np.allclose(got, expected, rtol=0.0, atol=POSTERIOR_ATOL), (
        f"{where}: posterior of {network.variables[worst].name} is {got[worst]!r}, "
        f"enumeration gives {expected[worst]!r}; evidence {evidence}"
    )
    got_likelihood = engine.likelihood(evidence)
    assert got_likelihood == pytest.approx(likelihood, rel=LIKELIHOOD_RTOL, abs=0.0), (
        f"{where}: likelihood {got_likelihood!r}, enumeration gives {likelihood!r}; "
        f"evidence {evidence}"
    )


def random_case(seed: int) -> tuple[Network, list[Evidence]]:
    """A network of 1-12 hidden variables and 0-10 findings, with the empty evidence and
    three random evidence sets; one seed in five has deterministic (weight 1.0) links."""
    rng = np.random.default_rng(seed)
    network = random_network(
        rng,
        n_hidden=int(rng.integers(1, 13)),
        n_findings=int(rng.integers(0, 11)),
        max_parents=int(rng.integers(1, 5)),
        p_unit_weight=0.15 if seed % 5 == 0 else 0.0,
    )
    evidence = [Evidence()]
    evidence += [
        random_evidence(rng, network, p_observed=float(rng.uniform(0.2, 1.0))) for _ in range(3)
    ]
    return network, evidence


# ------------------------------------------------------------- (a) random networks


@pytest.mark.parametrize("seed", range(N_RANDOM))
def test_engine_equals_enumeration_on_random_networks(seed: int) -> None:
    network, evidences = random_case(seed)
    engine = engine_for(network)
    for k, evidence in enumerate(evidences):
        assert_matches(engine, network, evidence, f"seed {seed}, evidence {k}")


@pytest.mark.parametrize("seed", range(20))
def test_engine_handles_a_parent_listed_twice(seed: int) -> None:
    # two links from one cause act as one link of weight 1 - (1 - w1)(1 - w2)
    rng = np.random.default_rng(10_000 + seed)
    network = random_network(rng, 8, 6, 3, p_duplicate=0.6)
    engine = engine_for(network)
    for k in range(3):
        assert_matches(engine, network, random_evidence(rng, network), f"seed {seed}, ev {k}")


def test_engine_on_larger_random_networks() -> None:
    # 16 hidden variables, many findings, up to 6 parents: still enumerable, less trivial
    for seed in range(5):
        rng = np.random.default_rng(20_000 + seed)
        network = random_network(rng, 16, 30, 6)
        engine = engine_for(network)
        for k in range(2):
            evidence = random_evidence(rng, network, p_observed=0.8)
            assert_matches(engine, network, evidence, f"seed {seed}, evidence {k}")


def test_impossible_evidence_has_likelihood_zero() -> None:
    # c has no leak and its only cause is absent, so c is never on; seeing it is impossible
    network = Network(
        variables=(
            Variable("a", "a", None, "root_cause", 0.3, (), ()),
            Variable("c", "c", None, "condition", 0.0, (0,), (0.5,)),
        ),
        findings=(),
    )
    evidence = Evidence(variables={0: False, 1: True})
    assert enumerate_posteriors(network, evidence)[1] == 0.0
    engine = engine_for(network)
    assert engine.likelihood(evidence) == pytest.approx(0.0, abs=1e-300)


# ------------------------------------------------------- (b) hand-computed networks


def one_cause() -> Network:
    # C (leak 0.1) -> F (leak 0.02, weight 0.6)
    return Network(
        variables=(Variable("c", "c", None, "root_cause", 0.1, (), ()),),
        findings=(FindingVariable("f", "f", None, 0.02, (0,), (0.6,)),),
    )


def two_parents() -> Network:
    # A (leak 0.2), B (leak 0.1) -> F (leak 0, weights 0.5 from A and 0.8 from B)
    return Network(
        variables=(
            Variable("a", "a", None, "root_cause", 0.2, (), ()),
            Variable("b", "b", None, "root_cause", 0.1, (), ()),
        ),
        findings=(FindingVariable("f", "f", None, 0.0, (0, 1), (0.5, 0.8)),),
    )


def chain() -> Network:
    # A (leak 0.3) -> B (leak 0.05, weight 0.7) -> F (leak 0.01, weight 0.9)
    return Network(
        variables=(
            Variable("a@left", "a", "left", "root_cause", 0.3, (), ()),
            Variable("b@left", "b", "left", "condition", 0.05, (0,), (0.7,)),
        ),
        findings=(FindingVariable("f@left", "f", "left", 0.01, (1,), (0.9,)),),
    )


# (network, evidence, expected posteriors, expected likelihood), every number by hand:
HAND_CASES: list[tuple[str, Network, Evidence, list[Fraction], Fraction]] = [
    # P(F | C) = 1 - 0.98 * 0.4 = 0.608, P(F | not C) = 0.02
    # P(F) = 0.1 * 0.608 + 0.9 * 0.02 = 0.0608 + 0.018 = 0.0788
    # P(C | F) = 0.0608 / 0.0788 = 152/197
    ("one cause, F present", one_cause(), Evidence(findings={0: True}),
     [Fraction(152, 197)], Fraction(788, 10_000)),
    # P(not F) = 1 - 0.0788 = 0.9212; P(C, not F) = 0.1 * 0.392 = 0.0392
    # P(C | not F) = 0.0392 / 0.9212 = 98/2303
    ("one cause, F absent", one_cause(), Evidence(findings={0: False}),
     [Fraction(98, 2303)], Fraction(9212, 10_000)),
    # no evidence: the prior, and P(e) = 1
    ("one cause, no evidence", one_cause(), Evidence(), [Fraction(1, 10)], Fraction(1)),
    # P(a, b) for (a, b) = 00, 10, 01, 11: 0.72, 0.18, 0.08, 0.02
    # P(F | a, b) = 0, 0.5, 0.8, 1 - 0.5 * 0.2 = 0.9
    # P(F, a, b) = 0, 0.09, 0.064, 0.018; P(F) = 0.172
    # P(A | F) = (0.09 + 0.018) / 0.172 = 27/43; P(B | F) = (0.064 + 0.018) / 0.172 = 41/86
    ("two parents, F present", two_parents(), Evidence(findings={0: True}),
     [Fraction(27, 43), Fraction(41, 86)], Fraction(172, 1000)),
    # explaining away: A seen on as well. P(A, F) = 0.09 + 0.018 = 0.108
    # P(B | A, F) = 0.018 / 0.108 = 1/6
    ("two parents, A on and F present", two_parents(),
     Evidence(findings={0: True}, variables={0: True}),
     [Fraction(1), Fraction(1, 6)], Fraction(108, 1000)),
    # P(B | A) = 1 - 0.95 * 0.3 = 0.715, P(B | not A) = 0.05
    # P(F | B) = 1 - 0.99 * 0.1 = 0.901, P(F | not B) = 0.01
    # P(F, a, b): 00: 0.7 * 0.95 * 0.01 = 0.00665     01: 0.7 * 0.05 * 0.901 = 0.031535
    #             10: 0.3 * 0.285 * 0.01 = 0.000855   11: 0.3 * 0.715 * 0.901 = 0.1932645
    # P(F) = 0.2323045; P(A | F) = 0.1941195 / 0.2323045 = 388239/464609
    # P(B | F) = 0.2247995 / 0.2323045 = 449599/464609
    ("chain, F present", chain(), Evidence(findings={0: True}),
     [Fraction(388_239, 464_609), Fraction(449_599, 464_609)], Fraction(2_323_045, 10**7)),
]  # fmt: skip


@pytest.mark.parametrize("case", HAND_CASES, ids=[c[0] for c in HAND_CASES])
def test_enumeration_equals_hand_computation(case: Any) -> None:
    _, network, evidence, posteriors, likelihood = case
    got, got_likelihood = enumerate_posteriors(network, evidence)
    assert got == pytest.approx([float(p) for p in posteriors], abs=1e-15)
    assert got_likelihood == pytest.approx(float(likelihood), rel=1e-14)


@pytest.mark.parametrize("case", HAND_CASES, ids=[c[0] for c in HAND_CASES])
def test_engine_equals_hand_computation(case: Any) -> None:
    _, network, evidence, posteriors, likelihood = case
    engine = engine_for(network)
    got = np.asarray(engine.posteriors(evidence), dtype=float)
    assert got == pytest.approx([float(p) for p in posteriors], abs=1e-12)
    assert engine.likelihood(evidence) == pytest.approx(float(likelihood), rel=1e-12)


# ------------------------------------------------------------------- (c) the export


def test_safe_names_are_reversible() -> None:
    for name in ("tight_iliopsoas@left", "weak_glute_max", "heel_pain@right", "a1@b2"):
        safe = safe_name(name)
        assert "@" not in safe
        assert original_name(safe) == name
    assert safe_name("tight_iliopsoas@left") == "tight_iliopsoas__left"
    for bad in ("a__b", "a@b@c", "1abc", "a-b", "", "a_@left", "a@"):
        with pytest.raises(ValueError):
            safe_name(bad)


def test_export_is_deterministic() -> None:
    a = random_network(np.random.default_rng(7), 10, 8, 4)
    b = random_network(np.random.default_rng(7), 10, 8, 4)
    assert to_bif(a) == to_bif(b)
    assert to_xmlbif(a) == to_xmlbif(b)


def test_export_refuses_a_finding_named_like_a_variable() -> None:
    network = Network(
        variables=(Variable("x", "x", None, "root_cause", 0.1, (), ()),),
        findings=(FindingVariable("x", "x", None, 0.0, (0,), (0.5,)),),
    )
    with pytest.raises(ValueError, match="export as 'x'"):
        to_bif(network)


def export_cases() -> list[tuple[int, Network]]:
    out = []
    for seed in range(30):
        rng = np.random.default_rng(30_000 + seed)
        out.append((seed, random_network(rng, 10, 8, 5, p_unit_weight=0.1, p_duplicate=0.2)))
    return out


# pyAgrum 3.3.1 parses the numbers of a BIF file as 32-bit floats (0.08 is read as
# 0.0799999982); its XMLBIF reader, and pgmpy's readers, keep the full 64 bits. So the
# BIF file read by pyAgrum is checked to float32 precision, everything else to 1e-15,
# and exactness against pyAgrum goes through the XMLBIF export.
FLOAT32_ATOL = 1e-7


def assert_same_cpts(
    read: dict[str, Any], network: Network, where: str, atol: float = 1e-15
) -> None:
    ours = our_cpts(network)
    assert sorted(read) == sorted(ours), where
    for name, (parents, table) in ours.items():
        assert sorted(read[name][0]) == sorted(parents), f"{where}: parents of {name}"
        theirs = aligned(read[name], parents)
        assert np.allclose(theirs, table, rtol=0.0, atol=atol), f"{where}: CPT of {name}"


@pytest.mark.parametrize("fmt", ["bif", "xmlbif"])
def test_pyagrum_reads_the_export(fmt: str) -> None:
    pytest.importorskip("pyagrum")
    for seed, network in export_cases():
        text = to_bif(network) if fmt == "bif" else to_xmlbif(network)
        atol = FLOAT32_ATOL if fmt == "bif" else 1e-15
        assert_same_cpts(pyagrum_cpts(load_pyagrum(text)), network, f"{fmt} seed {seed}", atol)


@pytest.mark.parametrize("fmt", ["bif", "xmlbif"])
def test_pgmpy_reads_the_export(fmt: str) -> None:
    pytest.importorskip("pgmpy")
    # pgmpy's BIF reader takes about a second per small network; its XMLBIF reader is quick
    for seed, network in export_cases()[: 3 if fmt == "bif" else 15]:
        text = to_bif(network) if fmt == "bif" else to_xmlbif(network)
        model = load_pgmpy(text)
        assert model.check_model()
        assert_same_cpts(pgmpy_cpts(model), network, f"{fmt} seed {seed}")


@pytest.mark.parametrize("fmt", ["bif", "xmlbif"])
def test_pyagrum_on_the_export_equals_enumeration(fmt: str) -> None:
    # the references agree with each other: brute force vs a junction tree on the file
    # (to 1e-12 from XMLBIF; from BIF, which pyAgrum reads as float32, to 1e-5)
    pytest.importorskip("pyagrum")
    atol = 1e-5 if fmt == "bif" else 1e-12
    rtol = 1e-5 if fmt == "bif" else 1e-10
    for seed in range(40):
        rng = np.random.default_rng(40_000 + seed)
        network = random_network(rng, 12, 10, 4)
        bn = load_pyagrum(to_bif(network) if fmt == "bif" else to_xmlbif(network))
        for _ in range(2):
            evidence = random_evidence(rng, network)
            expected, likelihood = enumerate_posteriors(network, evidence)
            theirs, their_likelihood = pyagrum_inference(bn, evidence_by_name(network, evidence))
            got = [theirs[safe_name(v.name)] for v in network.variables]
            assert np.allclose(got, expected, rtol=0.0, atol=atol), f"seed {seed}"
            assert their_likelihood == pytest.approx(likelihood, rel=rtol), f"seed {seed}"


def test_pgmpy_on_the_export_equals_enumeration() -> None:
    pytest.importorskip("pgmpy")
    for seed in range(6):
        rng = np.random.default_rng(50_000 + seed)
        network = random_network(rng, 8, 6, 3)
        model = load_pgmpy(to_xmlbif(network) if seed % 2 else to_bif(network))
        evidence = random_evidence(rng, network)
        expected, _ = enumerate_posteriors(network, evidence)
        names = [safe_name(v.name) for v in network.variables]
        theirs = pgmpy_posteriors(model, evidence_by_name(network, evidence), names)
        got = [theirs[n] for n in names]
        assert np.allclose(got, expected, rtol=0.0, atol=1e-12), f"seed {seed}"


# --------------------------------------------------------- (d) the shipped network


def dev_vignettes_path() -> Path | None:
    candidates = [
        os.environ.get("CRUX_DEV_VIGNETTES", ""),
        str(Path(__file__).resolve().parents[1] / "vignettes" / "dev.yaml"),
        str(Path(__file__).resolve().parents[2] / "shared" / "vignettes" / "dev.yaml"),
    ]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


@pytest.fixture(scope="module")
def shipped() -> tuple[Any, Network]:
    from crux.knowledge import check_knowledge, load_knowledge
    from crux.knowledge.compile import shipped_network

    try:
        kb = load_knowledge()
    except Exception as err:  # any failure means "not ready"; say why
        pytest.skip(f"the shipped knowledge base does not load: {err}")
    problems = check_knowledge(kb)
    if problems:
        pytest.skip(
            f"the shipped knowledge base has {len(problems)} problem(s), e.g. {problems[0]}"
        )
    return kb, shipped_network()


def test_engine_equals_pyagrum_on_the_shipped_network(
    shipped: tuple[Any, Network], tmp_path: Path
) -> None:
    pytest.importorskip("pyagrum")
    from crux.contract import parse_case
    from crux.reasoning.evidence import case_evidence

    kb, network = shipped
    path = dev_vignettes_path()
    if path is None:
        pytest.skip("dev vignettes not found (set CRUX_DEV_VIGNETTES)")
    vignettes = yaml.safe_load(path.read_text(encoding="utf-8"))
    # XMLBIF, not BIF: pyAgrum reads BIF numbers as float32 (see FLOAT32_ATOL)
    exported = tmp_path / "crux.bifxml"
    exported.write_text(to_xmlbif(network), encoding="utf-8")
    bn = load_pyagrum(exported)
    engine = engine_for(network)
    names = [safe_name(v.name) for v in network.variables]
    worst = 0.0
    for vignette in vignettes:
        evidence = case_evidence(kb, network, parse_case(vignette["case"]))
        ours = np.asarray(engine.posteriors(evidence), dtype=float)
        theirs_by_name, their_likelihood = pyagrum_inference(
            bn, evidence_by_name(network, evidence), names
        )
        theirs = np.array([theirs_by_name[n] for n in names])
        deviation = np.abs(ours - theirs)
        k = int(np.argmax(deviation))
        assert deviation[k] <= POSTERIOR_ATOL, (
            f"{vignette['id']}: {network.variables[k].name} is {ours[k]!r} here, "
            f"{theirs[k]!r} in pyAgrum"
        )
        assert engine.likelihood(evidence) == pytest.approx(their_likelihood, rel=1e-9)
        worst = max(worst, float(deviation[k]))
    print(f"max |engine - pyAgrum| over {len(vignettes)} vignettes: {worst:.2e}")
