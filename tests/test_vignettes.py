"""The dev vignettes: triage level, and one expected root cause, condition and factor in
the top 3 of each list. These are worked examples, not the whole test: nothing in the
code or the knowledge special-cases them."""

from __future__ import annotations

from typing import Any

import pytest

from crux.assess import assess
from crux.contract import parse_case
from crux.vocabulary import TRIAGE_ORDER

from .conftest import dev_vignettes

VIGNETTES = dev_vignettes()


def _top3(items: list[Any]) -> list[str]:
    return [x.id for x in items[:3]]


@pytest.mark.skipif(not VIGNETTES, reason="../shared/vignettes/dev.yaml is not beside the repo")
@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_dev_vignette(vignette: dict[str, Any]) -> None:
    expect = vignette["expect"]
    result = assess(parse_case(vignette["case"]))
    level = result.triage.level
    wanted = expect["triage"]
    if wanted == "self_care":
        assert level == "self_care", f"over-triaged to {level}: {result.triage.reasons}"
    else:
        assert TRIAGE_ORDER.index(level) <= TRIAGE_ORDER.index(wanted), level
    for key, ranked in (
        ("root_causes", result.root_causes),
        ("conditions", result.conditions),
        ("factors", result.contributing_factors),
    ):
        if key in expect:
            top = _top3(ranked)
            assert set(expect[key]) & set(top), f"{key}: expected one of {expect[key]}, got {top}"
