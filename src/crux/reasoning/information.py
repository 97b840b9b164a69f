"""How much an answer would tell: the expected information gain of a question about a
set of target variables (root causes and conditions), from exact posteriors.

The uncertainty about the targets is the sum of their binary entropies (in bits), and a
question's gain is how much that sum is expected to fall once it is answered,

    gain = H(targets | e) - sum over answers a of P(a | e) H(targets | e, a),

which is the sum of the mutual informations I(target; answer | e), so it is never
negative. Every probability in it is exact.

A yes/no question about one finding needs one calibration, not two: with the finding
absent we get P(x, e, absent) and P(e, absent); with it present, by the Quickscore
identity, P(x, e, present) = P(x, e) - P(x, e, absent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crux.reasoning.engine import ExactEngine, ImpossibleEvidence
from crux.reasoning.network import Evidence

_TINY = 1e-12


def entropy_bits(p: np.ndarray) -> float:
    """Sum of the binary entropies of independent-looking marginals ``p``."""
    q = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(q * np.log2(q) + (1.0 - q) * np.log2(1.0 - q))
    return float(np.nansum(h))


@dataclass(frozen=True)
class Branch:
    probability: float  # P(answer | e)
    posteriors: np.ndarray  # every hidden variable given e and the answer


@dataclass(frozen=True)
class Gain:
    gain: float  # bits
    branches: tuple[Branch, ...]


def _merged(evidence: Evidence, more: dict[int, bool]) -> Evidence:
    return Evidence(findings={**evidence.findings, **more}, variables=dict(evidence.variables))


def finding_gain(
    engine: ExactEngine,
    evidence: Evidence,
    finding: int,
    targets: Sequence[int],
    base: tuple[np.ndarray, float] | None = None,
) -> Gain:
    """The gain of learning whether one finding is present, given ``evidence``.

    ``base`` is ``engine.infer(evidence)`` when the caller has it already.
    """
    if finding in evidence.findings:
        raise ValueError("that finding is already observed")
    posterior, log_e = base if base is not None else engine.infer(evidence)
    idx = np.asarray(targets, dtype=int)
    try:
        absent_post, log_absent = engine.infer(_merged(evidence, {finding: False}))
        p_absent = float(np.exp(log_absent - log_e))
    except ImpossibleEvidence:
        absent_post, p_absent = posterior, 0.0
    p_absent = min(max(p_absent, 0.0), 1.0)
    p_present = 1.0 - p_absent
    if p_present > _TINY:
        present_post = (posterior - p_absent * absent_post) / p_present
        present_post = np.clip(present_post, 0.0, 1.0)
    else:
        present_post = posterior
    before = entropy_bits(posterior[idx])
    after = p_absent * entropy_bits(absent_post[idx]) + p_present * entropy_bits(
        present_post[idx]
    )
    return Gain(
        gain=max(0.0, before - after),
        branches=(Branch(p_absent, absent_post), Branch(p_present, present_post)),
    )


def answers_gain(
    engine: ExactEngine,
    evidence: Evidence,
    answers: Sequence[dict[int, bool]],
    targets: Sequence[int],
    base: tuple[np.ndarray, float] | None = None,
) -> Gain:
    """The gain of a question whose answers are mutually exclusive and exhaustive, each
    adding the findings it names (index -> present?) to the evidence."""
    posterior, log_e = base if base is not None else engine.infer(evidence)
    idx = np.asarray(targets, dtype=int)
    branches = []
    for more in answers:
        try:
            post, log_a = engine.infer(_merged(evidence, more))
            branches.append(Branch(float(np.exp(log_a - log_e)), post))
        except ImpossibleEvidence:
            branches.append(Branch(0.0, posterior))
    total = sum(b.probability for b in branches)
    if not 0.999 < total < 1.001:
        raise ValueError(f"the answers' probabilities sum to {total:.6f}, not 1")
    after = sum(b.probability * entropy_bits(b.posteriors[idx]) for b in branches) / total
    return Gain(gain=max(0.0, entropy_bits(posterior[idx]) - after), branches=tuple(branches))
