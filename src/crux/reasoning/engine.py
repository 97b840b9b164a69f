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
class _Projection:
    """How to sum a clique's table down to some of its variables and lay the result out
    for another clique: precomputed once, so a case only reshapes, adds and transposes.

    Summing one run of adjacent axes at a time, outermost first, keeps every step a
    contiguous add (each step halves the table or better); numpy's sum over scattered
    axes is several times slower on the large cliques this network has.
    """

    steps: tuple[tuple[tuple[int, ...], int], ...]  # (reshape to, axis to sum)
    kept: tuple[int, ...]  # (2,) * number of variables kept
    perm: tuple[int, ...] | None  # transpose into the target's order, if needed
    shape: tuple[int, ...]  # broadcast shape on the target clique

    def apply(self, table: np.ndarray) -> np.ndarray:
        out = table
        for shape, axis in self.steps:
            out = out.reshape(shape).sum(axis=axis)
        out = out.reshape(self.kept)
        if self.perm is not None:
            out = out.transpose(self.perm)
        return out.reshape(self.shape)


def _projection(
    source: tuple[int, ...], keep: set[int], target: tuple[int, ...] | None = None
) -> _Projection:
    """Sum ``source``'s table down to ``keep``, shaped to broadcast on ``target``."""
    runs: list[list] = []  # [kept?, length]
    for v in source:
        kept = v in keep
        if runs and runs[-1][0] == kept:
            runs[-1][1] += 1
        else:
            runs.append([kept, 1])
    kinds = [k for k, _ in runs]
    sizes = [2**n for _, n in runs]
    steps: list[tuple[tuple[int, ...], int]] = []
    while False in kinds:
        i = kinds.index(False)
        steps.append((tuple(sizes), i))
        del kinds[i], sizes[i]
        if 0 < i < len(kinds) and kinds[i - 1] and kinds[i]:
            sizes[i - 1] *= sizes[i]
            del kinds[i], sizes[i]
    order = [v for v in source if v in keep]
    target = target if target is not None else tuple(order)
    wanted = [v for v in target if v in keep]
    perm = tuple(order.index(v) for v in wanted)
    return _Projection(
        steps=tuple(steps),
        kept=(2,) * len(order),
        perm=None if perm == tuple(range(len(perm))) else perm,
        shape=tuple(2 if v in keep else 1 for v in target),
    )


@dataclass(frozen=True)
class _Layout:
    """Lay a separator table (variables in sorted order) out to broadcast on a clique."""

    perm: tuple[int, ...] | None
    shape: tuple[int, ...]

    @classmethod
    def of(cls, sep: tuple[int, ...], target: tuple[int, ...]) -> _Layout:
        wanted = [v for v in target if v in sep]
        perm = tuple(sep.index(v) for v in wanted)
        return cls(
            perm=None if perm == tuple(range(len(perm))) else perm,
            shape=tuple(2 if v in sep else 1 for v in target),
        )

    def apply(self, table: np.ndarray) -> np.ndarray:
        if self.perm is not None:
            table = table.transpose(self.perm)
        return table.reshape(self.shape)


