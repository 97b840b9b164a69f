"""Expected information gain: exact, by enumeration, on generated networks."""

from __future__ import annotations

import numpy as np
import pytest

from crux.reasoning.engine import ExactEngine
from crux.reasoning.information import answers_gain, entropy_bits, finding_gain
from crux.reasoning.network import Evidence
from tests.support.reference import enumerate_posteriors, random_evidence, random_network


def _gain_by_enumeration(network, evidence, finding, targets):  # type: ignore[no-untyped-def]
    post, like = enumerate_posteriors(network, evidence)
    before = entropy_bits(post[targets])
    after = 0.0
    for present in (False, True):
        more = Evidence({**evidence.findings, finding: present}, dict(evidence.variables))
        p, l_more = enumerate_posteriors(network, more)
        if l_more > 0:
            after += (l_more / like) * entropy_bits(p[targets])
    return before - after


def test_entropy_of_certain_and_even_marginals() -> None:
    assert entropy_bits(np.array([0.0, 1.0])) == 0.0
    assert entropy_bits(np.array([0.5, 0.5])) == pytest.approx(2.0)


@pytest.mark.parametrize("seed", range(25))
def test_finding_gain_equals_enumeration(seed: int) -> None:
    rng = np.random.default_rng(500 + seed)
    network = random_network(rng, int(rng.integers(2, 9)), int(rng.integers(2, 8)), 3)
    engine = ExactEngine(network)
    evidence = random_evidence(rng, network, p_observed=0.4)
    unobserved = [i for i in range(len(network.findings)) if i not in evidence.findings]
    if not unobserved:
        pytest.skip("every finding observed")
    targets = list(range(len(network.variables)))
    for finding in unobserved[:3]:
        got = finding_gain(engine, evidence, finding, targets)
        expected = _gain_by_enumeration(network, evidence, finding, targets)
        assert got.gain == pytest.approx(max(expected, 0.0), abs=1e-9)
        assert sum(b.probability for b in got.branches) == pytest.approx(1.0)
        two_runs = answers_gain(engine, evidence, [{finding: False}, {finding: True}], targets)
        assert two_runs.gain == pytest.approx(got.gain, abs=1e-9)


def test_answers_that_do_not_cover_every_case_are_refused() -> None:
    rng = np.random.default_rng(1)
    network = random_network(rng, 4, 3, 2)
    with pytest.raises(ValueError, match="sum to"):
        answers_gain(ExactEngine(network), Evidence(), [{0: True}], [0, 1])
