"""Exact inference on a compiled noisy-OR network.

The engine is a junction tree shaped by the noisy-OR structure of the evidence:

- An absent finding, ``(1 - leak) * prod (1 - w_i)^x_i``, is a constant times one vector
  per parent: all absent findings collapse into one 2-vector per variable, however many
  there are, and couple nothing.
- A present finding with one parent is a vector on that parent too.
- Findings that are not observed are barren and never enter the computation.
- Only a present finding with several parents couples them. Where its parents already
  share a clique of the network's own tree it is a factor in that clique; otherwise
  the tree is re-triangulated for the case with that family added, with the
  elimination order chosen once for the network (so the tree for more evidence only
  ever holds the tree for less). Trees are compiled per pattern of such families and
  kept in a small cache, as one person's case, re-assessed answer by answer, keeps
  most of its pattern.

The tree therefore holds the hidden families and a case's few coupling findings, not
every finding the knowledge base could show: on the shipped network that is about a
tenth of the tables a static tree for all findings would need.

Posteriors are exact up to floating point: the tests compare them with brute-force
enumeration on generated networks and with pyAgrum on the full network to 1e-9.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from crux.reasoning.junction_tree import (
    JunctionTree,
    build,
    clique_size,
    eliminate,
    elimination_order,
)
from crux.reasoning.network import Evidence, Network
from crux.reasoning.tables import (
    Layout,
    Projection,
    merged_links,
    noisy_or_off,
    place,
    times,
)

CACHED_TREES = 32
BATCHED_ENTRIES = 2**14  # below the large cliques at the root, a clique this small takes
# every insertion at once (see Calibrated.insert_each; measured best among 2^12-2^16)


def network_families(network: Network) -> list[frozenset[int]]:
    """Each hidden variable with its parents: the sets every tree must hold together."""
    return [frozenset((i, *v.parents)) for i, v in enumerate(network.variables)]


@lru_cache(maxsize=8)
def order_for(n: int, families: tuple[frozenset[int], ...]) -> tuple[int, ...]:
    """The min-fill elimination order of these families (kept for reuse)."""
    return tuple(elimination_order(n, list(families)))


@lru_cache(maxsize=64)
def _tree_for(
    n: int,
    required: tuple[frozenset[int], ...],
    optional: tuple[frozenset[int], ...],
    order: tuple[int, ...],
    extra: frozenset[frozenset[int]],
    covered: tuple[frozenset[int], ...],
    growth: float,
) -> JunctionTree:
    """The junction tree for a network's families and a case's coupling families.

    ``optional`` families (sets a caller would like to read on one clique) are held too
    when that makes the tree at most ``growth`` larger than the smallest tree found
    without them; otherwise none of them is (with a case's coupling families they can
    cost much more than on the network alone: measured, twice the table entries).

    Pure structure, so networks that differ only in their numbers (a knowledge base
    with one strength shifted, say) share it.
    """
    if not extra:
        return build(n, [], cliques=eliminate(n, [*required, *optional], list(order)))
    # the network's order is quick, but min-fill or min-degree for this case's
    # families is often far smaller; the families every tree must hold come along
    must = [*required, *sorted(extra, key=sorted), *covered]
    orders = [list(order)] + [elimination_order(n, must, by) for by in ("fill", "degree")]
    plain = min((eliminate(n, must, o) for o in orders), key=clique_size)
    if optional:
        fuller = min((eliminate(n, [*must, *optional], o) for o in orders), key=clique_size)
        if clique_size(fuller) <= (1.0 + growth) * clique_size(plain):
            return build(n, [], cliques=fuller)
    return build(n, [], cliques=plain)


class ImpossibleEvidence(ValueError):
    """The evidence has probability zero under the network."""


@dataclass
class _Compiled:
    """One junction tree with the network's tables in its cliques."""

    tree: JunctionTree
    base: list[np.ndarray]  # per clique: the product of the CPTs it holds
    unary: list[Layout]  # per variable: a 2-vector laid out on its home clique
    present: dict[int, tuple[int, np.ndarray]] = field(default_factory=dict)
    _nearest: list[int] | None = None

    def nearest(self) -> list[int]:
        """Per variable: the clique holding it that is closest to the root (the smaller
        one among equals), where evidence on it or its marginal costs the shortest path."""
        if self._nearest is None:
            tree = self.tree
            depth = tree.depth
            best: dict[int, int] = {}
            for k, clique in enumerate(tree.cliques):
                for v in clique.variables:
                    b = best.get(v)
                    if b is None or (depth[k], len(clique.variables)) < (
                        depth[b], len(tree.cliques[b].variables)
                    ):
                        best[v] = k
            self._nearest = [best[v] for v in range(len(tree.home))]
        return self._nearest


