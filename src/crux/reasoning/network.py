"""The compiled noisy-OR Bayesian network: plain, immutable data with no clinical content.

Semantics (as in the QMR-DT diagnostic networks): every variable is binary, and

    P(X = 0 | parents) = (1 - leak) * prod over parents that are on of (1 - weight)

Hidden variables (factors, root causes, mechanisms, conditions, demographics) are listed
in topological order. Findings are leaves: they are never hidden, only observed as
present, absent or unknown (unknown findings are barren and drop out of the sums).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variable:
    name: str  # e.g. "tight_iliopsoas@left"
    node: str  # the knowledge-base node id, e.g. "tight_iliopsoas"
    side: str | None
    kind: str
    leak: float
    parents: tuple[int, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class FindingVariable:
    name: str  # e.g. "heel_pain@left"
    finding: str  # the knowledge-base finding id
    side: str | None
    leak: float
    parents: tuple[int, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class Network:
    variables: tuple[Variable, ...]
    findings: tuple[FindingVariable, ...]
    index: dict[str, int] = field(default_factory=dict)
    finding_index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            object.__setattr__(self, "index", {v.name: i for i, v in enumerate(self.variables)})
        if not self.finding_index:
            object.__setattr__(
                self, "finding_index", {f.name: i for i, f in enumerate(self.findings)}
            )
        for i, var in enumerate(self.variables):
            if len(var.parents) != len(var.weights):
                raise ValueError(f"{var.name}: parents and weights differ in length")
            if any(p >= i for p in var.parents):
                raise ValueError(f"{var.name}: variables must be in topological order")
            if not 0.0 <= var.leak < 1.0:
                raise ValueError(f"{var.name}: leak must be in [0, 1)")
        for f in self.findings:
            if len(f.parents) != len(f.weights):
                raise ValueError(f"{f.name}: parents and weights differ in length")
            if not 0.0 <= f.leak < 1.0:
                raise ValueError(f"{f.name}: leak must be in [0, 1)")


@dataclass(frozen=True)
class Evidence:
    """Observed findings (index -> present?) and directly observed variables."""

    findings: dict[int, bool] = field(default_factory=dict)
    variables: dict[int, bool] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not self.findings and not self.variables
