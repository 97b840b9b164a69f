"""Exact inference on a compiled noisy-OR network.

The engine is a junction tree compiled once per network, shaped by the noisy-OR
structure of the evidence:

- Every hidden family (a variable and its parents) and every finding's parent set is
  kept inside one clique, so any finding can be absorbed exactly as a factor over its
  parents: ``(1 - leak) * prod (1 - w_i)^x_i`` when absent, one minus that when present.
  Absent findings factorise into per-parent vectors; only present findings couple their
  parents, and they do so inside a clique that already holds them (nothing is expanded,
  so the cost does not grow with the number of findings).
- Findings that are not observed are barren and never enter the computation.
- Messages from subtrees that hold no evidence are the same for every case, so they are
  computed once at compile time and reused; a case only recomputes the messages on
  the paths from its evidence to the root, then distributes once.

Posteriors are exact up to floating point (the tests compare them with brute-force
enumeration and with pyAgrum to 1e-9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crux.reasoning.network import Evidence, Network


class ImpossibleEvidence(ValueError):
    """The evidence has probability zero under the network."""


# --------------------------------------------------------------------------- structure


def _triangulate(n: int, families: list[frozenset[int]]) -> list[frozenset[int]]:
    """Eliminate with the min-fill heuristic (ties: smallest clique); return the cliques."""
    adj: list[set[int]] = [set() for _ in range(n)]
    for fam in families:
        for a in fam:
            adj[a] |= fam - {a}
    alive = set(range(n))
    cliques: list[frozenset[int]] = []
    while alive:
        best, best_key = -1, (0, 0, 0)
        for v in alive:
            nb = adj[v]
            fill = 0
            nbl = list(nb)
            for i, a in enumerate(nbl):
                missing = nb - adj[a] - {a}
                fill += sum(1 for b in nbl[i + 1 :] if b in missing)
            key = (fill, len(nb), v)
            if best < 0 or key < best_key:
                best, best_key = v, key
        nb = adj[best]
        clique = frozenset(nb | {best})
        if not any(clique <= c for c in cliques):
            cliques.append(clique)
        for a in nb:
            adj[a] |= nb - {a}
            adj[a].discard(best)
        alive.discard(best)
        adj[best] = set()
    # keep only maximal cliques
    return [c for c in cliques if not any(c < d for d in cliques)]


def _spanning_tree(cliques: list[frozenset[int]]) -> list[tuple[int, int]]:
    """Maximum-weight spanning forest on separator sizes (Kruskal), joined into one tree."""
    m = len(cliques)
    edges = sorted(
        ((len(cliques[i] & cliques[j]), i, j) for i in range(m) for j in range(i + 1, m)),
        reverse=True,
    )
    parent = list(range(m))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    tree: list[tuple[int, int]] = []
    for _, i, j in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
            tree.append((i, j))
    return tree


@dataclass(frozen=True)
class _Link:
    """A tree edge seen from the child: how to pass a message up and down."""

    child: int
    parent: int
    sum_child: tuple[int, ...]  # axes of the child summed out to reach the separator
    sum_parent: tuple[int, ...]  # axes of the parent summed out to reach the separator
    to_parent_shape: tuple[int, ...]  # separator tensor reshaped to broadcast on the parent
    to_child_shape: tuple[int, ...]  # and on the child


def _merged(parents: tuple[int, ...], weights: tuple[float, ...]) -> tuple[list[int], list[float]]:
    """Two links from one parent act as one of weight 1 - (1 - w1)(1 - w2)."""
    keep: dict[int, float] = {}
    for p, w in zip(parents, weights, strict=True):
        keep[p] = 1.0 - (1.0 - keep.get(p, 0.0)) * (1.0 - w)
    return list(keep), list(keep.values())


def _noisy_or_table(leak: float, weights: list[float] | tuple[float, ...]) -> np.ndarray:
    """P(off | parents) over the parents' axes, in the given parent order."""
    table = np.array(1.0 - leak)
    for w in weights:
        table = np.multiply.outer(table, np.array([1.0, 1.0 - w]))
    return table


def _place(table: np.ndarray, axes: list[int], width: int) -> np.ndarray:
    """Reorder a table over ``axes`` (clique positions) and reshape it to broadcast."""
    order = np.argsort(axes)
    table = np.transpose(table, order) if table.ndim else table
    shape = [1] * width
    for pos in sorted(axes):
        shape[pos] = 2
    return np.ascontiguousarray(table).reshape(shape)


