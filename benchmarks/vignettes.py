"""How well Crux does on the worked vignettes: the dev set and our own.

    python benchmarks/vignettes.py [--dev PATH] [--own DIR] [--show-misses]

For each set it assesses every case exactly as ``crux assess`` does and prints:

- mechanical cases (expected triage self_care): the share with an expected root cause in
  the top 3 of the ranked root causes, the share with an expected condition in the top 3
  of the conditions (each over the cases that name any), and the share over-triaged
  (any level above self-care);
- red-flag cases (expected triage above self-care): how many come out at or above the
  level they expect;

and whether the goals are met: root cause top 3 >= 95 %, condition top 3 >= 90 %, every
red-flag case at or above its level, over-triage <= 5 %. ``--show-misses`` lists every
case that misses one of them. Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crux.assess import assess
from crux.contract import parse_case
from crux.vocabulary import TRIAGE_ORDER

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "vignettes" / "dev.yaml"
OWN = REPO / "tests" / "vignettes"

GOALS = {"root_causes": 0.95, "conditions": 0.90, "over_triage": 0.05}


@dataclass
class Tally:
    name: str
    mechanical: int = 0
    root_named: int = 0
    root_hit: int = 0
    cond_named: int = 0
    cond_hit: int = 0
    over_triaged: int = 0
    flagged: int = 0
    flagged_ok: int = 0
    misses: list[str] = field(default_factory=list)


def load(paths: list[Path]) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in paths:
        cases += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return cases


def _top3(items: list[Any]) -> set[str]:
    return {x.id for x in items[:3]}


def score(name: str, vignettes: list[dict[str, Any]]) -> Tally:
    t = Tally(name)
    for v in vignettes:
        expect = v["expect"]
        result = assess(parse_case(v["case"]))
        level = result.triage.level
        if expect["triage"] == "self_care":
            t.mechanical += 1
            if level != "self_care":
                t.over_triaged += 1
                t.misses.append(f"{v['id']}: over-triaged to {level} ({result.triage.reasons})")
            if expect.get("root_causes"):
                t.root_named += 1
                if set(expect["root_causes"]) & _top3(result.root_causes):
                    t.root_hit += 1
                else:
                    got = [x.id for x in result.root_causes[:3]]
                    t.misses.append(f"{v['id']}: root causes {expect['root_causes']} not in {got}")
            if expect.get("conditions"):
                t.cond_named += 1
                if set(expect["conditions"]) & _top3(result.conditions):
                    t.cond_hit += 1
                else:
                    got = [x.id for x in result.conditions[:3]]
                    t.misses.append(f"{v['id']}: conditions {expect['conditions']} not in {got}")
        else:
            t.flagged += 1
            if TRIAGE_ORDER.index(level) <= TRIAGE_ORDER.index(expect["triage"]):
                t.flagged_ok += 1
            else:
                t.misses.append(f"{v['id']}: {level}, below the expected {expect['triage']}")
    return t


def _pct(hit: int, n: int) -> str:
    return f"{100 * hit / n:5.1f} % ({hit}/{n})" if n else "    -   (0/0)"


def met(t: Tally) -> bool:
    ok = True
    if t.root_named:
        ok &= t.root_hit / t.root_named >= GOALS["root_causes"]
    if t.cond_named:
        ok &= t.cond_hit / t.cond_named >= GOALS["conditions"]
    if t.mechanical:
        ok &= t.over_triaged / t.mechanical <= GOALS["over_triage"]
    return ok and t.flagged_ok == t.flagged


def report(t: Tally, show_misses: bool) -> None:
    print(f"{t.name}: {t.mechanical} mechanical, {t.flagged} red-flag cases")
    rows = [
        ("root cause in top 3 (mechanical)", _pct(t.root_hit, t.root_named), ">= 95 %"),
        ("condition in top 3 (mechanical)", _pct(t.cond_hit, t.cond_named), ">= 90 %"),
        ("red-flag cases at or above level", _pct(t.flagged_ok, t.flagged), "all"),
        ("mechanical cases over-triaged", _pct(t.over_triaged, t.mechanical), "<= 5 %"),
    ]
    for label, value, goal in rows:
        print(f"  {label + ':':36} {value:18} goal {goal}")
    print(f"  goals {'met' if met(t) else 'MISSED'}")
    if show_misses:
        for miss in t.misses:
            print(f"    - {miss}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV, help="the dev vignettes (YAML)")
    parser.add_argument("--own", type=Path, default=OWN, help="folder of our own vignettes")
    parser.add_argument("--show-misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)

    tallies = []
    if args.dev.exists():
        tallies.append(score(f"dev ({args.dev.name})", load([args.dev])))
    else:
        print(f"note: {args.dev} not found; dev set skipped", file=sys.stderr)
    own = sorted(args.own.glob("*.yaml"))
    if own:
        tallies.append(score(f"own ({args.own.name}/, {len(own)} files)", load(own)))
    if not tallies:
        print("no vignettes found", file=sys.stderr)
        return 1
    for t in tallies:
        report(t, args.show_misses)
    return 0 if all(met(t) for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main())
