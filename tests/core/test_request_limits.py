"""Oversized and over-nested bodies are refused cleanly (issue 13: both were 500s)."""

from __future__ import annotations

import json

from customers.models import Customer
from oneclicktag.core.parsers import MAX_JSON_DEPTH
from tests.fixtures.tenants import TenantHandle

CUSTOMERS = "/api/v1/customers/"


def test_a_body_over_the_limit_is_a_413_and_writes_nothing(alice: TenantHandle) -> None:
    body = json.dumps(
        {"name": "Big", "website_url": "https://big.example", "notes": "x" * 3_000_000}
    )
    response = alice.client.generic("POST", CUSTOMERS, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["request_id"] == response["X-Request-ID"]
    assert not Customer.objects.filter(name="Big").exists()


def test_json_nested_too_deep_is_a_400(alice: TenantHandle) -> None:
    for depth in (1000, 100_000, MAX_JSON_DEPTH + 1):
        nested = "[" * depth + "]" * depth
        body = '{"name": "Deep", "website_url": "https://deep.example", "tags": ' + nested + "}"
        response = alice.client.generic("POST", CUSTOMERS, body, content_type="application/json")
        assert response.status_code == 400, (depth, response.status_code)
        assert "nested" in response.json()["error"]["message"]
    assert not Customer.objects.filter(name="Deep").exists()
    fine = {"name": "Shallow", "website_url": "https://shallow.example", "tags": ["a"]}
    assert alice.client.post(CUSTOMERS, fine, format="json").status_code == 201
