"""Helpers for the API tests: an app on a fresh database, and signed-in clinics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from crux import records
from crux.api import PREFIX, create_app

PASSWORD = "a long enough password"


@dataclass
class SignedIn:
    clinic_id: int
    email: str
    headers: dict[str, str]


def client_for(store: Any) -> TestClient:
    return TestClient(create_app(store), raise_server_exceptions=False)


def sign_up(client: TestClient, store: Any, name: str, role: str = "admin") -> SignedIn:
    """A new clinic with an admin, signed in through the API (a practitioner of the same
    clinic with role="practitioner")."""
    email = f"{uuid.uuid4().hex[:8]}@{name.lower()}.example"
    with store.transaction() as db:
        made, admin = records.create_clinic(db, name, records.UserIn(
            email=email, name="Admin", role="admin", password=PASSWORD))
        if role == "practitioner":
            email = f"p-{email}"
            records.add_user(db, records.Actor(made.id, "user", admin.id, "admin"),
                             records.UserIn(email=email, name="P", password=PASSWORD))
    got = client.post(f"{PREFIX}/auth/token", json={"email": email, "password": PASSWORD})
    assert got.status_code == 200, got.text
    return SignedIn(made.id, email, {"Authorization": f"Bearer {got.json()['token']}"})


def heel_case() -> dict[str, Any]:
    return {"version": 1, "age": 41, "sex": "female",
            "complaints": [{"region": "heel", "side": "left", "onset": "gradual",
                            "worse_with": ["first_steps_morning", "running"],
                            "qualities": ["stabbing"]}],
            "exposures": {"running_km_per_week": 30, "sitting_hours_per_day": 8}}


def keep_person(client: TestClient, who: SignedIn) -> dict[str, Any]:
    """A person with a case, its assessment, a plan, a progress entry and a link."""
    person = client.post(f"{PREFIX}/persons", json={"name": "Ada Example"},
                         headers=who.headers).json()
    kept = client.post(f"{PREFIX}/persons/{person['id']}/cases", json={"case": heel_case()},
                       headers=who.headers).json()
    plan = client.post(f"{PREFIX}/assessments/{kept['assessment']['id']}/plans",
                       json={"start": "2026-11-30", "weeks": 2}, headers=who.headers).json()
    progress = client.post(f"{PREFIX}/persons/{person['id']}/progress", json={
        "day": "2026-12-01", "plan_id": plan["id"],
        "pain": [{"region": "heel", "side": "left", "score": 6}],
        "function": [{"activity": "running", "score": 3}]}, headers=who.headers).json()
    link = client.post(f"{PREFIX}/persons/{person['id']}/links", json={"days": 7},
                       headers=who.headers).json()
    return {"person_id": person["id"], "case_id": kept["case"]["id"],
            "assessment_id": kept["assessment"]["id"], "plan_id": plan["id"],
            "progress_id": progress["id"], "link": link["token"]}
