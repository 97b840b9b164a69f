"""`crux kb check`: the shipped knowledge is sound, and each kind of mistake is caught
with a message that names the item."""

from __future__ import annotations

from pathlib import Path

import pytest

from crux.knowledge import check_knowledge, load_knowledge
from crux.knowledge.loader import KnowledgeError, data_dir, read_knowledge
from crux.knowledge.schema import Citation, Edge, Finding, KnowledgeBase, Node

CITE = (Citation(source="002_a71c11b7c50ae0f3", says="a test claim in our own words"),)


def test_shipped_knowledge_is_sound() -> None:
    assert check_knowledge(load_knowledge()) == []


def _with(kb: KnowledgeBase, **extra: tuple) -> KnowledgeBase:
    update = {key: getattr(kb, key) + value for key, value in extra.items()}
    return kb.model_copy(update=update)


def _edge(cause: str, effect: str, sources: tuple = CITE) -> Edge:
    return Edge.model_validate(
        {
            "from": cause,
            "to": effect,
            "strength": "moderate",
            "because": "a mechanism in plain words",
            "sources": sources,
        }
    )


def _node(node_id: str, kind: str = "mechanism") -> Node:
    return Node(id=node_id, kind=kind, label=node_id.replace("_", " "), prior="rare")


def test_an_unknown_node_in_an_edge_is_named() -> None:
    kb = _with(load_knowledge(), edges=(_edge("weak_glute_max", "no_such_node"),))
    assert "edge weak_glute_max -> no_such_node: unknown node 'no_such_node'" in check_knowledge(kb)


def test_a_cycle_is_named_with_its_path() -> None:
    kb = _with(
        load_knowledge(),
        nodes=(_node("loop_a"), _node("loop_b")),
        edges=(_edge("loop_a", "loop_b"), _edge("loop_b", "loop_a")),
    )
    problems = check_knowledge(kb)
    assert any(p.startswith("the causal graph has a cycle:") and "loop_a" in p for p in problems)


def test_an_edge_citing_a_source_that_does_not_exist_is_named() -> None:
    ghost = (Citation(source="no_such_source", says="a claim with no source behind it"),)
    kb = _with(load_knowledge(), edges=(_edge("weak_glute_max", "calf_overload", ghost),))
    assert any("cites unknown source 'no_such_source'" in p for p in check_knowledge(kb))


def test_an_edge_without_any_source_is_refused_when_read(tmp_path: Path) -> None:
    for f in data_dir().glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    (tmp_path / "broken.yaml").write_text(
        "edges:\n  - {from: weak_glute_max, to: calf_overload, strength: strong,\n"
        "     because: a mechanism in plain words, sources: []}\n"
    )
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(tmp_path)
    assert any(p.startswith("broken.yaml: edges[0].sources") for p in info.value.problems)


def test_an_unreachable_node_is_named() -> None:
    kb = _with(load_knowledge(), nodes=(_node("orphan_mechanism"),))
    assert any(p.startswith("node 'orphan_mechanism' is unreachable") for p in check_knowledge(kb))


def test_an_unknown_vocabulary_term_in_a_finding_is_named() -> None:
    finding = Finding.model_validate(
        {
            "id": "bad_region_finding",
            "label": "pain somewhere odd",
            "when": {"complaint": {"region": "elbow_tip"}},
            "leak": "rare",
            "causes": [{"node": "weak_glute_max", "strength": "weak", "sources": CITE}],
        }
    )
    kb = _with(load_knowledge(), findings=(finding,))
    assert "finding bad_region_finding: unknown region 'elbow_tip'" in check_knowledge(kb)


def test_a_vocabulary_root_cause_without_a_node_is_named() -> None:
    kb = load_knowledge()
    kb = kb.model_copy(update={"nodes": tuple(n for n in kb.nodes if n.id != "tight_pec_minor")})
    assert "vocabulary root_causes id 'tight_pec_minor' has no node" in check_knowledge(kb)


def test_every_edge_and_finding_cause_cites_at_least_one_source() -> None:
    kb = load_knowledge()
    assert all(edge.sources for edge in kb.edges)
    assert all(cause.sources for f in kb.findings for cause in f.causes)
    assert all(rule.sources for rule in kb.rules)
