"""The junction tree's structure: families held, running intersection, grouping of many
children, and a fixed elimination order that only ever grows cliques."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crux.reasoning.engine import ExactEngine, ImpossibleEvidence
from crux.reasoning.junction_tree import (
    MERGE_VARIABLES,
    JunctionTree,
    build,
    clique_size,
    eliminate,
    elimination_order,
)
from crux.reasoning.network import Evidence
from tests.support.reference import enumerate_posteriors, random_evidence, random_network


@st.composite
def families(draw: st.DrawFn) -> tuple[int, list[frozenset[int]]]:
    n = draw(st.integers(1, 24))
    fams = draw(
        st.lists(
            st.frozensets(st.integers(0, n - 1), min_size=1, max_size=5), min_size=0, max_size=30
        )
    )
    return n, fams


def _assert_junction_tree(n: int, fams: list[frozenset[int]], tree: JunctionTree) -> None:
    sets = [set(c.variables) for c in tree.cliques]
    for fam in fams:
        assert any(fam <= s for s in sets), f"family {sorted(fam)} is in no clique"
    for v in range(n):
        holders = {k for k, s in enumerate(sets) if v in s}
        assert holders, f"variable {v} is in no clique"
        # running intersection: the cliques holding v are connected in the tree
        top = [k for k in holders if tree.cliques[k].parent not in holders]
        assert len(top) == 1, f"the cliques holding {v} are not connected"
        assert v in sets[tree.home[v]]
    assert sorted(tree.post_order) == list(range(len(sets)))
    position = {k: i for i, k in enumerate(tree.post_order)}
    for k, clique in enumerate(tree.cliques):
        if clique.parent >= 0:
            assert position[k] < position[clique.parent]  # children first
            separator = sets[k] & sets[clique.parent]
            assert set(clique.variables[len(clique.variables) - len(separator) :]) == separator
            # a separator lies in the same order in both cliques: no message is transposed
            edge = tree.entry[k]
            assert clique.variables[len(clique.variables) - len(separator):] == edge.separator
            assert edge.onto_parent.perm is None and edge.down.perm is None
            assert edge.into_union.perm is None


@settings(max_examples=200, deadline=None)
@given(families())
def test_build_gives_a_junction_tree(case: tuple[int, list[frozenset[int]]]) -> None:
    n, fams = case
    _assert_junction_tree(n, fams, build(n, fams))


@settings(max_examples=100, deadline=None)
@given(families(), st.lists(st.frozensets(st.integers(0, 23), min_size=2, max_size=4), max_size=4))
def test_a_fixed_order_only_grows_cliques(
    case: tuple[int, list[frozenset[int]]], extra: list[frozenset[int]]
) -> None:
    n, fams = case
    extra = [frozenset(v for v in e if v < n) for e in extra]
    order = elimination_order(n, fams)
    before = eliminate(n, fams, order)
    after = eliminate(n, fams + extra, order)
    for clique in before:
        assert any(clique <= bigger for bigger in after)
    assert clique_size(after) >= clique_size(before)
    _assert_junction_tree(n, fams + extra, build(n, fams + extra, order))


def _order_counted_afresh(n: int, fams: list[frozenset[int]], by: str) -> list[int]:
    """Greedy elimination counting every candidate's fill from its neighbours at each
    step: slow and plainly right."""
    adj = {v: set() for v in range(n)}
    for fam in fams:
        for a in fam:
            adj[a] |= fam - {a}
    order: list[int] = []
    while adj:
        def score(v: int) -> tuple[int, int, int]:
            nb = adj[v]
            fill = sum(1 for a in nb for b in nb if a < b and b not in adj[a])
            return (len(nb), fill, v) if by == "degree" else (fill, len(nb), v)
        best = min(adj, key=score)
        nb = adj.pop(best)
        for a in nb:
            adj[a] |= nb - {a}
            adj[a].discard(best)
        order.append(best)
    return order


@settings(max_examples=300, deadline=None)
@given(families(), st.sampled_from(["fill", "degree"]))
def test_the_kept_counts_give_the_order_of_counting_afresh(
    case: tuple[int, list[frozenset[int]]], by: str
) -> None:
    # degrees and triangles are kept up to date as the graph changes; the order must be
    # exactly the one counting every vertex's fill afresh gives, ties and all
    n, fams = case
    assert elimination_order(n, fams, by) == _order_counted_afresh(n, fams, by)  # type: ignore[arg-type]


def test_the_shipped_networks_order_is_the_one_counted_afresh() -> None:
    from crux.assess import shipped_model
    from crux.reasoning.engine import network_families

    network = shipped_model().network
    n, fams = len(network.variables), network_families(network)
    for by in ("fill", "degree"):
        assert elimination_order(n, fams, by) == _order_counted_afresh(n, fams, by)  # type: ignore[arg-type]


def test_a_clique_with_many_children_gets_intermediate_cliques() -> None:
    # a star: one centre clique on 0..13, and fourteen leaves each touching two centre
    # variables (too large together to be merged into one table)
    centre = frozenset(range(14))
    leaves = [frozenset({i, (i + 1) % 14, 14 + i}) for i in range(14)]
    n = 28
    tree = build(n, [centre, *leaves])
    _assert_junction_tree(n, [centre, *leaves], tree)
    root = tree.cliques[tree.root]
    assert len(root.variables) == 14
    assert len(root.children) < 14, "the leaves should be grouped under smaller cliques"


def test_small_cliques_join_their_neighbours() -> None:
    # a chain of fifteen three-variable families: small enough to share few tables
    families = [frozenset({i, i + 1, i + 2}) for i in range(15)]
    n = 17
    tree = build(n, families)
    _assert_junction_tree(n, families, tree)
    assert len(tree.cliques) < len(families)
    assert all(len(c.variables) <= MERGE_VARIABLES for c in tree.cliques)


def test_trees_compiled_per_evidence_pattern_agree_with_enumeration() -> None:
    # a one-tree cache forces a recompilation on every change of pattern
    rng = np.random.default_rng(7)
    for _ in range(4):
        network = random_network(rng, 10, 14, 4)
        engine = ExactEngine(network, cached_trees=1)
        for _ in range(6):
            evidence = random_evidence(rng, network, p_observed=0.9)
            expected, _ = enumerate_posteriors(network, evidence)
            got = engine.posteriors(evidence)
            assert np.allclose(got, expected, rtol=0.0, atol=1e-9)


def test_the_shipped_network_stays_cheap_to_reason_on() -> None:
    # A structural budget, not a timing: one link between hidden nodes can couple the
    # left and right chains for every case and multiply the work (a link from a lateral
    # node into a central condition did that tenfold once). Encode such a claim as a
    # cause of the answer a person gives (a finding) instead; see source_gaps.yaml.
    from crux.assess import shipped_model

    tree = shipped_model().engine.tree
    assert tree.largest <= 18, f"largest clique {tree.largest} variables"
    assert tree.size <= 600_000, f"{tree.size} table entries"


@pytest.mark.parametrize("batched", [1, 8, 2**40])
def test_evidence_inserted_into_a_calibration_equals_calibrating_afresh(
        batched: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # the interview adds answers to a case (absent findings, present ones with one
    # cause) and turns variables on, one at a time, into one kept calibration; the
    # insertions go down one by one where cliques are large, all at once where they are
    # small (every clique large, those of up to 3 variables small, every one small)
    from crux.reasoning import engine as engine_module

    monkeypatch.setattr(engine_module, "BATCHED_ENTRIES", batched)
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(8):
        network = random_network(rng, 9, 16, 3)
        engine = ExactEngine(network)
        base = random_evidence(rng, network, p_observed=0.5)
        try:
            engine.infer(base)
        except ImpossibleEvidence:
            continue
        free = [i for i in range(len(network.findings)) if i not in base.findings]
        extras = []
        for _ in range(6):
            picked = rng.choice(free, size=min(3, len(free)), replace=False)
            extras.append({
                int(i): len(network.findings[i].parents) == 1 and bool(rng.integers(2))
                for i in picked
            })
        variables = np.arange(len(network.variables))
        posts, ratios = engine.posteriors_given_each(base, extras, variables)
        _, log_e = engine.infer(base)
        for extra, post, ratio in zip(extras, posts, ratios, strict=True):
            merged = type(base)({**base.findings, **extra}, dict(base.variables))
            expected, p_merged = enumerate_posteriors(network, merged)
            if p_merged <= 0.0:
                assert ratio == 0.0
                continue
            assert np.allclose(post, expected, rtol=0.0, atol=1e-9)
            assert abs(ratio - p_merged / np.exp(log_e)) < 1e-9 * max(1.0, ratio)
            checked += 1
        tree = engine.tree_for(base)
        cliques = list(range(len(tree.cliques)))
        cal = engine.calibrate(base)
        given, possible = cal.given_on_each([int(v) for v in variables], cliques)
        for row, v in enumerate(variables):
            if int(v) in base.variables:
                continue  # observed already: turning it on would replace, not add
            on = type(base)(dict(base.findings), {**base.variables, int(v): True})
            expected, p_on = enumerate_posteriors(network, on)
            if not possible[row]:
                assert p_on == 0.0
                assert all(not given[k][row].any() for k in cliques)
                continue
            by_clique = {k: b[row] / b[row].sum() for k, b in given.items()}  # up to a factor
            k = tree.home[int(v)]
            axis = tree.cliques[k].variables.index(int(v))
            marginal = by_clique[k].sum(axis=tuple(a for a in range(by_clique[k].ndim)
                                                   if a != axis))
            assert marginal[0] == pytest.approx(0.0, abs=1e-12)
            for u in range(len(network.variables)):
                ku = tree.home[u]
                au = tree.cliques[ku].variables.index(u)
                m = by_clique[ku].sum(axis=tuple(a for a in range(by_clique[ku].ndim)
                                                 if a != au))
                assert m[1] == pytest.approx(expected[u], abs=1e-9)
    assert checked > 10


def test_clamping_a_root_variable_by_slicing_matches_inserting_it() -> None:
    # On the shipped network: beliefs with a root-clique variable turned on, read by
    # zeroing its off half where cliques hold it, equal inserting it as evidence.
    from crux.assess import shipped_model
    from crux.contract import parse_case
    from crux.reasoning.evidence import observed_findings, to_evidence
    from crux.reasoning.tables import Layout

    model = shipped_model()
    case = parse_case({"version": 1, "age": 34, "sex": "female", "complaints": [
        {"region": "heel", "side": "left", "worse_with": ["running"]}]})
    evidence = to_evidence(model.network, observed_findings(model.kb, case))
    cal = model.engine.calibrate(evidence)
    tree = cal.compiled.tree
    wanted = [k for k, c in enumerate(tree.cliques) if len(c.variables) <= 10]
    on = np.array([0.0, 1.0])
    for v in tree.cliques[tree.root].variables:
        sliced = cal.clamped(v, wanted)
        inserted, ratio = cal.insert_each(
            [{tree.root: Layout.of((v,), tree.cliques[tree.root].variables).apply(on)}],
            dict.fromkeys(wanted))
        assert (sliced is None) == (ratio[0] == 0.0)
        if sliced is None:
            continue
        for k in wanted:  # each up to a factor
            assert np.allclose(sliced[k] / sliced[k].sum(), inserted[k][0] / inserted[k][0].sum(),
                               rtol=0.0, atol=1e-12)
    with pytest.raises(ValueError):
        outside = next(v for v in range(len(tree.home))
                       if v not in tree.cliques[tree.root].variables)
        cal.clamped(outside, wanted)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.data(), st.sampled_from([np.float64, np.float32]))
def test_a_projection_sums_exactly_the_axes_left_out(n: int, data: st.DataObject,
                                                     dtype: type) -> None:
    from crux.reasoning.tables import Projection

    source = tuple(data.draw(st.permutations(range(n))))
    kept = tuple(data.draw(st.permutations(sorted(data.draw(st.sets(st.sampled_from(source)))))))
    table = np.random.default_rng(n).random((2,) * n).astype(dtype)
    got = Projection.of(source, kept).apply(table)
    summed = tuple(a for a, v in enumerate(source) if v not in kept)
    expected = table.sum(axis=summed, dtype=np.float64) if summed else table
    order = [v for v in source if v in kept]
    expected = np.asarray(expected).transpose([order.index(v) for v in kept])
    assert got.dtype == dtype
    assert np.allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=0.0)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10), st.integers(1, 4), st.data())
def test_a_projection_of_a_stack_is_the_stack_of_projections(n: int, count: int,
                                                            data: st.DataObject) -> None:
    from crux.reasoning.tables import Projection

    source = tuple(data.draw(st.permutations(range(n))))
    kept = tuple(data.draw(st.permutations(sorted(data.draw(st.sets(st.sampled_from(source)))))))
    tables = np.random.default_rng(n).random((count, *(2,) * n))
    projection = Projection.of(source, kept)
    expected = np.stack([projection.apply(t) for t in tables])
    assert np.allclose(projection.apply_each(tables), expected, rtol=1e-12, atol=0.0)


def test_no_insertions_give_empty_stacks() -> None:
    network = random_network(np.random.default_rng(3), 6, 8, 3)
    engine = ExactEngine(network)
    cal = engine.calibrate(Evidence({}, {}))
    got, ratios = cal.insert_each([], {cal.compiled.tree.root: None})
    assert ratios.shape == (0,)
    assert got[cal.compiled.tree.root].shape[0] == 0


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 16), st.data(), st.sampled_from([np.float64, np.float32]))
def test_a_laid_out_factor_multiplies_as_numpy_does(n: int, data: st.DataObject,
                                                     dtype: type) -> None:
    """times() loops over a table's last axes where numpy's own product would crawl;
    the numbers are numpy's, whatever axes the factor varies along."""
    from crux.reasoning.tables import _loops, times

    shape = tuple(data.draw(st.lists(st.sampled_from([1, 2]), min_size=n, max_size=n)))
    rng = np.random.default_rng(n)
    table = rng.random((2,) * n).astype(dtype)
    factor = rng.random(shape).astype(dtype)
    assert np.array_equal(times(table, factor), table * factor)
    # a large factor constant along the last axis only is looped over; a small one not
    assert _loops((2,) * 15 + (1,)) and not _loops((2,) * 7 + (1,))


