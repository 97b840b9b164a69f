from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not beside the repository")
    return path


def dev_vignettes() -> list[dict[str, Any]]:
    path = SHARED / "vignettes" / "dev.yaml"
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture
def heel_case() -> dict[str, Any]:
    return {
        "version": 1,
        "age": 38,
        "sex": "female",
        "complaints": [
            {
                "region": "heel",
                "side": "left",
                "onset": "gradual",
                "duration_weeks": 6,
                "severity": 6,
                "qualities": ["stabbing"],
                "worse_with": ["first_steps_morning", "running"],
                "better_with": ["movement"],
                "radiates_to": [],
            }
        ],
        "exposures": {
            "sitting_hours_per_day": 9,
            "running_km_per_week": 30,
            "recent_mileage_increase": True,
        },
        "history": {"recurrent_ankle_sprains": False},
        "red_flags": {"bone_tenderness": False, "calf_swelling": False},
        "measurements": {"hip_extension_toe_off_deg": 6},
    }
