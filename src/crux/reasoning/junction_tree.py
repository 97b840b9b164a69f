"""The junction tree: cliques from a min-fill triangulation, joined into a tree rooted
at its largest clique, with every projection and layout a calibration needs computed
once. Pure structure: no probabilities live here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from crux.reasoning.tables import Layout, Projection


def _mask(variables: Iterable[int]) -> int:
    """These variables as a bit set."""
    mask = 0
    for a in variables:
        mask |= 1 << a
    return mask


def _adjacency(n: int, families: list[frozenset[int]]) -> list[int]:
    """Neighbours of every variable in the moral graph, as bit sets."""
    adj = [0] * n
    for fam in families:
        mask = _mask(fam)
        for a in fam:
            adj[a] |= mask & ~(1 << a)
    return adj


def _members(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def elimination_order(
    n: int, families: list[frozenset[int]], by: Literal["fill", "degree"] = "fill"
) -> list[int]:
    """Greedy elimination order: min-fill (ties: fewest neighbours, then lowest index),
    or min-degree (ties: least fill). Neither is best on every graph; callers that can
    afford it try both and keep the smaller tree.

    A vertex's fill is the pairs of its neighbours not joined: its degree choose two,
    less the triangles it is in. Degrees and triangle counts are kept up to date as
    edges appear and vertices go (a few bit operations each), so no vertex's fill is
    ever counted afresh from its neighbours.
    """
    adj = _adjacency(n, families)
    degree = [a.bit_count() for a in adj]
    triangles = [sum((adj[u] & a).bit_count() for u in _members(a)) // 2 for a in adj]

    def score(v: int) -> tuple[int, int, int]:
        d = degree[v]
        fill = d * (d - 1) // 2 - triangles[v]
        return (d, fill, v) if by == "degree" else (fill, d, v)

    scores = {v: score(v) for v in range(n)}
    order: list[int] = []
    while scores:
        best = min(scores, key=scores.__getitem__)
        del scores[best]
        nb = adj[best]
        changed = nb
        members = _members(nb)
        for i, x in enumerate(members):  # join the neighbours into a clique
            for y in members[i + 1:]:
                if not adj[x] >> y & 1:
                    common = adj[x] & adj[y]
                    shared = common.bit_count()
                    triangles[x] += shared
                    triangles[y] += shared
                    for w in _members(common):
                        triangles[w] += 1
                    changed |= common
                    adj[x] |= 1 << y
                    adj[y] |= 1 << x
                    degree[x] += 1
                    degree[y] += 1
        for u in members:  # then take the vertex away
            triangles[u] -= (adj[u] & nb).bit_count()
            adj[u] &= ~(1 << best)
            degree[u] -= 1
        for u in _members(changed):
            if u in scores:
                scores[u] = score(u)
        order.append(best)
    return order


def clique_size(cliques: list[frozenset[int]]) -> int:
    """Entries in all tables of these cliques together."""
    return sum(2 ** len(c) for c in cliques)


def eliminate(n: int, families: list[frozenset[int]], order: list[int]) -> list[frozenset[int]]:
    """The maximal cliques of the graph triangulated by eliminating in ``order``. Every
    family lies inside one of them. With a fixed order, more families only ever grow
    the cliques: a family inside a clique for fewer families stays inside one."""
    adj = _adjacency(n, families)
    clique_of: dict[int, int] = {}  # in order: vertex -> itself and its later neighbours
    earlier: list[list[int]] = [[] for _ in range(n)]  # neighbours eliminated before
    for v in order:
        nb = adj[v]
        clique_of[v] = nb | (1 << v)
        for u in _members(nb):
            adj[u] = (adj[u] | nb) & ~(1 << u) & ~(1 << v)
            earlier[u].append(v)
    # a vertex's clique can only lie inside the clique of a neighbour eliminated before
    # it (a clique holds its own vertex, which no later clique does)
    maximal = [
        mask for v, mask in clique_of.items()
        if not any(clique_of[u] & mask == mask for u in earlier[v])
    ]
    return [frozenset(_members(c)) for c in maximal]


def triangulate(n: int, families: list[frozenset[int]]) -> list[frozenset[int]]:
    """The maximal cliques of a min-fill triangulation; every family lies inside one."""
    return eliminate(n, families, elimination_order(n, families))


def _spanning_tree(cliques: list[frozenset[int]]) -> list[tuple[int, int]]:
    """Maximum-weight spanning tree on separator sizes (Kruskal); joins components."""
    m = len(cliques)
    masks = [_mask(c) for c in cliques]
    edges = sorted(
        (((masks[i] & masks[j]).bit_count(), i, j) for i in range(m) for j in range(i + 1, m)),
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
            if len(tree) == m - 1:
                break  # all joined
    return tree


@dataclass(frozen=True)
class Child:
    """A tree edge seen from the parent clique."""

    clique: int
    separator: tuple[int, ...]  # in the tree's order (see build); the child's last axes
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
    union: tuple[int, ...]  # union of the children's separators, in the tree's order
    union_onto: Layout  # union -> this clique
    via_union: bool  # multiply children's messages on the union first (it is smaller)
    reduced: tuple[int, ...]  # union plus the variables whose marginal is read here (in
    # this clique's axis order)
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

    @cached_property
    def entry(self) -> dict[int, Child]:
        """Per clique (but the root): the edge to it, seen from its parent."""
        return {c.clique: c for clique in self.cliques for c in clique.children}

    @cached_property
    def depth(self) -> tuple[int, ...]:
        """Per clique: how many edges from the root."""
        depth = [0] * len(self.cliques)
        for k in reversed(self.post_order):
            parent = self.cliques[k].parent
            depth[k] = 0 if parent < 0 else depth[parent] + 1
        return tuple(depth)

    @cached_property
    def sets(self) -> tuple[frozenset[int], ...]:
        """Per clique: its variables as a set."""
        return tuple(frozenset(c.variables) for c in self.cliques)

    def with_ancestors(self, cliques: Iterable[int]) -> set[int]:
        """These cliques and every clique on their paths up to the root."""
        out: set[int] = set()
        for k in cliques:
            while k >= 0 and k not in out:
                out.add(k)
                k = self.cliques[k].parent
        return out

    def holders(self, members: frozenset[int], max_entries: int) -> list[int]:
        """The cliques holding all of ``members`` with at most ``max_entries`` table
        entries; the smallest holder when none is that small; none when no clique holds
        them all."""
        small = [k for k, held in enumerate(self.sets)
                 if members <= held and 2 ** len(held) <= max_entries]
        if small:
            return small
        try:
            return [self.holding(members)]
        except ValueError:
            return []

    def holding(self, members: frozenset[int]) -> int:
        """The smallest clique holding all of ``members``."""
        best = -1
        for k, held in enumerate(self.sets):
            if members <= held and (best < 0 or len(held) < len(self.sets[best])):
                best = k
        if best < 0:
            raise ValueError("no clique holds these variables")
        return best


MERGE_VARIABLES = 12  # a child whose union with its parent is this small joins it


def _merge_small(
    sets: list[frozenset[int]], parent: list[int], root: int, limit: int
) -> tuple[list[frozenset[int]], list[int], int]:
    """Join every clique to its parent while their union has at most ``limit``
    variables. Merging neighbours keeps a junction tree a junction tree; a few tables
    of up to 2**limit entries cost less than the per-table work of many tiny ones
    (measured: about 10 % off a calibration and off choosing an interview question)."""
    sets, parent = list(sets), list(parent)
    alive = [True] * len(sets)
    merged = True
    while merged:
        merged = False
        for k, p in enumerate(parent):
            if alive[k] and p >= 0 and len(sets[k] | sets[p]) <= limit:
                sets[p] = sets[p] | sets[k]
                alive[k] = False
                for c, q in enumerate(parent):
                    if q == k:
                        parent[c] = p
                merged = True
    index = {k: i for i, k in enumerate(k for k in range(len(sets)) if alive[k])}
    return (
        [sets[k] for k in index],
        [index[parent[k]] if parent[k] >= 0 else -1 for k in index],
        index[root],
    )


def _group_children(
    sets: list[frozenset[int]], parent: list[int]
) -> tuple[list[frozenset[int]], list[int]]:
    """Give a clique with many children intermediate cliques between it and them.

    A clique's children send their messages onto it one by one, and on the way down it
    is summed onto each of their separators: work proportional to its size times its
    number of children. Where two children's separators together span far fewer
    variables than the clique, a new clique on that union (a subset of the clique, so
    the tree stays a junction tree) takes both as children: their messages meet on the
    small table and the large one is summed once for the pair. Pairs are joined
    smallest union first, as long as the union is at least two variables smaller than
    the clique.
    """
    sets, parent = list(sets), list(parent)
    kids: dict[int, list[int]] = {}
    for k, p in enumerate(parent):
        if p >= 0:
            kids.setdefault(p, []).append(k)
    for k, children in kids.items():
        if len(children) < 3:
            continue
        limit = len(sets[k]) - 2
        groups = [(sets[c] & sets[k], c) for c in children]
        while len(groups) > 2:
            best = None
            for i in range(len(groups)):
                for j in range(i + 1, len(groups)):
                    size = len(groups[i][0] | groups[j][0])
                    if best is None or size < best[0]:
                        best = (size, i, j)
            assert best is not None
            size, i, j = best
            if size > limit:
                break
            union = groups[i][0] | groups[j][0]
            node = len(sets)
            sets.append(frozenset(union))
            parent.append(k)
            parent[groups[i][1]] = node
            parent[groups[j][1]] = node
            groups = [g for x, g in enumerate(groups) if x not in (i, j)] + [(union, node)]
    return sets, parent


def build(
    n: int,
    families: list[frozenset[int]],
    order: list[int] | None = None,
    cliques: list[frozenset[int]] | None = None,
) -> JunctionTree:
    """The junction tree of ``n`` binary variables whose families must share a clique,
    triangulated by eliminating in ``order`` (min-fill when none is given), or on the
    maximal ``cliques`` of a triangulation made already."""
    if cliques is not None:
        sets = list(cliques)
    elif not n:
        sets = []
    else:
        if order is None:
            order = elimination_order(n, families)
        sets = eliminate(n, families, order)
    m = len(sets)
    neighbours: list[list[int]] = [[] for _ in range(m)]
    for i, j in _spanning_tree(sets):
        neighbours[i].append(j)
        neighbours[j].append(i)
    root = max(range(m), key=lambda k: len(sets[k])) if m else 0
    parent = [-1] * m
    seen = [False] * m
    stack = [root] if m else []
    while stack:
        k = stack.pop()
        if seen[k]:
            continue
        seen[k] = True
        for nb in neighbours[k]:
            if not seen[nb]:
                parent[nb] = k
                stack.append(nb)
    sets, parent, root = _merge_small(sets, parent, root, MERGE_VARIABLES)
    sets, parent = _group_children(sets, parent)
    m = len(sets)
    kids_of: list[list[int]] = [[] for _ in range(m)]
    for k in range(m):
        if parent[k] >= 0:
            kids_of[parent[k]].append(k)
    pre: list[int] = []
    stack = [root] if m else []
    while stack:
        k = stack.pop()
        pre.append(k)
        stack.extend(kids_of[k])
    shared = [sets[k] & sets[parent[k]] if parent[k] >= 0 else frozenset() for k in range(m)]
    # a clique's own variables come first, those its children's separators hold least
    # first (then its grandchildren's, ...); its separator to its parent last, in the
    # parent's order. A child's message then lies on its parent mostly along the
    # parent's last axes, where numpy multiplies it fast, and no message is ever
    # transposed
    def generations(k: int) -> list[list[int]]:
        """k's children, then its grandchildren, ..."""
        out, level = [], kids_of[k]
        while level:
            out.append(level)
            level = [g for c in level for g in kids_of[c]]
        return out

    seps: list[tuple[int, ...]] = [()] * m
    variables: list[tuple[int, ...]] = [()] * m
    for k in pre:  # parents first
        if parent[k] >= 0:
            seps[k] = tuple(v for v in variables[parent[k]] if v in shared[k])
        below = generations(k)
        own = sorted(sets[k] - shared[k], key=lambda v: (
            *(sum(v in shared[c] for c in level) for level in below), v))
        variables[k] = (*own, *seps[k])
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
        union = tuple(v for v in variables[k] if any(v in shared[c] for c in kids[k]))
        homed = [v for v in range(n) if home[v] == k]
        needed = set(union) | set(homed)
        reduced = tuple(v for v in variables[k] if v in needed)  # no transposition
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