@dataclass
class Calibrated:
    """One case's upward pass, kept so that more evidence can be inserted cheaply."""

    engine: ExactEngine
    compiled: _Compiled
    collected: list[np.ndarray]  # per clique: its table times every message from below
    up: list[np.ndarray]  # per clique: its normalised message to its parent
    totals: list[float]  # per clique: the total that message was divided by
    log_likelihood: float
    _calibrated: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )
    _up_inverse: dict[int, np.ndarray] = field(default_factory=dict)
    _wanted: dict[tuple[int, ...], set[int]] = field(default_factory=dict)
    _reads: dict[tuple[int, ...], dict[int, tuple[Projection, list[int]]]] = field(
        default_factory=dict
    )
    _root_total: float | None = None
    _posteriors: np.ndarray | None = None

    def _with_ancestors(self, cliques: Iterable[int]) -> set[int]:
        """The tree's with_ancestors, kept per set of cliques asked for."""
        key = tuple(cliques)
        hit = self._wanted.get(key)
        if hit is None:
            hit = self._wanted[key] = self.compiled.tree.with_ancestors(key)
        return hit

    def _reading(self, variables: tuple[int, ...]) -> dict[int, tuple[Projection, list[int]]]:
        """Per clique nearest the root holding some of ``variables``: the projection to
        them and their positions (kept per set of variables)."""
        hit = self._reads.get(variables)
        if hit is None:
            tree = self.compiled.tree
            nearest = self.compiled.nearest()
            groups: dict[int, list[int]] = {}
            for i, v in enumerate(variables):
                groups.setdefault(nearest[v], []).append(i)
            reads = {
                k: (Projection.of(tree.cliques[k].variables,
                                  tuple(sorted(variables[i] for i in rows))),
                    sorted(rows, key=lambda i: variables[i]))
                for k, rows in groups.items()
            }
            hit = self._reads[variables] = reads
        return hit

    def _inverse_up(self, k: int) -> np.ndarray:
        """1 / the kept message from ``k`` up (0 where it is 0), made once."""
        hit = self._up_inverse.get(k)
        if hit is None:
            hit = self._up_inverse[k] = _inverse(self.up[k])
        return hit

    def posteriors(self) -> np.ndarray:
        """Every hidden variable's posterior given the calibrated evidence (kept once
        made; do not change it)."""
        if self._posteriors is None:
            posteriors = self.engine._distribute(self.compiled, self.collected, self.up)
            posteriors.setflags(write=False)
            self._posteriors = posteriors
        return self._posteriors

    def _belief(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Clique ``k``'s calibrated table (on the scale of the kept pass), that table
        reduced to what its children and its own marginals need, and 1 / the message it
        had from its parent (0 where that is 0); kept once made."""
        hit = self._calibrated.get(k)
        if hit is None:
            tree = self.compiled.tree
            clique = tree.cliques[k]
            b = self.collected[k]
            inverse = np.ones(1, dtype=b.dtype)
            if clique.parent >= 0:
                parent_reduced = self._belief(clique.parent)[1]
                msg = tree.entry[k].down.apply(parent_reduced)
                b = _on_tail(b, clique.tail, msg * self._inverse_up(k))
                inverse = _inverse(msg)
            hit = self._calibrated[k] = (b, clique.reduce.apply(b), inverse)
        return hit

    def belief(self, k: int) -> np.ndarray:
        """Clique ``k``'s belief given the evidence, normalised."""
        table = self._belief(k)[0]
        return table / table.sum()

    def given_on_each(self, variables: Sequence[int], cliques: list[int]
                      ) -> tuple[dict[int, np.ndarray], np.ndarray]:
        """Per clique of ``cliques``: its belief given the evidence and each variable on
        in turn, up to a positive factor, stacked on a first axis; and whether each is
        possible (its rows are zero where not). Sliced where the root clique holds the
        variable (see :meth:`clamped`), inserted from its clique nearest the root
        otherwise (see :meth:`insert_each`)."""
        tree = self.compiled.tree
        nearest = self.compiled.nearest()
        on = np.array([0.0, 1.0], dtype=self.engine.dtype)
        n = len(variables)
        out = {k: np.zeros((n, *self.collected[k].shape), dtype=self.engine.dtype)
               for k in cliques}
        possible = np.zeros(n, dtype=bool)
        inserted = [i for i, v in enumerate(variables) if nearest[v] != tree.root]
        if inserted:
            got, ratios = self.insert_each(
                [{nearest[variables[i]]: _unit(variables[i], tree.cliques[nearest[variables[i]]]
                                               .variables).apply(on)} for i in inserted],
                dict.fromkeys(cliques),
            )
            rows = np.array(inserted)
            possible[rows] = ratios > 0.0
            for k in cliques:
                out[k][rows] = got[k]
        for i, v in enumerate(variables):
            if nearest[v] == tree.root:
                hit = self.clamped(v, cliques)
                if hit is not None:
                    possible[i] = True
                    for k in cliques:
                        out[k][i] = hit[k]
        for k in cliques:
            out[k][~possible] = 0.0
        return out, possible

    def clamped(self, variable: int, cliques: list[int]) -> dict[int, np.ndarray] | None:
        """The beliefs of ``cliques`` given the evidence and ``variable`` on, each up to a
        positive factor, for a variable of the root clique; None when that is impossible.

        Every clique holding the variable lies on one subtree with the root, and there
        its new belief is its calibrated one with the variable's off half set to zero:
        nothing is computed for it. Messages are computed only from where that subtree
        ends, down to the cliques wanted.
        """
        tree = self.compiled.tree
        root = tree.root
        if variable not in tree.cliques[root].variables:
            raise ValueError("clamped() takes a variable of the root clique")
        if self._posteriors is not None:
            never = self._posteriors[variable] <= 0.0
        else:
            on_mass = Projection.of(tree.cliques[root].variables, (variable,)).apply(
                self.collected[root])[1]
            never = on_mass <= 0.0
        if never:
            return None  # the variable is never on given the evidence
        on = np.array([0.0, 1.0], dtype=self.engine.dtype)
        wanted = self._with_ancestors(cliques)
        keep = set(cliques)
        changed: dict[int, np.ndarray] = {}  # beliefs outside the held subtree
        changed_reduced: dict[int, np.ndarray] = {}
        out: dict[int, np.ndarray] = {}
        for k in reversed(tree.post_order):
            if k not in wanted:
                continue
            clique = tree.cliques[k]
            if variable in clique.variables:
                if k in keep:
                    out[k] = times(self._belief(k)[0], _unit(variable, clique.variables).apply(on))
                continue
            p = clique.parent
            parent = tree.cliques[p]
            full, reduced, _ = self._belief(p)
            if p in changed:
                red = changed_reduced.get(p)
                if red is None:
                    red = changed_reduced[p] = parent.reduce.apply(changed[p])
            elif variable in parent.reduced:
                red = times(reduced, _unit(variable, parent.reduced).apply(on))
            else:
                red = parent.reduce.apply(times(full, _unit(variable, parent.variables).apply(on)))
            msg = tree.entry[k].down.apply(red)
            b, _, inverse = self._belief(k)
            b = changed[k] = _on_tail(b, clique.tail, msg * inverse)
            if k in keep:
                out[k] = b
        return out

    def _up(self, multipliers: dict[int, np.ndarray]
            ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], float]:
        """Factors multiplied into some cliques, collected up their paths to the root
        only: the changed cliques' tables, their new messages up (on the scale of the kept
        ones) and the ratio of the new evidence's probability to the old (0 when it is
        impossible)."""
        tree = self.compiled.tree
        upward = self._with_ancestors(sorted(multipliers))
        belief: dict[int, np.ndarray] = {}
        sent: dict[int, np.ndarray] = {}
        for k in tree.post_order:
            if k not in upward:
                continue
            b = self.collected[k]
            if k in multipliers:
                b = times(b, multipliers[k])
            for child in tree.cliques[k].children:
                c = child.clique
                if c in sent:
                    b = times(b, child.onto_parent.apply(sent[c] * self._inverse_up(c)))
            belief[k] = b
            if tree.cliques[k].parent >= 0:
                sent[k] = tree.cliques[k].up.apply(b) / self.totals[k]
        root = tree.root
        if self._root_total is None:
            self._root_total = float(self.collected[root].sum())
        before = self._root_total
        after = float(belief.get(root, self.collected[root]).sum())
        return belief, sent, after / before if after > 0.0 and before > 0.0 else 0.0

    def insert_each(
        self, multipliers: list[dict[int, np.ndarray]], reads: dict[int, Projection | None]
    ) -> tuple[dict[int, np.ndarray], np.ndarray]:
        """Several insertions, each on its own: factors multiplied into some cliques
        (clique -> table laid out on it) of the kept calibration. Per clique of
        ``reads``, its belief after each insertion, projected as asked there (None: the
        whole table), up to a positive factor, stacked on a first axis; and each
        insertion's ratio of probabilities (0 where it is impossible, and its rows then
        mean nothing).

        Only the paths from the changed cliques up to the root are collected again, and
        only the paths from the root down to the cliques read are distributed: the
        messages of every other subtree are those of the kept pass. Each insertion is
        collected up its own paths and sent down through the large
        cliques next to the root at once, while its tables are still in the cache (the
        arithmetic there, bound by memory, is the cost). Below them every insertion is
        sent down together: a small clique (at most BATCHED_ENTRIES) takes all of them
        in one numpy call, where the cost per call is most of the time; a large one
        further down still takes them one by one.
        """
        tree = self.compiled.tree
        n = len(multipliers)
        if not n:
            return {k: np.zeros((0, *(self.collected[k].shape if r is None else r.out)),
                                dtype=self.engine.dtype) for k, r in reads.items()}, np.zeros(0)
        wanted = self._with_ancestors(sorted(reads))
        order = [k for k in reversed(tree.post_order) if k in wanted]  # parents first
        large: set[int] = set()  # this clique and all above it are large
        for k in order:
            parent = tree.cliques[k].parent
            if (parent < 0 or parent in large) and (
                    parent < 0 or 2 ** len(tree.cliques[k].variables) > BATCHED_ENTRIES):
                large.add(k)
        rows: dict[int, list[np.ndarray]] = {k: [] for k in reads if k in large}
        ratios = np.zeros(n)
        entering: dict[int, list[np.ndarray]] = {  # messages down into the small cliques
            k: [] for k in order if k not in large and tree.cliques[k].parent in large
        }
        changed: dict[int, dict[int, np.ndarray]] = {}  # small cliques: insertion -> table
        sent_to: dict[int, dict[int, np.ndarray]] = {}  # ... and -> 1 / its new message up
        for i, m in enumerate(multipliers):
            belief, sent, ratios[i] = self._up(m)
            full: dict[int, np.ndarray] = {}
            reduced: dict[int, np.ndarray] = {}
            for k in order:
                clique = tree.cliques[k]
                if k not in large:
                    if k in belief:
                        changed.setdefault(k, {})[i] = belief[k]
                    if k in sent:
                        sent_to.setdefault(k, {})[i] = _inverse(sent[k])
                    if k in entering:
                        p = clique.parent
                        if p not in reduced:
                            reduced[p] = tree.cliques[p].reduce.apply(full[p])
                        entering[k].append(tree.entry[k].down.apply(reduced[p]).reshape(-1))
                    continue
                b = belief.get(k, self.collected[k])
                if clique.parent >= 0:
                    p = clique.parent
                    if p not in reduced:
                        reduced[p] = tree.cliques[p].reduce.apply(full[p])
                    msg = tree.entry[k].down.apply(reduced[p])
                    inverse = _inverse(sent[k]) if k in sent else self._inverse_up(k)
                    b = _on_tail(b, clique.tail, msg * inverse)
                full[k] = b
                if k in rows:
                    projection = reads[k]
                    rows[k].append(b if projection is None else projection.apply(b))
        out = {k: np.stack(tables) for k, tables in rows.items()}
        stacked: dict[int, np.ndarray] = {}  # small cliques: every insertion's table stacked
        single: dict[int, list[np.ndarray]] = {}  # large ones below a small one: one each
        reduced_each: dict[int, Any] = {}
        for k in order:
            if k in large:
                continue
            clique = tree.cliques[k]
            tail, p = clique.tail, clique.parent
            if k in entering:
                msgs = np.stack(entering[k])
            elif p in stacked:
                if p not in reduced_each:
                    reduced_each[p] = tree.cliques[p].reduce.apply_each(stacked[p])
                msgs = tree.entry[k].down.apply_each(reduced_each[p]).reshape(n, tail)
            else:  # a large parent below a small clique
                if p not in reduced_each:
                    reduced_each[p] = [tree.cliques[p].reduce.apply(t) for t in single[p]]
                msgs = np.stack([tree.entry[k].down.apply(r).reshape(-1)
                                 for r in reduced_each[p]])
            ratio = msgs * self._inverse_up(k).reshape(1, tail)
            for i, inverse in sent_to.get(k, {}).items():
                ratio[i] = msgs[i] * inverse.reshape(-1)
            own = changed.get(k, {})
            projection = reads.get(k)
            if 2 ** len(clique.variables) <= BATCHED_ENTRIES:
                b = (self.collected[k].reshape(1, -1, tail) * ratio.reshape(n, 1, tail))
                b = b.reshape((n, *self.collected[k].shape))
                for i, table in own.items():
                    b[i] = _on_tail(table, tail, ratio[i])
                stacked[k] = b
                if k in reads:
                    out[k] = b if projection is None else projection.apply_each(b)
            else:
                tables = [_on_tail(own.get(i, self.collected[k]), tail, ratio[i])
                          for i in range(n)]
                single[k] = tables
                if k in reads:
                    out[k] = np.stack(tables if projection is None
                                      else [projection.apply(t) for t in tables])
        return out, ratios


