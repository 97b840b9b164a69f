"""`crux kb stats`, `crux kb explain` and `crux kb report`: the knowledge base made
readable for a clinician who does not read Python. Expected counts and links are worked
out here from the knowledge base itself, independently of the code under test."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from crux.cli import app
from crux.knowledge import load_knowledge
from crux.knowledge.describe import describe_condition, describe_predicate
from crux.knowledge.report import graph_dot, render_report
from crux.knowledge.schema import KnowledgeBase, Node
from crux.knowledge.stats import knowledge_stats
from crux.vocabulary import load_vocabulary

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def _citation_count(kb: KnowledgeBase) -> int:
    return (
        sum(len(n.sources) for n in kb.nodes)
        + sum(len(e.sources) for e in kb.edges)
        + sum(len(c.sources) for f in kb.findings for c in f.causes)
        + sum(len(r.sources) for r in kb.rules)
    )


def _node_with_links(kb: KnowledgeBase) -> str:
    """A node with causes, effects and findings (the richest one, so the test does not
    depend on which node the data holds)."""
    def richness(node_id: str) -> tuple[int, int, int]:
        ins = sum(e.effect == node_id for e in kb.edges)
        outs = sum(e.cause == node_id for e in kb.edges)
        finds = sum(c.node == node_id for f in kb.findings for c in f.causes)
        return (min(ins, outs, finds), ins + outs, finds)

    return max((n.id for n in kb.nodes), key=richness)


# ------------------------------------------------------------------------------ stats


def test_stats_text_gives_the_counts() -> None:
    kb = load_knowledge()
    result = run("kb", "stats")
    assert result.exit_code == 0, result.output
    lines = {line.split(":")[0].strip(): line for line in result.stdout.splitlines()}
    assert re.search(rf"\b{len(kb.nodes)} \(", lines["nodes"])
    for kind, n in Counter(node.kind for node in kb.nodes).items():
        assert f"{kind.replace('_', ' ')} {n}" in lines["nodes"]
    assert re.search(rf"\b{len(kb.edges)} \(", lines["edges"])
    for strength, n in Counter(e.strength for e in kb.edges).items():
        assert f"{strength} {n}" in lines["edges"]
    assert lines["findings"].split()[-1] == str(len(kb.findings))
    for level, n in Counter(r.level for r in kb.rules).items():
        assert f"{level} {n}" in lines["red-flag rules"]
    for kind, n in Counter(s.kind for s in kb.sources).items():
        assert f"{kind} {n}" in lines["sources"]
    assert lines["citations"].split()[-1] == str(_citation_count(kb))
    assert "claims" in lines


def test_stats_json_gives_the_counts() -> None:
    kb = load_knowledge()
    result = run("kb", "stats", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["version"] == kb.version
    assert data["nodes"] == len(kb.nodes)
    assert {k: v for k, v in data["nodes_by_kind"].items() if v} == dict(
        Counter(n.kind for n in kb.nodes)
    )
    assert data["edges"] == len(kb.edges)
    assert {k: v for k, v in data["edges_by_strength"].items() if v} == dict(
        Counter(e.strength for e in kb.edges)
    )
    assert data["findings"] == len(kb.findings)
    assert data["rules"] == len(kb.rules)
    assert {k: v for k, v in data["rules_by_level"].items() if v} == dict(
        Counter(r.level for r in kb.rules)
    )
    assert data["sources"] == len(kb.sources)
    assert {k: v for k, v in data["sources_by_kind"].items() if v} == dict(
        Counter(s.kind for s in kb.sources)
    )
    assert data["citations"] == _citation_count(kb)
    claims = tuple(getattr(kb, "claims", ()))
    assert data["claims"] == len(claims)
    assert data["claims_encoded"] == sum(1 for c in claims if c.encoded_by)
    assert data["interventions"] == len(tuple(getattr(kb, "interventions", ())))
    assert data["questions"] == len(kb.questions) > 100
    assert data["checklists"] == len(kb.screens)


def test_stats_counts_claims_with_an_encoding_as_covered() -> None:
    kb = load_knowledge()
    fields = {name: getattr(kb, name) for name in KnowledgeBase.model_fields}
    fields["claims"] = (
        SimpleNamespace(id="a", encoded_by=["edge x -> y"]),
        SimpleNamespace(id="b", encoded_by=[]),
        SimpleNamespace(id="c", encoded_by=("finding z", "edge y -> z")),
    )
    stats = knowledge_stats(SimpleNamespace(**fields))  # type: ignore[arg-type]
    assert (stats.claims, stats.claims_encoded) == (3, 2)


# ---------------------------------------------------------------------------- explain


def test_explain_node_lists_its_causes_effects_findings_and_sources() -> None:
    kb = load_knowledge()
    node_id = _node_with_links(kb)
    node = kb.node(node_id)
    result = run("kb", "explain", node_id)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert node.label in out and node.kind.replace("_", " ") in out and node.prior in out
    causes, effects = out.split("\nCauses:")
    effects = effects.split("\nFindings it explains:")[0]
    for edge in kb.edges:
        if edge.effect == node_id:
            assert f"[{edge.cause}], {edge.strength}" in causes
            assert edge.because in causes
            assert all(f"source {c.source} " in causes for c in edge.sources)
        if edge.cause == node_id:
            assert f"[{edge.effect}], {edge.strength}" in effects
            assert edge.because in effects
            assert all(f"source {c.source} " in effects for c in edge.sources)
    for finding in kb.findings:
        for cause in finding.causes:
            if cause.node == node_id:
                assert f"[{finding.id}], {cause.strength}" in out
                assert all(c.says in out for c in cause.sources)


def test_explain_node_names_the_rules_that_suspect_it() -> None:
    kb = load_knowledge()
    suspected = Counter(r.suspects for r in kb.rules).most_common(1)[0][0]
    result = run("kb", "explain", suspected, "-f", "json")
    assert result.exit_code == 0, result.output
    (data,) = json.loads(result.stdout)
    assert data["item"] == "node"
    assert {r["id"] for r in data["suspected_by"]} == {
        r.id for r in kb.rules if r.suspects == suspected
    }
    assert {link["node"] for link in data["caused_by"]} == {
        e.cause for e in kb.edges if e.effect == suspected
    }


def test_explain_finding_says_when_in_words_and_names_its_causes() -> None:
    kb = load_knowledge()
    vocab = load_vocabulary()
    finding = next(f for f in kb.findings if f.when.red_flag and f.causes)
    result = run("kb", "explain", finding.id)
    assert result.exit_code == 0, result.output
    assert vocab.red_flags[finding.when.red_flag] in result.stdout  # type: ignore[index]
    for cause in finding.causes:
        assert f"[{cause.node}], {cause.strength}" in result.stdout


def test_explain_an_id_shared_by_a_finding_and_a_rule_shows_both() -> None:
    kb = load_knowledge()
    shared = {f.id for f in kb.findings} & {r.id for r in kb.rules}
    if not shared:
        pytest.skip("no finding shares its id with a rule")
    result = run("kb", "explain", min(shared), "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted(x["item"] for x in json.loads(result.stdout)) == ["finding", "rule"]


def test_explain_unknown_id_exits_2_naming_close_matches() -> None:
    kb = load_knowledge()
    node_id = max((n.id for n in kb.nodes), key=len)
    typo = node_id[:4] + node_id[5:]  # one letter dropped
    result = run("kb", "explain", typo)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"unknown id {typo!r}" in result.stderr
    assert node_id in result.stderr.split("close matches:")[1]
    assert "Traceback" not in result.output


def test_explain_unknown_id_without_close_match_still_exits_2() -> None:
    result = run("kb", "explain", "qqqqqqqq")
    assert result.exit_code == 2
    assert "unknown id 'qqqqqqqq'" in result.stderr


def test_every_condition_and_rule_test_reads_in_words() -> None:
    kb = load_knowledge()
    vocab = load_vocabulary()
    for finding in kb.findings:
        text = describe_condition(finding.when, vocab)
        assert text and "None" not in text, finding.id
    for rule in kb.rules:
        text = describe_predicate(rule.when, vocab)
        assert text and "None" not in text and "empty test" not in text, rule.id


# ----------------------------------------------------------------------------- report

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


class _Page(HTMLParser):
    """Records ids, addresses in src/href attributes, and tags that do not balance."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.unbalanced: list[str] = []
        self.ids: set[str] = set()
        self.addresses: list[str] = []
        self.tags: Counter[str] = Counter()

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("src", "href", "xlink:href", "action", "data") and value is not None:
                self.addresses.append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.unbalanced.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _assert_sound_page(text: str, kb: KnowledgeBase) -> _Page:
    page = _parse(text)
    assert page.unbalanced == [], page.unbalanced[:5]
    assert page.stack == [], page.stack
    assert text.startswith("<!DOCTYPE html>")
    assert {f"node-{n.id}" for n in kb.nodes} <= page.ids
    assert {f"finding-{f.id}" for f in kb.findings} <= page.ids
    assert {f"rule-{r.id}" for r in kb.rules} <= page.ids
    assert {f"source-{s.id}" for s in kb.sources} <= page.ids
    external = [a for a in page.addresses if re.match(r"\s*(https?:)?//", a, re.I)]
    assert external == []
    for address in page.addresses:  # every link inside the page lands on something
        assert address.startswith("#") and address[1:] in page.ids, address
    assert "<script" not in text and "<link" not in text and "url(" not in text
    for node in kb.nodes:
        assert node.id in text
    return page


