"""Bad input never breaks the API: a property-based fuzz of every operation in its OpenAPI
document (schemathesis generating from the schema, Hypothesis driving it), signed in as a
clinic's admin, on a real SQLite database (at least 2,000 requests) and on PostgreSQL
(fewer: it refuses some text SQLite takes, such as NUL). None may end in a server error,
and every refusal is a problem document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from crux.api import PREFIX

from .api_support import client_for, keep_person, sign_up

PER_OPERATION = {"sqlite": 70, "postgresql": 25}
AT_LEAST = {"sqlite": 2000, "postgresql": 700}
SLOW = {"POST /api/v1/plan", "GET /api/v1/plans/{plan_id}", "GET /api/v1/shared/{link}/plan",
        "POST /api/v1/assessments/{assessment_id}/plans"}  # a PDF can take a second


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    from crux.records import Store

    from .conftest import fresh_database

    for url in fresh_database(request.param, tmp_path):
        store = Store.open(url)
        yield _prepared(store, request.param)
        store.close()


def _prepared(store: Any, kind: str) -> dict[str, Any]:
    client = client_for(store)
    admin = sign_up(client, store, "Fuzz")
    keep_person(client, admin)  # something to find, change and erase
    schema = schemathesis.openapi.from_asgi(f"{PREFIX}/openapi.json", client.app)
    return {"schema": schema, "headers": admin.headers, "kind": kind}


def test_fuzz_every_operation_without_a_server_error(fuzzed: dict[str, Any]) -> None:
    schema, headers, kind = fuzzed["schema"], fuzzed["headers"], fuzzed["kind"]
    sent: dict[str, int] = {}
    failures: list[str] = []
    def fuzz(operation: Any) -> None:
        label = operation.label
        examples = PER_OPERATION[kind] // 3 if label in SLOW else PER_OPERATION[kind]

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            sent[label] = sent.get(label, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code} {response.text[:300]}")
            elif response.status_code >= 400:
                kind = response.headers.get("content-type", [""])[0]
                if kind != "application/problem+json":
                    failures.append(f"{label}: {response.status_code} as {kind}")

        call()

    for result in schema.get_all_operations():
        fuzz(result.ok())
    total = sum(sent.values())
    print(f"\nfuzzed {len(sent)} operations with {total} requests on {kind}")
    assert not failures, "\n".join(failures[:20])
    assert total >= AT_LEAST[kind], sent
    assert len(sent) == len(list(schema.get_all_operations()))