class ExactEngine:
    """Compiled once per network; answers posteriors for any evidence, exactly.

    ``posteriors(evidence)[i]`` is P(variable i is on | evidence) for every hidden
    variable of ``network.variables``; ``likelihood(evidence)`` is P(evidence).
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        n = len(network.variables)
        families = [frozenset((i, *v.parents)) for i, v in enumerate(network.variables)]
        families += [frozenset(f.parents) for f in network.findings if f.parents]
        cliques = _triangulate(n, families) if n else []
        self.cliques: list[tuple[int, ...]] = [tuple(sorted(c)) for c in cliques]
        self._pos = [{v: k for k, v in enumerate(c)} for c in self.cliques]
        self._compile_tree()
        self._compile_potentials()
        self._compile_findings()
        self._compile_marginals()
        self._compile_prior_messages()

    # ------------------------------------------------------------------ compile

    def _home(self, members: frozenset[int] | set[int]) -> int:
        """The smallest clique holding all of ``members``."""
        best = -1
        for k, c in enumerate(self.cliques):
            if members <= set(c) and (best < 0 or len(c) < len(self.cliques[best])):
                best = k
        if best < 0:
            raise AssertionError("a family fell outside every clique")
        return best

    def _compile_tree(self) -> None:
        m = len(self.cliques)
        tree = _spanning_tree([frozenset(c) for c in self.cliques])
        neighbours: list[list[int]] = [[] for _ in range(m)]
        for i, j in tree:
            neighbours[i].append(j)
            neighbours[j].append(i)
        # root at the largest clique; order children before parents (post-order)
        self.root = max(range(m), key=lambda k: len(self.cliques[k])) if m else 0
        parent_of = [-1] * m
        order: list[int] = []
        seen = [False] * m
        stack = [self.root] if m else []
        while stack:
            k = stack.pop()
            if seen[k]:
                continue
            seen[k] = True
            order.append(k)
            for nb in neighbours[k]:
                if not seen[nb]:
                    parent_of[nb] = k
                    stack.append(nb)
        self._parent_of = parent_of
        self._down_order = order  # root first
        links: list[_Link] = []
        for k in reversed(order):
            p = parent_of[k]
            if p < 0:
                continue
            sep = sorted(set(self.cliques[k]) & set(self.cliques[p]))
            ck, cp = self.cliques[k], self.cliques[p]
            links.append(
                _Link(
                    child=k,
                    parent=p,
                    sum_child=tuple(a for a, v in enumerate(ck) if v not in sep),
                    sum_parent=tuple(a for a, v in enumerate(cp) if v not in sep),
                    to_parent_shape=tuple(2 if v in sep else 1 for v in cp),
                    to_child_shape=tuple(2 if v in sep else 1 for v in ck),
                )
            )
        self._links = links  # children before parents

    def _compile_potentials(self) -> None:
        net = self.network
        self._base = [np.ones((2,) * len(c)) for c in self.cliques]
        for i, var in enumerate(net.variables):
            fam = frozenset((i, *var.parents))
            k = self._home(fam)
            parents, weights = _merged(var.parents, var.weights)
            off = _noisy_or_table(var.leak, weights)  # axes: parents
            table = np.stack([off, 1.0 - off], axis=0)  # axes: var, parents
            axes = [self._pos[k][i]] + [self._pos[k][p] for p in parents]
            self._base[k] = self._base[k] * _place(table, axes, len(self.cliques[k]))
        for b in self._base:
            b.setflags(write=False)
        self._var_home = [self._home({i}) for i in range(len(net.variables))]

    def _compile_findings(self) -> None:
        """Per finding: its clique and its absent/present factors, ready to multiply."""
        self._finding_home: list[int] = []
        self._finding_factor: list[tuple[np.ndarray, np.ndarray]] = []
        for f in self.network.findings:
            if not f.parents:
                self._finding_home.append(-1)
                self._finding_factor.append((np.array(1.0 - f.leak), np.array(f.leak)))
                continue
            k = self._home(frozenset(f.parents))
            parents, weights = _merged(f.parents, f.weights)
            off = _noisy_or_table(f.leak, weights)
            axes = [self._pos[k][p] for p in parents]
            width = len(self.cliques[k])
            self._finding_home.append(k)
            self._finding_factor.append((_place(off, axes, width), _place(1.0 - off, axes, width)))

    def _compile_marginals(self) -> None:
        self._marg_axes = []
        for i, k in enumerate(self._var_home):
            a = self._pos[k][i]
            self._marg_axes.append(tuple(x for x in range(len(self.cliques[k])) if x != a))

    def _compile_prior_messages(self) -> None:
        """Upward messages with no evidence: reused for every subtree a case leaves alone."""
        self._prior_up: dict[int, np.ndarray] = {}
        belief = list(self._base)
        for link in self._links:
            msg = np.sum(belief[link.child], axis=link.sum_child)
            self._prior_up[link.child] = msg
            belief[link.parent] = belief[link.parent] * msg.reshape(link.to_parent_shape)

    # ------------------------------------------------------------------ inference

    def _absorb(self, evidence: Evidence) -> tuple[list[np.ndarray], float, set[int]]:
        """Clique potentials with the evidence multiplied in; a constant; touched cliques."""
        pots = list(self._base)
        touched: set[int] = set()
        constant = 1.0
        for idx, present in evidence.findings.items():
            k = self._finding_home[idx]
            factor = self._finding_factor[idx][1 if present else 0]
            if k < 0:
                constant *= float(factor)
                continue
            pots[k] = pots[k] * factor
            touched.add(k)
        for idx, on in evidence.variables.items():
            k = self._var_home[idx]
            shape = [1] * len(self.cliques[k])
            shape[self._pos[k][idx]] = 2
            pots[k] = pots[k] * np.array([0.0, 1.0] if on else [1.0, 0.0]).reshape(shape)
            touched.add(k)
        return pots, constant, touched

    def _calibrate(self, evidence: Evidence) -> tuple[list[np.ndarray], float]:
        """Beliefs of every clique (unnormalised, scaled) and log P(evidence)."""
        pots, constant, touched = self._absorb(evidence)
        if constant <= 0.0:
            raise ImpossibleEvidence("the evidence is impossible under the network")
        # a clique's subtree holds evidence if the clique or a descendant was touched
        dirty = set(touched)
        for link in self._links:
            if link.child in dirty:
                dirty.add(link.parent)
        log_scale = float(np.log(constant))
        up: dict[int, np.ndarray] = {}
        belief = pots  # extended in place as messages arrive
        for link in self._links:
            if link.child in dirty:
                msg = np.sum(belief[link.child], axis=link.sum_child)
                total = float(msg.sum())
                if total <= 0.0:
                    raise ImpossibleEvidence("the evidence is impossible under the network")
                msg = msg / total
                log_scale += float(np.log(total))
            else:
                msg = self._prior_up[link.child]
            up[link.child] = msg
            belief[link.parent] = belief[link.parent] * msg.reshape(link.to_parent_shape)
        if not self.cliques:
            return belief, log_scale
        z = float(belief[self.root].sum())
        if z <= 0.0:
            raise ImpossibleEvidence("the evidence is impossible under the network")
        log_scale += float(np.log(z))
        # distribute: child belief *= (parent belief summed to the separator) / upward msg
        for link in reversed(self._links):
            down = np.sum(belief[link.parent], axis=link.sum_parent)
            msg_up = up[link.child]
            ratio = np.divide(down, msg_up, out=np.zeros_like(down), where=msg_up > 0)
            belief[link.child] = belief[link.child] * ratio.reshape(link.to_child_shape)
        return belief, log_scale

    def posteriors(self, evidence: Evidence) -> np.ndarray:
        belief, _ = self._calibrate(evidence)
        out = np.empty(len(self.network.variables))
        totals = [float(b.sum()) for b in belief]
        for i, k in enumerate(self._var_home):
            marg = np.sum(belief[k], axis=self._marg_axes[i])
            out[i] = marg[1] / totals[k]
        return out

    def log_likelihood(self, evidence: Evidence) -> float:
        if not self.cliques:
            pots, constant, _ = self._absorb(evidence)
            return float(np.log(constant)) if constant > 0 else float("-inf")
        # only the upward pass is needed for P(e)
        pots, constant, touched = self._absorb(evidence)
        if constant <= 0.0:
            return float("-inf")
        dirty = set(touched)
        for link in self._links:
            if link.child in dirty:
                dirty.add(link.parent)
        log_scale = float(np.log(constant))
        belief = pots
        for link in self._links:
            if link.child in dirty:
                msg = np.sum(belief[link.child], axis=link.sum_child)
                total = float(msg.sum())
                if total <= 0.0:
                    return float("-inf")
                msg = msg / total
                log_scale += float(np.log(total))
            else:
                msg = self._prior_up[link.child]
            belief[link.parent] = belief[link.parent] * msg.reshape(link.to_parent_shape)
        z = float(belief[self.root].sum())
        return log_scale + float(np.log(z)) if z > 0 else float("-inf")

    def likelihood(self, evidence: Evidence) -> float:
        return float(np.exp(self.log_likelihood(evidence)))

    @property
    def largest_clique(self) -> int:
        return max((len(c) for c in self.cliques), default=0)
