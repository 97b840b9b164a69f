from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
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


# --------------------------------------------------------------------------- databases

POSTGRES_URL = os.environ.get("CRUX_TEST_POSTGRES_URL")
DATABASES = ["sqlite", "postgresql"]


def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a new database on the test PostgreSQL
    server (`make test` and `.ci/run` start one; CRUX_TEST_POSTGRES_URL names it)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'crux.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("CRUX_TEST_POSTGRES_URL is not set (make test starts a PostgreSQL server)")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def store(database_url: str) -> Iterator[Any]:
    from crux.records import Store

    opened = Store.open(database_url)
    yield opened
    opened.close()
