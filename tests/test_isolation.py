"""Clinic isolation, route by route: a test walks every operation of the OpenAPI document
and calls it as another clinic's admin with the first clinic's ids. None may reveal or
change the first clinic's data. A new route without an entry here fails the test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crux.api import PREFIX

from .api_support import PASSWORD, client_for, heel_case, keep_person, sign_up

# a valid body for every operation that takes one (so a refusal is about access, not input)
BODIES: dict[tuple[str, str], Any] = {
    ("post", "/assess"): heel_case(),
    ("post", "/plan"): {"case": heel_case()},
    ("post", "/interviews"): {"case": heel_case(), "person_id": "{person_id}"},
    ("post", "/interviews/{interview_id}/answer"): {"question": "history.pregnant_weeks",
                                                    "answer": 0},
    ("post", "/auth/token"): {"email": "{email}", "password": PASSWORD},
    ("post", "/users"): {"email": "intruder@b.example", "name": "I", "password": PASSWORD},
    ("post", "/persons"): {"name": "B's own person"},
    ("patch", "/persons/{person_id}"): {"name": "Changed by B"},
    ("post", "/persons/import"): "{export}",
    ("post", "/persons/{person_id}/cases"): {"case": heel_case()},
    ("post", "/assessments/{assessment_id}/plans"): {"weeks": 1},
    ("post", "/persons/{person_id}/progress"): {"day": "2026-12-03"},
    ("post", "/persons/{person_id}/links"): {"days": 1},
    ("post", "/shared/{link}/progress"): {"day": "2026-12-03"},
}
# operations that name none of the first clinic's records: B sees only its own
OWN: set[tuple[str, str]] = {
    ("post", "/assess"), ("post", "/plan"), ("get", "/schema/{name}"),
    ("post", "/auth/token"), ("post", "/auth/logout"), ("get", "/me"), ("get", "/users"),
    ("post", "/users"), ("get", "/audit"), ("get", "/persons"), ("post", "/persons"),
    ("post", "/persons/import"),
    # a person's link is their key: B's link, to B's person
    ("get", "/shared/{link}"), ("get", "/shared/{link}/plan"), ("post", "/shared/{link}/progress"),
}


def _filled(value: Any, ids: dict[str, str]) -> Any:
    text = json.dumps(value)
    for key, known in ids.items():
        text = text.replace("{" + key + "}", known)
    return json.loads(text)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_no_route_crosses_clinics(kind: str, tmp_path: Any) -> None:
    from crux.records import Store

    from .conftest import fresh_database

    for url in fresh_database(kind, tmp_path):
        store = Store.open(url)
        client = client_for(store)
        a = sign_up(client, store, "Alpha")
        b = sign_up(client, store, "Beta")
        ids = keep_person(client, a)
        interview = client.post(f"{PREFIX}/interviews", headers=a.headers, json={
            "case": heel_case(), "person_id": ids["person_id"]}).json()
        ids["interview_id"] = interview["id"]
        before = client.get(f"{PREFIX}/persons/{ids['person_id']}/export",
                            headers=a.headers).json()
        secrets = [ids[k] for k in ("person_id", "case_id", "assessment_id", "plan_id",
                                    "progress_id")] + ["Ada Example"]
        b_person = client.post(f"{PREFIX}/persons", json={"name": "Bea"},
                               headers=b.headers).json()
        b_link = client.post(f"{PREFIX}/persons/{b_person['id']}/links", json={},
                             headers=b.headers).json()["token"]
        b_export = {**before, "person": {**before["person"], "id": b_person["id"]}}

        spec = client.get(f"{PREFIX}/openapi.json").json()
        walked = 0
        for path, operations in spec["paths"].items():
            route = path.removeprefix(PREFIX)
            for method, operation in operations.items():
                key = (method, route)
                takes_body = "requestBody" in operation
                assert not takes_body or key in BODIES, f"no body for {key}: add one above"
                fill = {**ids, "email": b.email, "export": "", "name": "case"}
                if key in OWN:
                    fill["link"] = b_link
                url_path = _filled(path, fill) if "{" in path else path
                body = BODIES.get(key)
                if body == "{export}":
                    body = json.loads(json.dumps(b_export).replace(
                        ids["person_id"], b_person["id"]))
                    body["cases"], body["progress"] = [], []
                elif body is not None:
                    body = _filled(body, fill)
                got = client.request(method.upper(), url_path, headers=b.headers,
                                     json=body if takes_body else None)
                walked += 1
                assert got.status_code < 500, (key, got.status_code, got.text)
                shown = got.text
                for secret in secrets:
                    assert secret not in shown, f"{key} showed clinic A's {secret!r}"
                if key not in OWN:
                    assert got.status_code in (401, 403, 404), (key, got.status_code, got.text)
        assert walked >= 30
        after = client.get(f"{PREFIX}/persons/{ids['person_id']}/export",
                           headers=a.headers).json()
        assert after == before
        store.close()


def test_every_route_to_a_persons_data_writes_the_audit_log(tmp_path: Any) -> None:
    """Walk the routes again as the person's own clinic (and their link): each one that
    reads or writes the person's data succeeds and adds to the person's audit trail."""
    from sqlalchemy import func, select

    from crux.records import Store
    from crux.records._tables import AuditEntry

    store = Store.open(f"sqlite:///{tmp_path / 'audit.db'}")
    client = client_for(store)
    a = sign_up(client, store, "Alpha")
    ids = keep_person(client, a)
    ids["interview_id"] = client.post(f"{PREFIX}/interviews", headers=a.headers, json={
        "case": heel_case(), "person_id": ids["person_id"]}).json()["id"]
    exported = client.get(f"{PREFIX}/persons/{ids['person_id']}/export",
                          headers=a.headers).json()

    def trail() -> int:
        with store.transaction() as db:
            return db.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.person_id == ids["person_id"])) or 0

    spec = client.get(f"{PREFIX}/openapi.json").json()
    walked = []
    operations = [(path, method) for path, ops in spec["paths"].items() for method in ops]
    # the person's own routes first, then revoking the links, erasing the person last
    operations.sort(key=lambda x: (x[1] == "delete", x[0].endswith("{person_id}")))
    names = ("{person_id}", "{case_id}", "{assessment_id}", "{plan_id}", "{interview_id}",
             "{link}")
    for path, method in operations:
        route = path.removeprefix(PREFIX)
        if not any(n in route for n in names):
            continue
        body = BODIES.get((method, route))
        if route == "/interviews/{interview_id}/answer":
            now = client.get(f"{PREFIX}/interviews/{ids['interview_id']}",
                             headers=a.headers).json()
            body = {"question": now["question"]["id"], "dont_know": True}
        url = _filled(path, {**ids, "name": "case"})
        before = trail()
        got = client.request(method.upper(), url, headers=a.headers,
                             json=_filled(body, ids) if body is not None else None)
        assert got.status_code < 300, (method, route, got.status_code, got.text)
        assert trail() > before, f"{method.upper()} {route} left no audit entry"
        walked.append((method, route))
    assert len(walked) >= 20
    assert ("delete", "/persons/{person_id}") in walked
    # the erasure left the trail, and the export can come back
    back = client.post(f"{PREFIX}/persons/import", json=exported, headers=a.headers)
    assert back.status_code == 201
    store.close()