def test_a_float32_engine_agrees_with_float64_and_refuses_other_types() -> None:
    rng = np.random.default_rng(5)
    for _ in range(4):
        network = random_network(rng, 10, 14, 4)
        wide, narrow = ExactEngine(network), ExactEngine(network, dtype=np.float32)
        for _ in range(5):
            evidence = random_evidence(rng, network, p_observed=0.6)
            try:
                expected, log_p = wide.infer(evidence)
            except ImpossibleEvidence:
                continue
            got, got_log_p = narrow.infer(evidence)
            assert got.dtype == np.float64  # read back as float64 either way
            assert np.allclose(got, expected, rtol=0.0, atol=1e-5)
            assert got_log_p == pytest.approx(log_p, abs=1e-4)
    with pytest.raises(ValueError, match="float64 or float32"):
        ExactEngine(random_network(rng, 4, 4, 2), dtype=np.int32)


def test_a_cases_tree_keeps_the_optional_families_only_while_they_cost_little() -> None:
    # a chain of 40 with a case's finding coupling its 1st and 21st: the optional family
    # {6th, 36th} is kept when it may add to that tree, dropped when the budget is nil;
    # the network's families and the case's always stay whole
    from crux.reasoning.engine import _tree_for, network_families, order_for
    from crux.reasoning.network import Network, Variable

    variables = tuple(
        Variable(name=f"v{i}", node=f"v{i}", side=None, kind="factor", leak=0.1,
                 parents=(i - 1,) if i else (), weights=(0.5,) if i else ())
        for i in range(40)
    )
    network = Network(variables=variables, findings=())
    required = tuple(network_families(network))
    optional = (frozenset({5, 35}),)
    order = order_for(40, required + optional)
    extra = frozenset({frozenset({0, 20})})

    def holds(tree: JunctionTree, family: frozenset[int]) -> bool:
        return any(family <= set(c.variables) for c in tree.cliques)

    generous = _tree_for(40, required, optional, order, extra, (), 10.0)
    strict = _tree_for(40, required, optional, order, extra, (), 0.0)
    for tree in (generous, strict):
        assert all(holds(tree, f) for f in (*required, *extra))
    assert holds(generous, optional[0]) and not holds(strict, optional[0])
    alone = _tree_for(40, required, optional, order, frozenset(), (), 0.0)
    assert holds(alone, optional[0])  # without a case's families: always held
