"""Independent references for the inference engine.

- :func:`enumerate_posteriors`: brute-force exact enumeration of every hidden state.
- :func:`random_network` / :func:`random_evidence`: small random noisy-OR networks and
  evidence on them.
- :func:`pyagrum_posteriors` / :func:`pgmpy_posteriors`: posteriors computed by the two
  peer libraries from an EXPORTED file (BIF or XMLBIF text, or a path to one), so they
  check the export as well as the engine.

Nothing here shares code with the engine: the enumeration only follows the definition

    P(X = absent | parents) = (1 - leak) * prod over parents that are on of (1 - weight)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from crux.reasoning.export import STATES, safe_name
from crux.reasoning.network import Evidence, FindingVariable, Network, Variable

MAX_ENUMERATED = 20  # 2^20 states x 20 columns of booleans is the most we enumerate

# ----------------------------------------------------------------------- enumeration


def _p_on(states: np.ndarray, leak: float, parents: Iterable[int], weights: Iterable[float]):
    """P(on | parents) for every row of ``states`` (a bool matrix, one column per variable)."""
    p_off = np.full(states.shape[0], 1.0 - leak)
    for p, w in zip(parents, weights, strict=True):
        p_off = p_off * np.where(states[:, p], 1.0 - w, 1.0)
    return 1.0 - p_off, p_off


def enumerate_posteriors(network: Network, evidence: Evidence) -> tuple[np.ndarray, float]:
    """(P(variable on | e) for every hidden variable, P(e)) by summing over all 2^n states.

    When P(e) = 0 the posteriors are NaN.
    """
    n = len(network.variables)
    if n > MAX_ENUMERATED:
        raise ValueError(f"{n} hidden variables are too many to enumerate")
    codes = np.arange(2**n, dtype=np.int64)
    states = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
    for i, on in evidence.variables.items():
        states = states[states[:, i] == on]
    joint = np.ones(states.shape[0])
    for i, v in enumerate(network.variables):
        p_on, p_off = _p_on(states, v.leak, v.parents, v.weights)
        joint *= np.where(states[:, i], p_on, p_off)
    for j, present in evidence.findings.items():
        f = network.findings[j]
        p_on, p_off = _p_on(states, f.leak, f.parents, f.weights)
        joint *= p_on if present else p_off
    likelihood = float(joint.sum())
    if likelihood == 0.0:
        return np.full(n, np.nan), 0.0
    posteriors = (states.T.astype(float) @ joint) / likelihood
    return posteriors, likelihood


# -------------------------------------------------------------------- random networks

SCALE_WEIGHTS = (0.1, 0.3, 0.6, 0.9)
SCALE_LEAKS = (0.001, 0.005, 0.02, 0.08, 0.2, 0.5)


def _weight(rng: np.random.Generator, p_unit_weight: float) -> float:
    u = rng.random()
    if u < p_unit_weight:
        return 1.0
    if u < p_unit_weight + 0.3:
        return float(rng.choice(SCALE_WEIGHTS))
    return float(rng.uniform(0.01, 0.99))


def _leak(rng: np.random.Generator, p_zero_leak: float, *, root: bool) -> float:
    u = rng.random()
    if u < p_zero_leak and not root:
        return 0.0
    if u < 0.5:
        return float(rng.choice(SCALE_LEAKS))
    return float(rng.uniform(0.0005, 0.6))


def _links(
    rng: np.random.Generator,
    candidates: int,
    max_parents: int,
    p_unit_weight: float,
    p_duplicate: float,
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    k = int(rng.integers(0, min(candidates, max_parents) + 1))
    parents = [int(p) for p in rng.choice(candidates, size=k, replace=False)] if k else []
    if parents and rng.random() < p_duplicate:
        parents.append(parents[int(rng.integers(len(parents)))])
    weights = [_weight(rng, p_unit_weight) for _ in parents]
    return tuple(parents), tuple(weights)


def random_network(
    rng: np.random.Generator,
    n_hidden: int,
    n_findings: int,
    max_parents: int = 3,
    *,
    p_zero_leak: float = 0.3,
    p_unit_weight: float = 0.0,
    p_duplicate: float = 0.0,
    lateral: bool = True,
) -> Network:
    """A random noisy-OR network in the shape the compiler produces.

    Hidden variables are in topological order; a root always has a leak in (0, 1) (a
    root with leak 0 is never on), others have leak 0 with probability ``p_zero_leak``,
    as do findings. Weights mix the knowledge base's scale values with uniform draws in
    (0.01, 0.99); ``p_unit_weight`` of them are exactly 1.0 (deterministic links). With
    ``p_duplicate`` a variable lists one parent twice. With ``lateral`` some names carry
    an ``@left`` / ``@right`` side, as compiled lateral copies do.
    """
    kinds = ("root_cause", "factor", "mechanism", "condition", "demographic")
    variables: list[Variable] = []
    for i in range(n_hidden):
        parents, weights = _links(rng, i, max_parents, p_unit_weight, p_duplicate)
        side = str(rng.choice(("left", "right"))) if lateral and rng.random() < 0.3 else None
        name = f"v{i}@{side}" if side else f"v{i}"
        variables.append(
            Variable(
                name=name,
                node=f"v{i}",
                side=side,
                kind=str(rng.choice(kinds)),
                leak=_leak(rng, p_zero_leak, root=not parents),
                parents=parents,
                weights=weights,
            )
        )
    findings: list[FindingVariable] = []
    for j in range(n_findings):
        parents, weights = _links(rng, n_hidden, max_parents, p_unit_weight, p_duplicate)
        if not parents and n_hidden and rng.random() < 0.8:  # findings mostly have causes
            parents, weights = (int(rng.integers(n_hidden)),), (_weight(rng, p_unit_weight),)
        side = str(rng.choice(("left", "right"))) if lateral and rng.random() < 0.3 else None
        findings.append(
            FindingVariable(
                name=f"f{j}@{side}" if side else f"f{j}",
                finding=f"f{j}",
                side=side,
                leak=_leak(rng, p_zero_leak, root=False),
                parents=parents,
                weights=weights,
            )
        )
    return Network(variables=tuple(variables), findings=tuple(findings))


def random_evidence(
    rng: np.random.Generator,
    network: Network,
    *,
    p_observed: float = 0.6,
    p_present: float = 0.5,
    p_variable: float = 0.08,
    possible: bool = True,
    tries: int = 50,
) -> Evidence:
    """Random evidence: each finding is present, absent or unknown; a few hidden
    variables are observed directly. With ``possible`` (and a network small enough to
    enumerate) evidence of probability 0 is redrawn."""
    evidence = Evidence()
    for _ in range(tries):
        findings = {
            j: bool(rng.random() < p_present)
            for j in range(len(network.findings))
            if rng.random() < p_observed
        }
        variables = {
            i: bool(rng.random() < 0.5)
            for i in range(len(network.variables))
            if rng.random() < p_variable
        }
        evidence = Evidence(findings=findings, variables=variables)
        if not possible or len(network.variables) > MAX_ENUMERATED:
            return evidence
        if enumerate_posteriors(network, evidence)[1] > 0.0:
            return evidence
    raise RuntimeError("could not draw possible evidence")


# ------------------------------------------------------------------------------ peers


def evidence_by_name(network: Network, evidence: Evidence) -> dict[str, bool]:
    """The evidence keyed by exported (safe) variable name, True meaning present."""
    out = {safe_name(network.variables[i].name): on for i, on in evidence.variables.items()}
    out.update({safe_name(network.findings[j].name): on for j, on in evidence.findings.items()})
    return out


def _is_xml(text: str) -> bool:
    return text.lstrip().startswith("<")


@contextmanager
def exported_file(bif_path_or_text: str | Path) -> Iterator[Path]:
    """A path to the exported network: the given path, or a temporary file holding the
    given BIF / XMLBIF text (named .bif or .bifxml so pyAgrum picks the right reader)."""
    if isinstance(bif_path_or_text, Path) or "\n" not in bif_path_or_text:
        yield Path(bif_path_or_text)
        return
    suffix = ".bifxml" if _is_xml(bif_path_or_text) else ".bif"
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="crux-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(bif_path_or_text)
        yield Path(name)
    finally:
        os.unlink(name)


def load_pyagrum(bif_path_or_text: str | Path) -> Any:
    import pyagrum as gum

    with exported_file(bif_path_or_text) as path:
        return gum.loadBN(str(path))


def pyagrum_inference(
    bif_path_or_text: str | Path | Any,
    evidence_by_name: Mapping[str, bool],
    names: Iterable[str] | None = None,
    *,
    likelihood: bool = True,
) -> tuple[dict[str, float], float]:
    """({name: P(present | e)}, P(e)) by pyAgrum's LazyPropagation (a junction tree) on
    the exported network (or an already loaded gum.BayesNet), for ``names`` (default:
    every variable). With ``likelihood=False`` P(e) is not computed (NaN is returned):
    on a large network it costs as much as the posteriors."""
    import pyagrum as gum

    bn = (
        bif_path_or_text
        if isinstance(bif_path_or_text, gum.BayesNet)
        else load_pyagrum(bif_path_or_text)
    )
    ie = gum.LazyPropagation(bn)
    ie.setEvidence({name: STATES[int(on)] for name, on in evidence_by_name.items()})
    ie.makeInference()
    p_e = float("nan")
    if likelihood:
        p_e = float(ie.evidenceProbability()) if evidence_by_name else 1.0
    posteriors: dict[str, float] = {}
    for name in bn.names() if names is None else names:
        if name in evidence_by_name:
            posteriors[name] = float(evidence_by_name[name])
            continue
        var = bn.variableFromName(name)
        posteriors[name] = float(ie.posterior(name)[{name: var.index(STATES[1])}])
    return posteriors, p_e


def pyagrum_posteriors(
    bif_path_or_text: str | Path | Any, evidence_by_name: Mapping[str, bool]
) -> dict[str, float]:
    """{name: P(present | e)} for every variable of the exported network, by pyAgrum."""
    return pyagrum_inference(bif_path_or_text, evidence_by_name)[0]


def load_pgmpy(bif_path_or_text: str | Path) -> Any:
    from pgmpy.readwrite import BIFReader, XMLBIFReader

    with exported_file(bif_path_or_text) as path:
        text = path.read_text(encoding="utf-8")
    reader = XMLBIFReader(string=text) if _is_xml(text) else BIFReader(string=text)
    return reader.get_model()


def pgmpy_posteriors(
    bif_path_or_text: str | Path | Any,
    evidence_by_name: Mapping[str, bool],
    variables: Iterable[str] | None = None,
) -> dict[str, float]:
    """{name: P(present | e)} for ``variables`` (default: every variable) by pgmpy's
    VariableElimination on the exported network (or an already loaded model)."""
    from pgmpy.inference import VariableElimination
    from pgmpy.models import DiscreteBayesianNetwork

    model = (
        bif_path_or_text
        if isinstance(bif_path_or_text, DiscreteBayesianNetwork)
        else load_pgmpy(bif_path_or_text)
    )
    infer = VariableElimination(model)
    ev = {name: STATES[int(on)] for name, on in evidence_by_name.items()}
    out: dict[str, float] = {}
    for name in sorted(model.nodes()) if variables is None else variables:
        if name in ev:
            out[name] = float(evidence_by_name[name])
            continue
        factor = infer.query([name], evidence=ev, show_progress=False)
        out[name] = float(factor.get_value(**{name: STATES[1]}))
    return out


# ---------------------------------------------------------------------- CPTs by peers


def pyagrum_cpts(bn: Any) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """{name: (parents, P(present | parents))} as read by pyAgrum, the table shaped
    (2,) * len(parents) in the order of ``parents`` (index 0 = absent)."""
    import pyagrum as gum

    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for node in bn.nodes():
        var = bn.variable(node)
        name = var.name()
        assert tuple(var.labels()) == STATES, var.labels()
        parents = tuple(bn.variable(p).name() for p in bn.parents(node))
        cpt = bn.cpt(node)
        table = np.zeros((2,) * len(parents))
        inst = gum.Instantiation(cpt)
        inst.setFirst()
        while not inst.end():
            values = inst.todict(False)
            if values[name] == 1:
                table[tuple(values[p] for p in parents)] = cpt.get(inst)
            inst.inc()
        out[name] = (parents, table)
    return out


def pgmpy_cpts(model: Any) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """{name: (parents, P(present | parents))} as read by pgmpy (see pyagrum_cpts)."""
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for cpd in model.get_cpds():
        name = cpd.variable
        names = tuple(cpd.variables)
        for v in names:
            assert tuple(cpd.state_names[v]) == STATES, cpd.state_names[v]
        out[name] = (names[1:], np.asarray(cpd.values)[1])
    return out


def our_cpts(network: Network) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """{name: (parents, P(present | parents))} straight from the noisy-OR definition,
    written out independently of the exporter (duplicate parents are merged)."""
    names = [safe_name(v.name) for v in network.variables]
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    items: list[Variable | FindingVariable] = [*network.variables, *network.findings]
    for item in items:
        parents = list(dict.fromkeys(item.parents))
        table = np.zeros((2,) * len(parents))
        for config in np.ndindex(*table.shape):
            on = {p for p, s in zip(parents, config, strict=True) if s}
            p_off = 1.0 - item.leak
            for p, w in zip(item.parents, item.weights, strict=True):
                if p in on:
                    p_off *= 1.0 - w
            table[config] = 1.0 - p_off
        out[safe_name(item.name)] = (tuple(names[p] for p in parents), table)
    return out


def aligned(table: tuple[tuple[str, ...], np.ndarray], parents: tuple[str, ...]) -> np.ndarray:
    """A CPT from the functions above with its axes put in the order of ``parents``."""
    have, values = table
    assert sorted(have) == sorted(parents), (have, parents)
    return np.transpose(values, [have.index(p) for p in parents]) if parents else values
