"""The shared vocabulary of cases and assessments, loaded from package data on first use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

ValueKind = Literal["number", "bool", "region_list"]

_THRESHOLD = re.compile(r"\b(below|above)\s+(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Term:
    """A measurable or answerable term: an exposure, a history item or a measurement."""

    id: str
    meaning: str
    unit: str
    kind: ValueKind
    range: tuple[float, float] | None = None
    sided: bool = False
    # For measurements: the direction and value past which the reading is abnormal.
    threshold: tuple[Literal["below", "above"], float] | None = None


@dataclass(frozen=True)
class Vocabulary:
    sides: tuple[str, ...]
    sexes: tuple[str, ...]
    onsets: tuple[str, ...]
    regions: dict[str, str]
    contexts: dict[str, str]
    qualities: dict[str, str]
    exposures: dict[str, Term]
    history: dict[str, Term]
    red_flags: dict[str, str]
    measurements: dict[str, Term]
    root_causes: dict[str, str]
    contributing_factors: dict[str, str]
    conditions: dict[str, str]
    triage_levels: dict[str, str]  # ordered from most to least urgent
    case_ranges: dict[str, tuple[float, float]]

    def node_ids(self) -> set[str]:
        return set(self.root_causes) | set(self.contributing_factors) | set(self.conditions)

    def all_terms(self) -> dict[str, set[str]]:
        """Every id of the vocabulary, by section (used to check nothing was dropped)."""
        return {
            "sides": set(self.sides),
            "sexes": set(self.sexes),
            "onsets": set(self.onsets),
            "regions": set(self.regions),
            "contexts": set(self.contexts),
            "qualities": set(self.qualities),
            "exposures": set(self.exposures),
            "history": set(self.history),
            "red_flags": set(self.red_flags),
            "measurements": set(self.measurements),
            "root_causes": set(self.root_causes),
            "contributing_factors": set(self.contributing_factors),
            "conditions": set(self.conditions),
            "triage_levels": set(self.triage_levels),
        }


def _kind(unit: str) -> ValueKind:
    if unit == "bool":
        return "bool"
    if unit == "region list":
        return "region_list"
    return "number"


def _terms(
    raw: dict[str, Any], ranges: dict[str, Any], with_threshold: bool = False
) -> dict[str, Term]:
    terms: dict[str, Term] = {}
    for term_id, spec in raw.items():
        extra = ranges.get(term_id)
        rng: tuple[float, float] | None = None
        sided = False
        if isinstance(extra, list):
            rng = (float(extra[0]), float(extra[1]))
        elif isinstance(extra, dict):
            if "range" in extra:
                rng = (float(extra["range"][0]), float(extra["range"][1]))
            sided = bool(extra.get("sided", False))
        threshold = None
        if with_threshold and "threshold" in spec:
            match = _THRESHOLD.search(str(spec["threshold"]))
            if match:
                threshold = (match.group(1), float(match.group(2)))  # type: ignore[assignment]
        unit = str(spec["unit"])
        terms[term_id] = Term(
            id=term_id,
            meaning=str(spec["meaning"]),
            unit=unit,
            kind=_kind(unit),
            range=rng,
            sided=sided,
            threshold=threshold,
        )
    return terms


def _read(name: str) -> Any:
    text = resources.files("crux").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def parse_vocabulary(raw: dict[str, Any], ranges: dict[str, Any]) -> Vocabulary:
    return Vocabulary(
        sides=tuple(raw["sides"]),
        sexes=tuple(raw["sexes"]),
        onsets=tuple(raw["onsets"]),
        regions=dict(raw["regions"]),
        contexts=dict(raw["contexts"]),
        qualities=dict(raw["qualities"]),
        exposures=_terms(raw["exposures"], ranges.get("exposures", {})),
        history=_terms(raw["history"], ranges.get("history", {})),
        red_flags=dict(raw["red_flags"]),
        measurements=_terms(
            raw["measurements"], ranges.get("measurements", {}), with_threshold=True
        ),
        root_causes=dict(raw["root_causes"]),
        contributing_factors=dict(raw["contributing_factors"]),
        conditions=dict(raw["conditions"]),
        triage_levels=dict(raw["triage_levels"]),
        case_ranges={k: (float(v[0]), float(v[1])) for k, v in ranges["case"].items()},
    )


@cache
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package (read once, on first use)."""
    return parse_vocabulary(_read("vocabulary.yaml"), _read("value_ranges.yaml"))


TRIAGE_ORDER = ("emergency", "urgent", "soon", "self_care")


def more_urgent(a: str, b: str) -> str:
    """The more urgent of two triage levels."""
    return a if TRIAGE_ORDER.index(a) <= TRIAGE_ORDER.index(b) else b
