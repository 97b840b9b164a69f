"""Bad input never breaks the API: a property-based fuzz of every operation in its OpenAPI
document (schemathesis generating from the schema, Hypothesis driving it), signed in as a
clinic's admin, on a real SQLite database. At least 2,000 requests; none may end in a
server error, and every refusal is a problem document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from crux.api import PREFIX

from .api_support import client_for, keep_person, sign_up

PER_OPERATION = 70
AT_LEAST = 2000
SLOW = {"POST /api/v1/plan", "GET /api/v1/plans/{plan_id}", "GET /api/v1/shared/{link}/plan",
        "POST /api/v1/assessments/{assessment_id}/plans"}  # a PDF can take a second


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from crux.records import Store

    folder: Path = tmp_path_factory.mktemp("fuzz")
    store = Store.open(f"sqlite:///{folder / 'fuzz.db'}")
    client = client_for(store)
    admin = sign_up(client, store, "Fuzz")
    keep_person(client, admin)  # something to find, change and erase
    schema = schemathesis.openapi.from_asgi(f"{PREFIX}/openapi.json", client.app)
    return {"schema": schema, "headers": admin.headers, "store": store}


def test_fuzz_every_operation_without_a_server_error(fuzzed: dict[str, Any]) -> None:
    schema, headers = fuzzed["schema"], fuzzed["headers"]
    sent: dict[str, int] = {}
    failures: list[str] = []
    def fuzz(operation: Any) -> None:
        label = operation.label
        examples = PER_OPERATION // 3 if label in SLOW else PER_OPERATION

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
    print(f"\nfuzzed {len(sent)} operations with {total} requests")
    assert not failures, "\n".join(failures[:20])
    assert total >= AT_LEAST, sent
    assert len(sent) == len(list(schema.get_all_operations()))
