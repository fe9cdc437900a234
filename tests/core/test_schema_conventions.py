"""The OpenAPI document states the conventions: error shape, headers, who reads the audit log."""

import json

import pytest
from django.test import Client


@pytest.fixture(scope="module")
def document(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return json.loads(response.content)


def _header_names(operation: dict) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_the_error_shape_is_a_component_used_by_every_error_answer(document: dict) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for code in ("401", "403", "404", "429"):
                body = operation["responses"][code]["content"]["application/json"]["schema"]
                assert body["$ref"].endswith("/Error"), (method, path, code)
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_scoped_operations_document_x_organization(document: dict) -> None:
    assert "X-Organization" in _header_names(document["paths"]["/api/v1/members/"]["get"])
    assert "X-Organization" not in _header_names(document["paths"]["/api/v1/me"]["get"])


def test_creates_document_idempotency_key_and_patches_if_match(document: dict) -> None:
    for path in ("/api/v1/api-keys/", "/api/v1/invitations/", "/api/v1/organizations/"):
        assert "Idempotency-Key" in _header_names(document["paths"][path]["post"]), path
    member = document["paths"]["/api/v1/members/{id}/"]["patch"]
    assert "If-Match" in _header_names(member)
    assert "ETag" in member["responses"]["200"]["headers"]


def test_the_audit_log_says_who_may_read_it(document: dict) -> None:
    description = document["paths"]["/api/v1/audit-events/"]["get"]["description"]
    assert "admins and owners" in description.lower()
