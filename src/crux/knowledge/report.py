"""The whole knowledge base as one self-contained HTML page, for clinical review
(``crux kb report``).

:func:`render_report` is pure: it takes the knowledge base and the drawing of the causal
graph (an SVG string, or ``None`` with a note saying why there is none) and returns the
page. :func:`graph_dot` writes the graph in Graphviz's language; :func:`draw_svg` is the
one function that runs a program (``dot -Tsvg``). The page has inline CSS, no script and
no external address; every piece of text from the knowledge base is escaped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from html import escape

from crux.knowledge.describe import (
    Cited,
    Link,
    NodeExplanation,
    explain_finding,
    explain_node,
    explain_rule,
)
from crux.knowledge.schema import KnowledgeBase
from crux.knowledge.stats import (
    LEVELS,
    NODE_KINDS,
    SOURCE_KINDS,
    KnowledgeStats,
    citations,
    knowledge_stats,
)
from crux.vocabulary import Vocabulary, load_vocabulary

KIND_TITLES = {
    "factor": "Contributing factors",
    "root_cause": "Root causes",
    "mechanism": "Mechanisms",
    "condition": "Conditions",
    "demographic": "Demographics",
}
KIND_COLOURS = {
    "factor": "#fde68a",
    "root_cause": "#fca5a5",
    "mechanism": "#bfdbfe",
    "condition": "#d8b4fe",
    "demographic": "#e5e7eb",
}
# Graphviz edge attributes for each strength word: thicker is stronger, dashed is weak.
STRENGTH_STYLES = {
    "weak": 'style=dashed, penwidth=1, color="#8a8a8a"',
    "moderate": 'style=solid, penwidth=1.8, color="#555555"',
    "strong": 'style=solid, penwidth=3.4, color="#222222"',
    "defining": 'style=bold, penwidth=5, color="#000000"',
}
_SVG_WIDTHS = {"weak": 1, "moderate": 1.8, "strong": 3.4, "defining": 5}

DISCLAIMER = "Crux supports decisions; it is not a diagnosis."


class DrawingUnavailable(RuntimeError):
    """The causal graph could not be drawn; the message says why, in one line."""


# --------------------------------------------------------------------------- drawing


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def graph_dot(kb: KnowledgeBase) -> str:
    """The causal graph (nodes and edges, without findings) in Graphviz's DOT language."""
    lines = [
        "digraph crux {",
        '  graph [rankdir=LR, ranksep=0.9, nodesep=0.18, fontname="Helvetica", '
        'bgcolor="transparent"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
        'margin="0.10,0.05", color="#444444"];',
        "  edge [arrowsize=0.6];",
    ]
    for node in kb.nodes:
        label = "\n".join(textwrap.wrap(node.label, 26)) or node.id
        tooltip = f"{node.label} ({node.kind.replace('_', ' ')}, prior {node.prior})"
        sides = ", peripheries=2" if node.lateral else ""
        lines.append(
            f'  "{_dot_text(node.id)}" [label="{_dot_text(label)}", '
            f'fillcolor="{KIND_COLOURS.get(node.kind, "#ffffff")}", '
            f'tooltip="{_dot_text(tooltip)}", href="#node-{_dot_text(node.id)}"{sides}];'
        )
    for kind, rank in (("factor", "min"), ("condition", "max")):
        ids = " ".join(f'"{_dot_text(n.id)}";' for n in kb.nodes if n.kind == kind)
        if ids:
            lines.append(f"  {{ rank={rank}; {ids} }}")
    for edge in kb.edges:
        tooltip = f"{edge.cause} -> {edge.effect} ({edge.strength}): {edge.because}"
        lines.append(
            f'  "{_dot_text(edge.cause)}" -> "{_dot_text(edge.effect)}" '
            f'[{STRENGTH_STYLES.get(edge.strength, "")}, tooltip="{_dot_text(tooltip)}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_svg(dot_source: str, timeout: float = 120) -> str:
    """Run Graphviz ``dot -Tsvg``; DrawingUnavailable when it is missing or fails."""
    dot = shutil.which("dot")
    if dot is None:
        raise DrawingUnavailable(
            "Graphviz is not installed (no `dot` command), so the causal graph is not drawn; "
            "install it (Debian/Ubuntu: apt-get install graphviz) and run `crux kb report` again"
        )
    try:
        done = subprocess.run(
            [dot, "-Tsvg"], input=dot_source, capture_output=True, text=True,
            timeout=timeout, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise DrawingUnavailable(f"Graphviz `dot` could not draw the causal graph: {err}") from err
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise DrawingUnavailable(f"Graphviz `dot` failed to draw the causal graph: {why}")
    return done.stdout


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def inline_svg(svg: str) -> str:
    """An SVG document made fit to sit inside HTML: no XML prolog, doctype, comments or
    namespace addresses (HTML does not need them)."""
    body = _COMMENT.sub("", _PROLOG.sub("", svg, count=1))
    return _XMLNS.sub("", body).strip()


# ------------------------------------------------------------------------------ html

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #1f2328; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { border-bottom: 2px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.5rem; }
h3 { margin-top: 2rem; }
h4 { margin: 0 0 .2rem; font-size: 1.05rem; }
h5 { margin: .8rem 0 .2rem; font-size: .9rem; text-transform: uppercase; color: #57606a; }
code { font-size: .85em; background: #f3f4f6; padding: 0 .25em; border-radius: 3px; }
a { color: #0550ae; text-decoration: none; } a:hover { text-decoration: underline; }
.disclaimer { border-left: 4px solid #cf222e; background: #fff5f5; padding: .5rem .8rem; }
.meta { color: #57606a; margin: 0 0 .3rem; }
nav ul { columns: 2; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.item { border: 1px solid #d0d7de; border-left-width: 6px; border-radius: 6px;
        padding: .6rem .9rem; margin: .8rem 0; }
.k-factor { border-left-color: #f59e0b; } .k-root_cause { border-left-color: #ef4444; }
.k-mechanism { border-left-color: #3b82f6; } .k-condition { border-left-color: #a855f7; }
.k-demographic { border-left-color: #9ca3af; }
.l-emergency { border-left-color: #cf222e; } .l-urgent { border-left-color: #fb8500; }
.l-soon { border-left-color: #d4a72c; }
ul.links { margin: .2rem 0; padding-left: 1.2rem; }
ul.links > li { margin: .35rem 0; }
ul.cites { margin: .1rem 0; padding-left: 1.1rem; font-size: .9em; color: #424a53; }
.because { font-style: italic; }
.s { font-size: .78rem; padding: 0 .4em; border-radius: 8px; border: 1px solid #aaa;
     white-space: nowrap; }
.s-weak { border-style: dashed; color: #6e7781; } .s-moderate { background: #eef1f4; }
.s-strong { background: #57606a; color: #fff; } .s-defining { background: #000; color: #fff; }
.swatch { display: inline-block; width: 1.1em; height: .9em; border: 1px solid #444;
          border-radius: 3px; vertical-align: middle; }
.drawing { overflow-x: auto; border: 1px solid #d0d7de; border-radius: 6px; }
.drawing > svg { display: block; }
.note { border: 1px dashed #9a6700; background: #fff8c5; padding: .8rem 1rem; }
.legend span { margin-right: 1.2rem; white-space: nowrap; }
@media print { .drawing { overflow: visible; } .item { break-inside: avoid; } }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _anchor(prefix: str, item_id: str) -> str:
    return f"{prefix}-{item_id}"


def _strength(word: str) -> str:
    return f'<span class="s s-{_e(word)}">{_e(word)}</span>'


def _cites(cites: tuple[Cited, ...]) -> str:
    if not cites:
        return ""
    items = "".join(
        f'<li>&ldquo;{_e(c.says)}&rdquo; &mdash; <a href="#{_e(_anchor("source", c.source))}">'
        f"{_e(c.title)}</a> <code>{_e(c.source)}</code></li>"
        for c in cites
    )
    return f'<ul class="cites">{items}</ul>'


def _node_ref(node_id: str, label: str) -> str:
    return f'<a href="#{_e(_anchor("node", node_id))}">{_e(label)}</a>'


def _links(title: str, links: tuple[Link, ...], none: str) -> str:
    if not links:
        return f"<h5>{_e(title)}</h5><p class=\"meta\">{_e(none)}</p>"
    items = []
    for link in links:
        sides = " (the opposite side)" if link.sides == "opposite" else ""
        items.append(
            f"<li>{_node_ref(link.node, link.label)} {_strength(link.strength)}{_e(sides)} "
            f'<span class="because">because {_e(link.because)}</span>{_cites(link.sources)}</li>'
        )
    return f'<h5>{_e(title)}</h5><ul class="links">{"".join(items)}</ul>'


def _node_html(x: NodeExplanation, kb: KnowledgeBase) -> str:
    prior = kb.scales.priors.get(x.prior)  # type: ignore[call-overload]
    meta = [x.kind.replace("_", " "), f"prior: {x.prior}" + (f" ({prior:g})" if prior else "")]
    if x.lateral:
        meta.append("reasoned about per side (left and right)")
    parts = [
        f'<article class="item k-{_e(x.kind)}" id="{_e(_anchor("node", x.id))}">',
        f"<h4>{_e(x.label)} <code>{_e(x.id)}</code></h4>",
        f'<p class="meta">{_e(" · ".join(meta))}</p>',
        _cites(x.sources),
        _links("Caused by", x.caused_by, "nothing in the knowledge base: a starting point"),
        _links("Causes", x.causes, "nothing further: an end point"),
    ]
    if x.findings:
        items = "".join(
            f'<li><a href="#{_e(_anchor("finding", f.id))}">{_e(f.label)}</a> '
            f"{_strength(f.strength)} <span class=\"meta\">shows when: {_e(f.when)}</span>"
            f"{_cites(f.sources)}</li>"
            for f in x.findings
        )
        parts.append(f'<h5>Findings it explains</h5><ul class="links">{items}</ul>')
    if x.observed_by:
        refs = ", ".join(
            f'<a href="#{_e(_anchor("finding", f))}"><code>{_e(f)}</code></a>'
            for f in x.observed_by
        )
        parts.append(f"<h5>Observed directly by</h5><p>{refs}</p>")
    if x.suspected_by:
        items = "".join(
            f'<li><a href="#{_e(_anchor("rule", r.id))}"><code>{_e(r.id)}</code></a> '
            f"({_e(r.level)}): {_e(r.when)}</li>"
            for r in x.suspected_by
        )
        parts.append(f'<h5>Red-flag rules that suspect it</h5><ul class="links">{items}</ul>')
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def _summary_html(stats: KnowledgeStats, kb: KnowledgeBase) -> str:
    def split(counts: dict[str, int]) -> str:
        return ", ".join(f"{_e(k.replace('_', ' '))} {n}" for k, n in counts.items() if n)

    rows = [
        ("Nodes", stats.nodes, split(stats.nodes_by_kind)),
        ("Causal links (edges)", stats.edges, split(stats.edges_by_strength)),
        ("Findings", stats.findings, ""),
        ("Red-flag rules", stats.rules, split(stats.rules_by_level)),
        ("Sources", stats.sources, split(stats.sources_by_kind)),
        ("Citations", stats.citations, ""),
    ]
    if stats.claims:
        rows.append(("Claims from the sources", stats.claims, f"{stats.claims_encoded} encoded"))
    if stats.interventions:
        rows.append(("Interventions", stats.interventions, ""))
    body = "".join(
        f'<tr><th>{_e(name)}</th><td class="n">{n}</td><td>{detail}</td></tr>'
        for name, n, detail in rows
    )
    strengths = "".join(
        f'<tr><td>{_strength(w)}</td><td class="n">{p:g}</td></tr>'
        for w, p in kb.scales.strengths.items()
    )
    priors = "".join(
        f'<tr><td>{_e(w.replace("_", " "))}</td><td class="n">{p:g}</td></tr>'
        for w, p in kb.scales.priors.items()
    )
    return (
        f'<table><tbody>{body}</tbody></table>'
        "<h3>How words become numbers</h3>"
        "<p>A <b>strength</b> is the chance that a cause, present on its own, brings about "
        "its effect. A <b>prior</b> is how likely a node (or a finding, its leak) is when "
        "none of its listed causes is present.</p>"
        '<table><thead><tr><th>strength</th><th>chance</th></tr></thead>'
        f"<tbody>{strengths}</tbody></table>"
        '<table><thead><tr><th>prior</th><th>chance</th></tr></thead>'
        f"<tbody>{priors}</tbody></table>"
    )


def _legend_html() -> str:
    kinds = "".join(
        f'<span><i class="swatch" style="background:{KIND_COLOURS[k]}"></i> '
        f"{_e(KIND_TITLES[k].lower())}</span>"
        for k in NODE_KINDS if k in KIND_COLOURS
    )
    dashed = ' stroke-dasharray="5,3"'
    lines = "".join(
        f'<span><svg width="40" height="10" aria-hidden="true"><line x1="0" y1="5" x2="40" '
        f'y2="5" stroke="#333" stroke-width="{w}"{dashed if s == "weak" else ""}/></svg> '
        f"{_e(s)}</span>"
        for s, w in _SVG_WIDTHS.items()
    )
    return (
        f'<p class="legend">{kinds}<span>double border: reasoned about per side</span></p>'
        f'<p class="legend">{lines}</p>'
        "<p class=\"meta\">Arrows run from cause to effect. Click a box to read the node; "
        "hover over a box or an arrow for its details.</p>"
    )


def _graph_html(svg: str | None, note: str) -> str:
    if svg is None:
        why = note or "The drawing of the causal graph is not available."
        return f'<p class="note">{_e(why)}</p>'
    return _legend_html() + f'<div class="drawing">{inline_svg(svg)}</div>'


def _findings_html(kb: KnowledgeBase, vocab: Vocabulary) -> str:
    rows = []
    for finding in kb.findings:
        x = explain_finding(kb, finding.id, vocab)
        if x.observes:
            causes = f"observes {_node_ref(x.observes, x.observes)} directly"
        else:
            causes = '<ul class="links">' + "".join(
                f"<li>{_node_ref(c.node, c.label)} {_strength(c.strength)}{_cites(c.sources)}</li>"
                for c in x.causes
            ) + "</ul>"
        rows.append(
            f'<tr id="{_e(_anchor("finding", x.id))}"><td>{_e(x.label)}<br>'
            f"<code>{_e(x.id)}</code></td><td>{_e(x.when)}</td>"
            f"<td>{_e((x.leak or '').replace('_', ' '))}</td><td>{causes}</td></tr>"
        )
    return (
        "<p>A finding is something a case can show. It is present when the case shows what "
        "<i>shows when</i> says; known and not shown, it counts against its causes. "
        "<i>Without a cause</i> is how often it shows when none of its causes is present.</p>"
        "<table><thead><tr><th>Finding</th><th>Shows when</th><th>Without a cause</th>"
        f"<th>Caused by</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _rules_html(kb: KnowledgeBase, vocab: Vocabulary) -> str:
    parts = [
        "<p>Red-flag rules are checked before any probability and are never outweighed; "
        "the most urgent rule that fires sets the triage level.</p>"
    ]
    for level in LEVELS:
        rules = [r for r in kb.rules if r.level == level]
        if not rules:
            continue
        parts.append(f"<h3>{_e(level.capitalize())} ({len(rules)})</h3>")
        for rule in rules:
            x = explain_rule(kb, rule.id, vocab)
            parts.append(
                f'<article class="item l-{_e(x.level)}" id="{_e(_anchor("rule", x.id))}">'
                f"<h4><code>{_e(x.id)}</code></h4>"
                f'<p class="meta">{_e(x.level)} · suspects '
                f"{_node_ref(x.suspects, x.suspects_label)}</p>"
                f"<h5>Fires when</h5><p>{_e(x.when)}</p>"
                f"<h5>Advice</h5><p>{_e(x.advice)}</p>"
                f"<h5>Guidance</h5>{_cites(x.sources)}</article>"
            )
    return "\n".join(parts)


def _sources_html(kb: KnowledgeBase) -> str:
    cited: dict[str, int] = {}
    for c in citations(kb):
        cited[c.source] = cited.get(c.source, 0) + 1
    order = {k: i for i, k in enumerate(SOURCE_KINDS)}
    rows = "".join(
        f'<tr id="{_e(_anchor("source", s.id))}"><td><code>{_e(s.id)}</code></td>'
        f"<td>{_e(s.kind)}</td><td>{_e(s.title)}</td><td>{_e(s.publisher or '')}</td>"
        f'<td>{_e(s.year or "")}</td><td class="n">{cited.get(s.id, 0)}</td></tr>'
        for s in sorted(kb.sources, key=lambda s: order.get(s.kind, len(order)))
    )
    return (
        "<table><thead><tr><th>Id</th><th>Kind</th><th>Title</th><th>Publisher</th>"
        f"<th>Year</th><th>Cited</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_report(
    kb: KnowledgeBase,
    svg: str | None,
    note: str = "",
    vocab: Vocabulary | None = None,
) -> str:
    """The whole knowledge base as one HTML page. ``svg`` is the drawing of the causal
    graph (from :func:`draw_svg`); without one, ``note`` says why in its place."""
    vocab = vocab or load_vocabulary()
    stats = knowledge_stats(kb)
    kinds = [k for k in NODE_KINDS if any(n.kind == k for n in kb.nodes)]
    nav = [("summary", "Summary"), ("graph", "The causal graph")]
    nav += [(f"kind-{k}", KIND_TITLES.get(k, k)) for k in kinds]
    nav += [("findings", "Findings"), ("rules", "Red-flag rules"), ("sources", "Sources")]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Crux knowledge base {_e(kb.version)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        "<h1>Crux knowledge base</h1>",
        f'<p class="meta">Knowledge version <code>{_e(kb.version)}</code>, for review by a '
        "clinician. Every causal link carries a strength word, the mechanism in plain words "
        "and the sources behind it.</p>",
        f'<p class="disclaimer">{_e(DISCLAIMER)} Red flags are deterministic rules checked '
        "before any probability.</p>",
        "<nav><ul>"
        + "".join(f'<li><a href="#{_e(a)}">{_e(t)}</a></li>' for a, t in nav)
        + "</ul></nav>",
        '<section id="summary"><h2>Summary</h2>',
        _summary_html(stats, kb),
        "</section>",
        '<section id="graph"><h2>The causal graph</h2>',
        _graph_html(svg, note),
        "</section>",
    ]
    for kind in kinds:
        nodes = sorted((n for n in kb.nodes if n.kind == kind), key=lambda n: n.label.lower())
        out.append(
            f'<section id="kind-{_e(kind)}"><h2>{_e(KIND_TITLES.get(kind, kind))} '
            f"({len(nodes)})</h2>"
        )
        out += [_node_html(explain_node(kb, n.id, vocab), kb) for n in nodes]
        out.append("</section>")
    out += [
        f'<section id="findings"><h2>Findings ({len(kb.findings)})</h2>',
        _findings_html(kb, vocab),
        "</section>",
        f'<section id="rules"><h2>Red-flag rules ({len(kb.rules)})</h2>',
        _rules_html(kb, vocab),
        "</section>",
        f'<section id="sources"><h2>Sources ({len(kb.sources)})</h2>',
        _sources_html(kb),
        "</section>",
        f'<p class="meta">{_e(DISCLAIMER)}</p>',
        "</body></html>",
    ]
    return "\n".join(out) + "\n"
