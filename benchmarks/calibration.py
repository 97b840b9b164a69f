"""Do the assessment's probabilities mean something, and does any one edge decide cases?

    python benchmarks/calibration.py [--vignettes PATH ...] [--no-robustness]

Calibration: every root cause's and condition's probability (the likelier side) on
every vignette, scored against whether the vignette names it as expected: the Brier
score (lower is better; always answering the base rate scores its variance) and a
reliability table (forecasts binned by probability: the share that were expected
should track the mean probability). The vignettes name the answers a sound assessment
ranks in its top 3, often several alternatives, so "expected" is a lenient label and
the table reads best as a check for overconfidence at the top and for missed causes
at the bottom.

Robustness: each causal edge's strength one step up and one step down the ladder
weak < moderate < strong < defining (a weak edge has no step down), and which
vignettes change their top 3 or flip between passing and failing. Goal: no single
edge flips more than one vignette.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from crux.assess import Model
from crux.evaluation import brier, evaluate, forecasts, load_vignettes, reliability, robustness
from crux.knowledge import load_knowledge

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "vignettes" / "dev.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vignettes", type=Path, nargs="*", default=[DEV])
    parser.add_argument("--no-robustness", action="store_true")
    args = parser.parse_args(argv)
    missing = [p for p in args.vignettes if not p.is_file()]
    if missing:
        print(f"no such vignette file: {missing[0]}", file=sys.stderr)
        return 2
    vignettes = load_vignettes(*args.vignettes)
    kb = load_knowledge()
    model = Model.build(kb)
    names = ", ".join(p.name for p in args.vignettes)
    print(f"knowledge {kb.version}; {len(vignettes)} vignettes from {names}")

    outcomes = [evaluate(v, model) for v in vignettes]
    passed = sum(o.passed for o in outcomes)
    print(f"vignettes passing every expectation: {passed}/{len(outcomes)}")

    items = forecasts(vignettes, model)
    base_rate = sum(f.expected for f in items) / len(items)
    print()
    print(
        f"calibration over {len(items)} forecasts (root causes and conditions x vignettes)"
    )
    print(f"  Brier score {brier(items):.4f}  (answering the base rate {base_rate:.3f} "
          f"everywhere would score {base_rate * (1 - base_rate):.4f})")
    for kind_items, label in (
        ([f for f in items if f.node in {n.id for n in kb.nodes if n.kind == "root_cause"}],
         "root causes"),
        ([f for f in items if f.node in {n.id for n in kb.nodes if n.kind == "condition"}],
         "conditions"),
    ):
        print(f"  Brier, {label}: {brier(kind_items):.4f} over {len(kind_items)} forecasts")
    print()
    print("  reliability    forecasts  mean p  expected")
    for b in reliability(items):
        if b.count:
            print(f"  {b.low:.1f} - {b.high:.1f}   {b.count:9d}  {b.mean_probability:6.3f}"
                  f"  {b.observed:8.3f}")
        else:
            print(f"  {b.low:.1f} - {b.high:.1f}   {0:9d}       -         -")

    if args.no_robustness:
        return 0
    print()
    start = time.perf_counter()
    shifts = robustness(kb, vignettes)
    elapsed = time.perf_counter() - start
    print(f"robustness: {len(shifts)} shifts of {len(kb.edges)} edges, {elapsed:.0f} s")
    changed = [s for s in shifts if s.changed]
    print(f"  shifts that change some vignette's top 3: {len(changed)}")
    flipping = [s for s in shifts if s.flipped]
    for s in flipping:
        print(f"  {s.cause} -> {s.effect} {s.before} -> {s.after}: flips {', '.join(s.flipped)}")
    worst = max((len(s.flipped) for s in shifts), default=0)
    ok = worst <= 1
    print(f"  most vignettes flipped by one shift: {worst}  "
          f"(goal: at most 1) {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
