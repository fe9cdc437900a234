"""The OpenAPI document describes the API truthfully.

It validates against the OpenAPI specification, and schemathesis, generating requests from it
for every operation (a fixed, derandomized budget), finds no 5xx and no answer the document
does not describe: status codes, content types and bodies all conform.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from oneclicktag.wsgi import application
from tests.fixtures.tenants import make_id_token
from tests.trackings.api_support import create as create_tracking

# CI's fixed budget; `SCHEMATHESIS_EXAMPLES=100 pytest tests/test_openapi.py` digs deeper.
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_schema_validates_against_the_openapi_specification(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    document = json.loads(response.content)
    validate_schema(document)
    assert document["paths"], "no operation documented"
    assert "/api/v1/customers/" in document["paths"]
    assert "/api/v1/trackings/bulk/" in document["paths"]


def test_the_schema_generates_without_a_warning() -> None:
    # Warnings mean guessed types or colliding operation ids: clients generated from it break.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


@dataclass(frozen=True)
class Seeded:
    tenant: Any
    ids: dict[str, str]


@pytest.fixture
def alice_with_data(alice: Any, connect_customer: Any) -> Seeded:
    """Alice owns a customer connected to the emulator through the real OAuth flow, with a
    tracking and its queued deployment: lists carry real rows, and detail, nested and Google
    routes are called with real ids, not only with ids that answer 404."""
    customer = connect_customer(alice)
    tracking = create_tracking(
        alice,
        customer,
        destinations=["ga4", "google_ads"],
        ads_conversion={"value": 10, "currency": "USD"},
        ga4_parameters={"plan": "pro"},
    )
    return Seeded(
        alice,
        {
            "/api/v1/customers/": str(customer.pk),
            "/api/v1/trackings/": tracking["id"],
            "/api/v1/deployments/": tracking["deployment"]["id"],
            "/api/v1/tracking-types/": "button_click",
        },
    )


def real_path_parameters(operation: Any, seeded: Seeded) -> dict[str, str]:
    """The first path parameter of a route under a seeded collection gets the seeded id."""
    names = [p.name for p in operation.path_parameters]
    for prefix, value in seeded.ids.items():
        if names and operation.path.startswith(prefix):
            return {names[0]: value}
    return {}


@pytest.fixture
def alice_over_wsgi(alice_with_data: Seeded) -> Iterator[Seeded]:
    """Calling the WSGI app directly fires request_started/finished, which would close the
    test's database connection (and its transaction); Django's test client unhooks them too.
    Unhooked after the data is made, because the test client hooks them back after each call."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield alice_with_data
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _run_operation(
    operation: Any, headers: dict[str, str], path_parameters: dict[str, str]
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters=path_parameters or None))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(alice_over_wsgi):
    seeded = alice_over_wsgi
    alice = seeded.tenant
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers = {
        "Authorization": f"Bearer {make_id_token(alice.owner.email, uid=alice.owner.firebase_uid)}",
        "X-Organization": str(alice.organization.pk),
    }
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"An operation the schema describes is invalid: {result.err()}")
            continue
        operation = result.ok()
        operations += 1
        try:
            _run_operation(operation, headers, real_path_parameters(operation, seeded))
        except (Exception, FailureGroup) as error:  # every operation's failure, not the first
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")

    assert operations >= 40
    assert not failures, "\n\n".join(failures)
