"""Exact inference on a compiled noisy-OR network (implementation in progress)."""

from __future__ import annotations

import numpy as np

from crux.reasoning.network import Evidence, Network


class ExactEngine:
    """Compiled once per network; answers posteriors for any evidence, exactly.

    posteriors(evidence)[i] is P(variable i is on | evidence) for every hidden variable
    of ``network.variables``; likelihood(evidence) is P(evidence).
    """

    def __init__(self, network: Network) -> None:
        self.network = network

    def posteriors(self, evidence: Evidence) -> np.ndarray:
        raise NotImplementedError

    def likelihood(self, evidence: Evidence) -> float:
        raise NotImplementedError
