"""Simulated interviews on the dev vignettes and our own: how many questions, whether
the interview's top 3 root causes hold the full case's top 1, whether the triage level
matches, and how long choosing a question takes.

    .venv/bin/python benchmarks/interview.py [--own] [--limit N]

A checklist of red flags counts as one question; "answers" counts each of its items.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from crux.assess import assess, shipped_model
from crux.contract import parse_case
from crux.evaluation import load_vignettes
from crux.interview import Interview, simulate, starting_case
from crux.interview._questions import answer_in

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "vignettes" / "dev.yaml"
OWN = sorted((ROOT / "tests" / "vignettes").glob("*.yaml"))


def _choice_times(case: dict, model, n: int = 3) -> list[tuple[float, bool]]:
    """Seconds to choose each of the first ``n`` questions chosen for their gain, and
    whether the case had changed since the last choice (a "don't know" leaves it as it
    was, and the last ranking stands)."""
    interview = Interview(starting_case(case), model=model)
    out: list[tuple[float, bool]] = []
    last = None
    while len(out) < n:
        before = json.dumps(interview.case, sort_keys=True)
        t = time.perf_counter()
        choice = interview.next()
        took = time.perf_counter() - t
        if choice.ask is None:
            break
        if choice.phase == "gain":
            out.append((took, before != last))
            last = before
        interview.answer(choice.ask, answer_in(case, choice.ask), choice.phase)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--own", action="store_true", help="our vignettes too")
    parser.add_argument("--limit", type=int, default=0, help="only the first N vignettes")
    args = parser.parse_args(argv)
    paths = [DEV] + (OWN if args.own else [])
    vignettes = load_vignettes(*paths)
    if args.limit:
        vignettes = vignettes[: args.limit]
    model = shipped_model()
    assess(parse_case(vignettes[0].case), model)  # warm up: compile the network's tree
    counts, answers, agree, triage_ok, red_ok, red_n, times = [], [], 0, 0, 0, 0, []
    rows = []
    for v in vignettes:
        full = assess(parse_case(v.case), model)
        t0 = time.perf_counter()
        tr = simulate(v.case, model=model)
        took = time.perf_counter() - t0
        top1 = full.root_causes[0].id if full.root_causes else None
        top3 = [r.id for r in tr.assessment.root_causes[:3]]
        hit = top1 is None or top1 in top3
        same_level = tr.assessment.triage.level == full.triage.level
        agree += hit
        triage_ok += same_level
        if not v.mechanical:
            red_n += 1
            red_ok += same_level
        counts.append(len(tr.questions))
        answers.append(tr.answered)
        times += _choice_times(v.case, model)
        rows.append((v.id, len(tr.questions), tr.answered, hit, same_level, took, tr.reason))
    for r in rows:
        print(f"{r[0]:>5}  questions {r[1]:>2} (answers {r[2]:>2})  top3 holds top1: "
              f"{'yes' if r[3] else 'NO '}  triage: {'same' if r[4] else 'DIFF'}  "
              f"{r[5]:5.1f} s  {r[6]}")
    n = len(rows)
    print()
    print(f"vignettes: {n} ({red_n} red-flag)")
    print(f"questions: median {statistics.median(counts):g}, max {max(counts)} "
          f"(answers counting each checklist item: median {statistics.median(answers):g}, "
          f"max {max(answers)})")
    print(f"top 3 holds the full case's top 1: {agree}/{n} = {agree / n:.1%}")
    print(f"triage matches the full case: {triage_ok}/{n}; on red-flag cases "
          f"{red_ok}/{red_n}")
    if times:
        for label, pick in (("all choices", times),
                            ("after an answer that changed the case", [t for t in times if t[1]])):
            ms = sorted(t * 1000 for t, _ in pick)
            print(f"choosing a question by gain, {label}: p50 {statistics.median(ms):.0f} ms, "
                  f"p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms "
                  f"({len(ms)} choices; goal under 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