def test_report_writes_one_self_contained_html_file(tmp_path: Path) -> None:
    kb = load_knowledge()
    out = tmp_path / "kb.html"
    result = run("kb", "report", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    page = _assert_sound_page(text, kb)
    for edge in kb.edges:
        assert edge.because.replace("'", "&#x27;").replace('"', "&quot;") in text
    if shutil.which("dot") is None:
        pytest.skip("Graphviz (dot) is not installed; the drawing is not checked")
    assert page.tags["svg"] >= 1
    assert "warning" not in result.stderr
    drawing = text.split('<div class="drawing">')[1]
    assert drawing.lstrip().startswith("<svg")
    for node in kb.nodes:
        assert f'href="#node-{node.id}"' in drawing


def test_report_defaults_to_crux_knowledge_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("kb", "report")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "crux-knowledge.html").is_file()


def test_report_without_graphviz_is_written_with_a_note_and_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    out = tmp_path / "kb.html"
    result = run("kb", "report", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "Graphviz" in result.stderr
    text = out.read_text(encoding="utf-8")
    _assert_sound_page(text, load_knowledge())
    assert "<svg" not in text
    assert 'class="note"' in text and "Graphviz" in text


def test_report_escapes_every_text(tmp_path: Path) -> None:
    kb = load_knowledge()
    odd = Node(id="zz_odd", kind="mechanism", label='<b>bold</b> & "quoted"', prior="rare")
    kb = kb.model_copy(update={"nodes": (*kb.nodes, odd)})
    text = render_report(kb, None, "no <drawing> here")
    assert "<b>bold</b>" not in text and "<drawing>" not in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in text
    assert _parse(text).unbalanced == []
    dot = graph_dot(kb)
    assert r'label="<b>bold</b> & \"quoted\""' in dot
