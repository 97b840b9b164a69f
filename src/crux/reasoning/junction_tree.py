"""The junction tree: cliques from a min-fill triangulation, joined into a tree rooted
at its largest clique, with every projection and layout a calibration needs computed
once. Pure structure: no probabilities live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from crux.reasoning.tables import Layout, Projection


def triangulate(n: int, families: list[frozenset[int]]) -> list[frozenset[int]]:
    """Eliminate with the min-fill heuristic (ties: fewest neighbours); the maximal
    cliques of the triangulated graph. Every family lies inside some clique."""
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
            nbl = list(nb)
            fill = 0
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
    return [c for c in cliques if not any(c < d for d in cliques)]


def _spanning_tree(cliques: list[frozenset[int]]) -> list[tuple[int, int]]:
    """Maximum-weight spanning tree on separator sizes (Kruskal); joins components."""
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
class Child:
    """A tree edge seen from the parent clique."""

    clique: int
    separator: tuple[int, ...]  # sorted; also the child's last axes
    into_union: Layout  # separator -> the parent's union of child separators
    onto_parent: Layout  # separator -> the parent's own variables
    down: Projection  # parent's reduced table -> separator


@dataclass(frozen=True)
class Clique:
    """A clique, its variables in axis order (the separator to its parent last) and how
    its messages are combined. Where the union of its children's separators is smaller
    than the clique, their messages are multiplied together on that union first, so the
    large table is touched once on the way up. On the way down it is reduced once, to
    what its children and its own variables need, and every message down and every
    marginal comes from that (often smaller) table.
    """

    variables: tuple[int, ...]
    parent: int  # -1 at the root
    children: tuple[Child, ...]
    union: tuple[int, ...]  # sorted union of the children's separators
    union_onto: Layout  # union -> this clique
    via_union: bool  # multiply children's messages on the union first (it is smaller)
    reduced: tuple[int, ...]  # sorted: union plus the variables whose marginal is read here
    reduce: Projection  # this clique -> reduced
    marginals: tuple[tuple[int, Projection], ...]  # (variable, reduced -> that variable)
    up: Projection  # this clique -> the separator to its parent (its last axes)
    tail: int  # 2 ** size of that separator (1 at the root)


@dataclass(frozen=True)
class JunctionTree:
    cliques: tuple[Clique, ...]
    root: int
    post_order: tuple[int, ...]  # children before parents
    home: tuple[int, ...]  # per variable: the smallest clique holding it

    @property
    def largest(self) -> int:
        return max((len(c.variables) for c in self.cliques), default=0)

    @property
    def size(self) -> int:
        """Entries in all clique tables together: the work of one calibration."""
        return sum(2 ** len(c.variables) for c in self.cliques)

    def holding(self, members: frozenset[int]) -> int:
        """The smallest clique holding all of ``members``."""
        best = -1
        for k, c in enumerate(self.cliques):
            if members <= set(c.variables) and (
                best < 0 or len(c.variables) < len(self.cliques[best].variables)
            ):
                best = k
        if best < 0:
            raise ValueError("no clique holds these variables")
        return best


def build(n: int, families: list[frozenset[int]]) -> JunctionTree:
    """The junction tree of ``n`` binary variables whose families must share a clique."""
    sets = triangulate(n, families) if n else []
    m = len(sets)
    neighbours: list[list[int]] = [[] for _ in range(m)]
    for i, j in _spanning_tree(sets):
        neighbours[i].append(j)
        neighbours[j].append(i)
    root = max(range(m), key=lambda k: len(sets[k])) if m else 0
    parent = [-1] * m
    pre: list[int] = []
    seen = [False] * m
    stack = [root] if m else []
    while stack:
        k = stack.pop()
        if seen[k]:
            continue
        seen[k] = True
        pre.append(k)
        for nb in neighbours[k]:
            if not seen[nb]:
                parent[nb] = k
                stack.append(nb)
    seps = [tuple(sorted(sets[k] & sets[parent[k]])) if parent[k] >= 0 else () for k in range(m)]
    variables = [
        tuple(sorted(v for v in sets[k] if v not in seps[k])) + seps[k] for k in range(m)
    ]
    home = []
    for v in range(n):
        holders = [k for k in range(m) if v in sets[k]]
        home.append(min(holders, key=lambda k: (len(sets[k]), k)))
    kids: list[list[int]] = [[] for _ in range(m)]
    for k in pre:
        if parent[k] >= 0:
            kids[parent[k]].append(k)
    cliques = []
    for k in range(m):
        union = tuple(sorted({v for c in kids[k] for v in seps[c]}))
        homed = [v for v in range(n) if home[v] == k]
        reduced = tuple(sorted(set(union) | set(homed)))
        children = tuple(
            Child(
                clique=c,
                separator=seps[c],
                into_union=Layout.of(seps[c], union),
                onto_parent=Layout.of(seps[c], variables[k]),
                down=Projection.of(reduced, seps[c]),
            )
            for c in kids[k]
        )
        cliques.append(
            Clique(
                variables=variables[k],
                parent=parent[k],
                children=children,
                union=union,
                union_onto=Layout.of(union, variables[k]),
                via_union=len(children) > 1 and len(union) + 2 <= len(variables[k]),
                reduced=reduced,
                reduce=Projection.of(variables[k], reduced),
                marginals=tuple((v, Projection.of(reduced, (v,))) for v in homed),
                up=Projection.of(variables[k], seps[k]),
                tail=2 ** len(seps[k]),
            )
        )
    return JunctionTree(
        cliques=tuple(cliques), root=root, post_order=tuple(reversed(pre)), home=tuple(home)
    )