def _on_tail(table: np.ndarray, tail: int, ratio: np.ndarray) -> np.ndarray:
    """``table`` times ``ratio`` laid on its last axes (a clique's separator to its parent,
    ``tail`` entries)."""
    return (table.reshape(-1, tail) * ratio.reshape(1, -1)).reshape(table.shape)


def _inverse(table: np.ndarray) -> np.ndarray:
    """1 / table where it is positive, 0 elsewhere."""
    return np.divide(1.0, table, out=np.zeros_like(table), where=table > 0)


def _unit(variable: int, onto: tuple[int, ...]) -> Layout:
    """How a 2-vector on ``variable`` lies on a table over ``onto``."""
    return Layout.of((variable,), onto)


class ExactEngine:
    """Compiled once per network; answers posteriors for any evidence, exactly.

    ``posteriors(evidence)[i]`` is P(variable i is on | evidence) for every hidden
    variable of ``network.variables``; ``likelihood(evidence)`` is P(evidence).
    Thread-safe: the only state is the cache of compiled trees.
    """

    def __init__(self, network: Network, cached_trees: int = CACHED_TREES,
                 families: Iterable[frozenset[int]] = (), growth: float = 0.0,
                 dtype: npt.DTypeLike = np.float64) -> None:
        """``families``: more sets of variables the trees should hold in one clique (sets
        of causes a caller will read together, such as the causes of a question's
        answers), beyond each variable with its parents: always in the tree for evidence
        that couples nothing more, and in a case's tree while they make it at most
        ``growth`` larger. ``dtype``: of every clique table, message and belief
        (float64, or float32 for half the memory traffic); posteriors and likelihoods
        are returned as float64 either way."""
        self.network = network
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise ValueError("dtype is float64 or float32")
        n = len(network.variables)
        self._required = network_families(network)
        self._optional = [f for f in dict.fromkeys(families) if f not in self._required]
        self._families = self._required + self._optional
        self._growth = growth
        self._order = order_for(n, tuple(self._families))
        self._cpts: list[tuple[list[int], np.ndarray]] = []
        for i, var in enumerate(network.variables):
            parents, weights = merged_links(var.parents, var.weights)
            off = noisy_or_off(var.leak, weights)  # axes: parents
            self._cpts.append(
                ([i, *parents], np.stack([off, 1.0 - off], axis=0).astype(self.dtype))
            )
        self._links: list[tuple[list[int], np.ndarray]] = []
        self._present_on: list[np.ndarray | None] = []
        for f in network.findings:
            parents, weights = merged_links(f.parents, f.weights)
            self._links.append((parents, 1.0 - np.asarray(weights, dtype=float)))
            self._present_on.append(
                (1.0 - noisy_or_off(f.leak, weights)).astype(self.dtype)
                if len(parents) > 1 else None
            )
        self._covered: list[frozenset[int]] = []
        self._cache: OrderedDict[frozenset[frozenset[int]], _Compiled] = OrderedDict()
        self._cache_size = max(1, cached_trees)
        self._lock = threading.Lock()
        self._compiled(frozenset())
        held = eliminate(n, self._families, list(self._order))
        # a several-parent finding whose parents share a clique of the base triangulation
        # shares one in every tree (the elimination order is fixed): it never reshapes a
        # tree (the triangulation's cliques, before small ones are merged in a tree)
        self._coupling: list[frozenset[int] | None] = []
        for parents, _ in self._links:
            family = frozenset(parents)
            inside = len(family) < 2 or any(family <= c for c in held)
            self._coupling.append(None if inside else family)
            if inside and len(family) > 1 and family not in self._covered:
                self._covered.append(family)

    def couples(self, finding: int) -> bool:
        """Whether the finding, present, couples parents that no clique of the base tree
        holds together (so evidence with it is computed on another tree)."""
        return self._coupling[finding] is not None

    # ------------------------------------------------------------------ compile

    @property
    def tree(self) -> JunctionTree:
        """The tree for evidence that couples nothing beyond the network's families."""
        return self._compiled(frozenset()).tree

    def _compiled(self, extra: frozenset[frozenset[int]]) -> _Compiled:
        with self._lock:
            hit = self._cache.get(extra)
            if hit is not None:
                self._cache.move_to_end(extra)
                return hit
        compiled = self._compile(extra)
        with self._lock:
            self._cache[extra] = compiled
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return compiled

    def _compile(self, extra: frozenset[frozenset[int]]) -> _Compiled:
        n = len(self.network.variables)
        covered = tuple(self._covered) if extra else ()
        tree = _tree_for(n, tuple(self._required), tuple(self._optional), self._order, extra,
                         covered, self._growth)
        base = [np.ones((2,) * len(c.variables), dtype=self.dtype) for c in tree.cliques]
        for variables, table in self._cpts:
            k = tree.holding(frozenset(variables))
            base[k] = times(base[k], place(table, variables, tree.cliques[k].variables))
        for b in base:
            b.setflags(write=False)
        unary = [Layout.of((i,), tree.cliques[k].variables) for i, k in enumerate(tree.home)]
        return _Compiled(tree=tree, base=base, unary=unary)

    def _present_factor(self, compiled: _Compiled, idx: int) -> tuple[int, np.ndarray]:
        """A present several-parent finding's factor, laid out on a clique holding it."""
        hit = compiled.present.get(idx)
        if hit is None:
            parents, _ = self._links[idx]
            on = self._present_on[idx]
            assert on is not None
            k = compiled.tree.holding(frozenset(parents))
            hit = (k, place(on, parents, compiled.tree.cliques[k].variables))
            compiled.present[idx] = hit
        return hit

    # ------------------------------------------------------------------ inference

    def _for(self, evidence: Evidence) -> _Compiled:
        extra = frozenset(
            family
            for idx, present in evidence.findings.items()
            if present and (family := self._coupling[idx]) is not None
        )
        return self._compiled(extra)

    @staticmethod
    def _gather(
        compiled: _Compiled, k: int, table: np.ndarray, up: list[np.ndarray]
    ) -> np.ndarray:
        """``table`` times every message from ``k``'s children, touching it once."""
        clique = compiled.tree.cliques[k]
        if clique.via_union:
            first, *rest = clique.children
            product = first.into_union.apply(up[first.clique])
            for child in rest:
                product = product * child.into_union.apply(up[child.clique])
            return times(table, clique.union_onto.apply(product))
        for child in clique.children:
            table = times(table, child.onto_parent.apply(up[child.clique]))
        return table

    def _factors(
        self, compiled: _Compiled, findings: dict[int, bool], variables: dict[int, bool]
    ) -> tuple[float, np.ndarray, np.ndarray, list[tuple[int, np.ndarray]]]:
        """Evidence as factors: a constant, a 2-vector per variable (and which variables
        have one), and each present several-parent finding's factor on its clique."""
        net = self.network
        unary = np.ones((len(net.variables), 2))
        has_unary = np.zeros(len(net.variables), dtype=bool)
        constant = 1.0
        present_factors: list[tuple[int, np.ndarray]] = []
        for idx, present in findings.items():
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
            else:  # ValueError when no clique of this tree holds its causes together
                present_factors.append(self._present_factor(compiled, idx))
        for idx, on in variables.items():
            unary[idx] *= (0.0, 1.0) if on else (1.0, 0.0)
            has_unary[idx] = True
        return constant, unary.astype(self.dtype, copy=False), has_unary, present_factors

    def _absorb(self, compiled: _Compiled, evidence: Evidence) -> tuple[list[np.ndarray], float]:
        """Clique tables with the evidence multiplied in, and a constant."""
        constant, unary, has_unary, present_factors = self._factors(
            compiled, evidence.findings, evidence.variables
        )
        tables = list(compiled.base)
        for k, factor in present_factors:
            tables[k] = times(tables[k], factor)
        for i in np.flatnonzero(has_unary):
            k = compiled.tree.home[i]
            tables[k] = times(tables[k], compiled.unary[i].apply(unary[i]))
        return tables, constant

    def _collect(
        self, compiled: _Compiled, evidence: Evidence, totals: list[float] | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray], float]:
        """The upward pass: every clique's belief from below, every message up (each
        normalised; its total goes to ``totals`` when given), log P(e)."""
        tables, constant = self._absorb(compiled, evidence)
        if constant <= 0.0:
            raise ImpossibleEvidence("the evidence is impossible under the network")
        cliques = compiled.tree.cliques
        log_scale = float(np.log(constant))
        up: list[np.ndarray] = [np.ones(1, dtype=self.dtype)] * len(cliques)
        belief: list[np.ndarray] = list(tables)
        for k in compiled.tree.post_order:
            b = self._gather(compiled, k, tables[k], up)
            belief[k] = b
            if cliques[k].parent >= 0:
                msg = cliques[k].up.apply(b)
                total = float(msg.sum())
                if total <= 0.0:
                    raise ImpossibleEvidence("the evidence is impossible under the network")
                up[k] = msg / total
                log_scale += float(np.log(total))
                if totals is not None:
                    totals[k] = total
        if cliques:
            z = float(belief[compiled.tree.root].sum())
            if z <= 0.0:
                raise ImpossibleEvidence("the evidence is impossible under the network")
            log_scale += float(np.log(z))
        return belief, up, log_scale

    def posteriors(self, evidence: Evidence) -> np.ndarray:
        return self.infer(evidence)[0]

    def infer(self, evidence: Evidence) -> tuple[np.ndarray, float]:
        """Every hidden variable's posterior and log P(evidence), from one calibration.
        Raises ImpossibleEvidence when the evidence has probability zero."""
        compiled = self._for(evidence)
        belief, up, log_likelihood = self._collect(compiled, evidence)
        return self._distribute(compiled, belief, up), log_likelihood

    def _distribute(
        self, compiled: _Compiled, belief: list[np.ndarray], up: list[np.ndarray]
    ) -> np.ndarray:
        """The downward pass from a collected tree: every hidden variable's posterior."""
        out = np.empty(len(self.network.variables))
        down: dict[int, np.ndarray] = {}
        tree = compiled.tree
        for k in reversed(tree.post_order):  # root first
            clique = tree.cliques[k]
            b = belief[k]
            if clique.parent >= 0:
                b = _on_tail(b, clique.tail, down.pop(k) * _inverse(up[k]))
            reduced = clique.reduce.apply(b)
            for child in clique.children:
                down[child.clique] = child.down.apply(reduced)
            for v, projection in clique.marginals:
                m = projection.apply(reduced)
                out[v] = m[1] / (m[0] + m[1])
        return out

    # ------------------------------------------------------------------ clamping

    def calibrate(self, evidence: Evidence) -> Calibrated:
        """The case calibrated once, kept so that more evidence can be inserted cheaply
        (see :meth:`Calibrated.insert_each`). Raises ImpossibleEvidence."""
        compiled = self._for(evidence)
        totals = [1.0] * len(compiled.tree.cliques)
        collected, up, log_p = self._collect(compiled, evidence, totals)
        return Calibrated(self, compiled, collected, up, totals, log_p)

    def posteriors_given_each(
        self, evidence: Evidence, extras: list[dict[int, bool]], variables: np.ndarray,
        calibrated: Calibrated | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each extra set of findings (absent ones, present ones with one cause, or
        several causes that share a clique of the case's tree): the posteriors of
        ``variables`` and P(e, extra) / P(e). Inserted into one calibration of the case
        rather than calibrated afresh."""
        cal = calibrated or self.calibrate(evidence)
        # per clique: one pass down to the variables read there, then each marginal
        reads = cal._reading(tuple(int(v) for v in variables))
        out = np.zeros((len(extras), len(variables)))
        ratios = np.zeros(len(extras))
        factors = [self._multipliers(cal.compiled, extra) for extra in extras]
        rows = [row for row, (_, constant) in enumerate(factors) if constant > 0.0]
        if not rows:
            return out, ratios
        got, inserted = cal.insert_each([factors[row][0] for row in rows],
                                        {k: projection for k, (projection, _) in reads.items()})
        possible = inserted > 0.0
        ratios[rows] = inserted * np.array([factors[row][1] for row in rows])
        for k, (_, at) in reads.items():
            joint = got[k]
            axes = tuple(range(1, joint.ndim))
            for a, i in enumerate(at):
                m = joint.sum(axis=axes[:a] + axes[a + 1:]) if joint.ndim > 2 else joint
                m = m.astype(np.float64)
                total = m[:, 0] + m[:, 1]
                out[rows, i] = np.where(possible & (total > 0),
                                        m[:, 1] / np.where(total > 0, total, 1.0), 0.0)
        return out, ratios

    def _multipliers(
        self, compiled: _Compiled, extra: dict[int, bool]
    ) -> tuple[dict[int, np.ndarray], float]:
        """Extra findings as factors on the cliques of a compiled tree, and a constant."""
        constant, unary, has_unary, present_factors = self._factors(compiled, extra, {})
        out: dict[int, np.ndarray] = {}
        for k, factor in present_factors:
            out[k] = out.get(k, 1.0) * factor
        for v in np.flatnonzero(has_unary):
            k = compiled.tree.home[v]
            out[k] = out.get(k, 1.0) * compiled.unary[v].apply(unary[v])
        return out, constant

    def log_likelihood(self, evidence: Evidence) -> float:
        """log P(evidence); minus infinity when the evidence is impossible."""
        try:
            return self._collect(self._for(evidence), evidence)[2]
        except ImpossibleEvidence:
            return float("-inf")

    def likelihood(self, evidence: Evidence) -> float:
        return float(np.exp(self.log_likelihood(evidence)))

    @property
    def largest_clique(self) -> int:
        return self.tree.largest

    def tree_for(self, evidence: Evidence) -> JunctionTree:
        """The junction tree this evidence is computed on (for benchmarks and tests)."""
        return self._for(evidence).tree