@dataclass(frozen=True)
class _Link:
    """A tree edge seen from the child. Messages over the separator are kept with its
    variables in sorted order, which is also the order of the child's last axes."""

    child: int
    parent: int
    up: _Projection  # child table -> separator
    down: _Projection  # parent table -> separator
    onto_parent: _Layout  # separator -> broadcast on the parent
    tail: int  # 2 ** |separator|


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
        # each clique lists its variables with the separator to its parent last, so the
        # message up is one contiguous sum and the message down multiplies the tail
        local: list[tuple[int, ...]] = []
        for k in range(m):
            p = parent_of[k]
            sep = set(self.cliques[k]) & set(self.cliques[p]) if p >= 0 else set()
            local.append(
                tuple(sorted(v for v in self.cliques[k] if v not in sep)) + tuple(sorted(sep))
            )
        self.cliques = local
        self._pos = [{v: a for a, v in enumerate(c)} for c in self.cliques]
        links: list[_Link] = []
        for k in reversed(order):
            p = parent_of[k]
            if p < 0:
                continue
            sep = tuple(sorted(set(self.cliques[k]) & set(self.cliques[p])))
            links.append(
                _Link(
                    child=k,
                    parent=p,
                    up=_projection(self.cliques[k], set(sep), sep),
                    down=_projection(self.cliques[p], set(sep), sep),
                    onto_parent=_Layout.of(sep, self.cliques[p]),
                    tail=2 ** len(sep),
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
        self._unary_shape = []
        for i, k in enumerate(self._var_home):
            shape = [1] * len(self.cliques[k])
            shape[self._pos[k][i]] = 2
            self._unary_shape.append(tuple(shape))

    def _compile_findings(self) -> None:
        """Per finding: its merged links, and (for several parents) its clique factor.

        An absent finding is ``(1 - leak) * prod (1 - w_i)^x_i``: a constant times one
        vector per parent, so it needs no clique. A present finding is one minus that;
        with one parent it is still a vector, with several it is a factor over its
        parents, placed in the clique that holds them.
        """
        self._finding_links: list[tuple[list[int], np.ndarray]] = []
        self._finding_home: list[int] = []
        self._finding_present: list[np.ndarray | None] = []
        for f in self.network.findings:
            parents, weights = _merged(f.parents, f.weights)
            self._finding_links.append((parents, 1.0 - np.asarray(weights, dtype=float)))
            if len(parents) < 2:
                self._finding_home.append(-1)
                self._finding_present.append(None)
                continue
            k = self._home(frozenset(parents))
            off = _noisy_or_table(f.leak, weights)
            axes = [self._pos[k][p] for p in parents]
            self._finding_home.append(k)
            self._finding_present.append(_place(1.0 - off, axes, len(self.cliques[k])))

    def _compile_marginals(self) -> None:
        self._marginal = [
            _projection(self.cliques[k], {i}) for i, k in enumerate(self._var_home)
        ]

    def _compile_prior_messages(self) -> None:
        """Upward messages with no evidence: reused for every subtree a case leaves alone."""
        self._prior_up: dict[int, np.ndarray] = {}
        belief = list(self._base)
        for link in self._links:
            msg = link.up.apply(belief[link.child])
            self._prior_up[link.child] = msg
            belief[link.parent] = belief[link.parent] * link.onto_parent.apply(msg)

    # ------------------------------------------------------------------ inference

    def _absorb(self, evidence: Evidence) -> tuple[list[np.ndarray], float, set[int]]:
        """Clique potentials with the evidence multiplied in; a constant; touched cliques."""
        net = self.network
        unary = np.ones((len(net.variables), 2))
        has_unary = np.zeros(len(net.variables), dtype=bool)
        constant = 1.0
        factors: list[tuple[int, np.ndarray]] = []
        for idx, present in evidence.findings.items():
            leak = net.findings[idx].leak
            parents, keep = self._finding_links[idx]
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
                factors.append((self._finding_home[idx], self._finding_present[idx]))
        for idx, on in evidence.variables.items():
            unary[idx] *= (0.0, 1.0) if on else (1.0, 0.0)
            has_unary[idx] = True
        pots = list(self._base)
        touched: set[int] = set()
        for k, factor in factors:
            pots[k] = pots[k] * factor
            touched.add(k)
        for i in np.flatnonzero(has_unary):
            k = self._var_home[i]
            pots[k] = pots[k] * unary[i].reshape(self._unary_shape[i])
            touched.add(k)
        return pots, constant, touched

    def _collect(
        self, evidence: Evidence
    ) -> tuple[list[np.ndarray], dict[int, np.ndarray], float]:
        """The upward pass: beliefs so far, the message each child sent, log P(e)."""
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
                msg = link.up.apply(belief[link.child])
                total = float(msg.sum())
                if total <= 0.0:
                    raise ImpossibleEvidence("the evidence is impossible under the network")
                msg = msg / total
                log_scale += float(np.log(total))
            else:
                msg = self._prior_up[link.child]
            up[link.child] = msg
            belief[link.parent] = belief[link.parent] * link.onto_parent.apply(msg)
        if self.cliques:
            z = float(belief[self.root].sum())
            if z <= 0.0:
                raise ImpossibleEvidence("the evidence is impossible under the network")
            log_scale += float(np.log(z))
        return belief, up, log_scale

    def _calibrate(self, evidence: Evidence) -> list[np.ndarray]:
        """Beliefs of every clique, proportional to P(clique, evidence)."""
        belief, up, _ = self._collect(evidence)
        # distribute: child belief *= (parent belief summed to the separator) / its message
        for link in reversed(self._links):
            down = link.down.apply(belief[link.parent])
            sent = up[link.child]
            ratio = np.divide(down, sent, out=np.zeros_like(down), where=sent > 0)
            child = belief[link.child]
            belief[link.child] = (child.reshape(-1, link.tail) * ratio.reshape(1, -1)).reshape(
                child.shape
            )
        return belief

    def posteriors(self, evidence: Evidence) -> np.ndarray:
        belief = self._calibrate(evidence)
        out = np.empty(len(self.network.variables))
        for i, k in enumerate(self._var_home):
            marg = self._marginal[i].apply(belief[k])
            out[i] = marg[1] / (marg[0] + marg[1])
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
        return max((len(c) for c in self.cliques), default=0)
