"""Scoring against vignettes: triage and top-3 semantics, the Brier score and reliability
table on hand-made forecasts, and the robustness check on the dev vignettes."""

from __future__ import annotations

import pytest

from crux.evaluation import (
    Forecast,
    Outcome,
    Vignette,
    brier,
    reliability,
    robustness,
    shifted,
)
from crux.knowledge import load_knowledge

from .conftest import dev_vignettes


def _outcome(level: str, wanted: str, hits: dict[str, bool] | None = None) -> Outcome:
    return Outcome("X", wanted == "self_care", level, wanted, {}, hits or {})


def test_a_more_urgent_level_is_over_triage_only_for_a_self_care_case() -> None:
    assert not _outcome("soon", "self_care").triage_ok
    assert _outcome("soon", "self_care").over_triaged
    assert _outcome("emergency", "urgent").triage_ok
    assert not _outcome("soon", "urgent").triage_ok
    assert _outcome("self_care", "self_care", {"root_causes": True}).passed
    assert not _outcome("self_care", "self_care", {"root_causes": False}).passed


def test_brier_score_by_hand() -> None:
    items = [
        Forecast("a", "x", 0.9, True),  # 0.01
        Forecast("a", "y", 0.2, False),  # 0.04
        Forecast("b", "x", 0.5, False),  # 0.25
        Forecast("b", "y", 0.0, True),  # 1.0
    ]
    assert brier(items) == pytest.approx((0.01 + 0.04 + 0.25 + 1.0) / 4)


def test_reliability_bins_hold_every_forecast_once() -> None:
    items = [Forecast("v", str(i), p, p > 0.5) for i, p in enumerate([0.0, 0.05, 0.5, 0.55, 1.0])]
    bins = reliability(items, bins=10)
    assert sum(b.count for b in bins) == len(items)
    assert bins[0].count == 2 and bins[0].observed == 0.0
    assert bins[-1].count == 1 and bins[-1].observed == 1.0
    assert bins[5].count == 2 and bins[5].mean_probability == pytest.approx(0.525)


def test_a_shift_changes_only_that_edge() -> None:
    kb = load_knowledge()
    edge = kb.edges[0]
    other = shifted(kb, 0, "defining")
    assert other.edges[0].strength == "defining"
    assert other.edges[0].cause == edge.cause and other.edges[1:] == kb.edges[1:]
    assert kb.edges[0].strength == edge.strength  # the original is untouched


VIGNETTES = dev_vignettes()


@pytest.mark.skipif(not VIGNETTES, reason="../shared/vignettes/dev.yaml is not beside the repo")
def test_no_single_edge_decides_more_than_one_dev_vignette() -> None:
    vignettes = [
        Vignette(v["id"], v.get("note", ""), v["case"], v["expect"]) for v in VIGNETTES
    ]
    shifts = robustness(load_knowledge(), vignettes)
    assert shifts, "no edge was shifted"
    deciding = [(s.cause, s.effect, s.after, s.flipped) for s in shifts if len(s.flipped) > 1]
    assert deciding == []
