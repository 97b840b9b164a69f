"""Exact inference on a compiled noisy-OR network.

The engine is a junction tree compiled once per network, shaped by the noisy-OR
structure of the evidence:

- Every hidden family (a variable and its parents) and every finding's parents share
  a clique, so any finding can be absorbed exactly as a factor over its parents.
- An absent finding, ``(1 - leak) * prod (1 - w_i)^x_i``, is a constant times one vector
  per parent: all absent findings collapse into one 2-vector per variable, however many
  there are. Only present findings with several parents couple them, and they do so
  inside a clique that already holds them: nothing is expanded.
- Findings that are not observed are barren and never enter the computation.
- Messages and beliefs of subtrees that hold no evidence are the same for every case;
  they are computed once and reused.

Posteriors are exact up to floating point: the tests compare them with brute-force
enumeration on generated networks and with pyAgrum on the full network to 1e-9.
An engine keeps no state between calls.
"""

from __future__ import annotations

import numpy as np

from crux.reasoning.junction_tree import JunctionTree, build
from crux.reasoning.network import Evidence, Network
from crux.reasoning.tables import Layout, merged_links, noisy_or_off, place


class ImpossibleEvidence(ValueError):
    """The evidence has probability zero under the network."""


class ExactEngine:
    """Compiled once per network; answers posteriors for any evidence, exactly.

    ``posteriors(evidence)[i]`` is P(variable i is on | evidence) for every hidden
    variable of ``network.variables``; ``likelihood(evidence)`` is P(evidence).
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        n = len(network.variables)
        families = [frozenset((i, *v.parents)) for i, v in enumerate(network.variables)]
        families += [frozenset(f.parents) for f in network.findings if len(set(f.parents)) > 1]
        self.tree: JunctionTree = build(n, families)
        self._compile_tables()
        self._compile_findings()
        self._compile_priors()

    # ------------------------------------------------------------------ compile

    def _compile_tables(self) -> None:
        tree = self.tree
        base = [np.ones((2,) * len(c.variables)) for c in tree.cliques]
        for i, var in enumerate(self.network.variables):
            parents, weights = merged_links(var.parents, var.weights)
            k = tree.holding(frozenset((i, *parents)))
            off = noisy_or_off(var.leak, weights)  # axes: parents
            table = np.stack([off, 1.0 - off], axis=0)  # axes: the variable, its parents
            base[k] = base[k] * place(table, [i, *parents], tree.cliques[k].variables)
        for b in base:
            b.setflags(write=False)
        self._base = base
        self._unary = [
            Layout.of((i,), tree.cliques[k].variables) for i, k in enumerate(tree.home)
        ]

    def _compile_findings(self) -> None:
        """Per finding: its merged links, and (for several parents) its clique factor."""
        tree = self.tree
        self._links: list[tuple[list[int], np.ndarray]] = []
        self._present: list[tuple[int, np.ndarray] | None] = []
        for f in self.network.findings:
            parents, weights = merged_links(f.parents, f.weights)
            self._links.append((parents, 1.0 - np.asarray(weights, dtype=float)))
            if len(parents) < 2:
                self._present.append(None)
                continue
            k = tree.holding(frozenset(parents))
            on = 1.0 - noisy_or_off(f.leak, weights)
            self._present.append((k, place(on, parents, tree.cliques[k].variables)))

    def _compile_priors(self) -> None:
        """Messages up and clique beliefs with no evidence, reused where a case has none."""
        self._prior_up: list[np.ndarray] = [np.ones(1)] * len(self.tree.cliques)
        self._prior_belief: list[np.ndarray] = list(self._base)
        for k in self.tree.post_order:
            belief = self._gather(k, self._base[k], self._prior_up)
            self._prior_belief[k] = belief
            if self.tree.cliques[k].parent >= 0:
                self._prior_up[k] = self.tree.cliques[k].up.apply(belief)

    # ------------------------------------------------------------------ inference

    def _gather(self, k: int, table: np.ndarray, up: list[np.ndarray]) -> np.ndarray:
        """``table`` times every message from ``k``'s children, touching it once."""
        clique = self.tree.cliques[k]
        if clique.via_union:
            first, *rest = clique.children
            product = first.into_union.apply(up[first.clique])
            for child in rest:
                product = product * child.into_union.apply(up[child.clique])
            return table * clique.union_onto.apply(product)
        for child in clique.children:
            table = table * child.onto_parent.apply(up[child.clique])
        return table

    def _absorb(self, evidence: Evidence) -> tuple[list[np.ndarray], float, set[int]]:
        """Clique tables with the evidence multiplied in, a constant, the touched cliques."""
        net = self.network
        unary = np.ones((len(net.variables), 2))
        has_unary = np.zeros(len(net.variables), dtype=bool)
        constant = 1.0
        tables = list(self._base)
        touched: set[int] = set()
        for idx, present in evidence.findings.items():
            leak = net.findings[idx].leak
            parents, keep = self._links[idx]
            if not present:  # product form: a constant and one vector per parent
                constant *= 1.0 - leak
                if parents:
                    unary[parents, 1] *= keep
                    has_unary[parents] = True
            elif not parents:
                constant *= leak
            elif len(parents) == 1:
                unary[parents[0]] *= (leak, 1.0 - (1.0 - leak) * keep[0])
                has_unary[parents[0]] = True
            else:
                k, factor = self._present[idx]  # type: ignore[misc]
                tables[k] = tables[k] * factor
                touched.add(k)
        for idx, on in evidence.variables.items():
            unary[idx] *= (0.0, 1.0) if on else (1.0, 0.0)
            has_unary[idx] = True
        for i in np.flatnonzero(has_unary):
            k = self.tree.home[i]
            tables[k] = tables[k] * self._unary[i].apply(unary[i])
            touched.add(k)
        return tables, constant, touched

    def _collect(
        self, evidence: Evidence
    ) -> tuple[list[np.ndarray | None], list[np.ndarray], float]:
        """The upward pass: beliefs of the cliques with evidence below them (None for the
        others, whose prior beliefs serve), every message up, and log P(e)."""
        tables, constant, touched = self._absorb(evidence)
        if constant <= 0.0:
            raise ImpossibleEvidence("the evidence is impossible under the network")
        cliques = self.tree.cliques
        dirty = set(touched)
        for k in self.tree.post_order:
            if k in dirty and cliques[k].parent >= 0:
                dirty.add(cliques[k].parent)
        log_scale = float(np.log(constant))
        up = list(self._prior_up)
        belief: list[np.ndarray | None] = [None] * len(cliques)
        for k in self.tree.post_order:
            if k not in dirty:
                continue
            b = self._gather(k, tables[k], up)
            belief[k] = b
            if cliques[k].parent >= 0:
                msg = cliques[k].up.apply(b)
                total = float(msg.sum())
                if total <= 0.0:
                    raise ImpossibleEvidence("the evidence is impossible under the network")
                up[k] = msg / total
                log_scale += float(np.log(total))
        if cliques:
            root = belief[self.tree.root]
            z = float((root if root is not None else self._prior_belief[self.tree.root]).sum())
            if z <= 0.0:
                raise ImpossibleEvidence("the evidence is impossible under the network")
            log_scale += float(np.log(z))
        return belief, up, log_scale

    def posteriors(self, evidence: Evidence) -> np.ndarray:
        belief, up, _ = self._collect(evidence)
        out = np.empty(len(self.network.variables))
        down: dict[int, np.ndarray] = {}
        for k in reversed(self.tree.post_order):  # root first
            clique = self.tree.cliques[k]
            b = belief[k] if belief[k] is not None else self._prior_belief[k]
            if clique.parent >= 0:
                sent = up[k]
                ratio = np.divide(down.pop(k), sent, out=np.zeros_like(sent), where=sent > 0)
                b = (b.reshape(-1, clique.tail) * ratio.reshape(1, -1)).reshape(b.shape)
            reduced = clique.reduce.apply(b)
            for child in clique.children:
                down[child.clique] = child.down.apply(reduced)
            for v, projection in clique.marginals:
                m = projection.apply(reduced)
                out[v] = m[1] / (m[0] + m[1])
        return out

    def log_likelihood(self, evidence: Evidence) -> float:
        """log P(evidence); minus infinity when the evidence is impossible."""
        try:
            return self._collect(evidence)[2]
        except ImpossibleEvidence:
            return float("-inf")

    def likelihood(self, evidence: Evidence) -> float:
        return float(np.exp(self.log_likelihood(evidence)))

    @property
    def largest_clique(self) -> int:
        return self.tree.largest
