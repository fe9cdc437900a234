"""A field the schema types `string` takes JSON strings only: DRF's CharField turns 0 into "0",
which schemathesis's negative-data check caught (PATCH /organizations/{id}/ {"name": 0})."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.google import make_customer

pytestmark = pytest.mark.django_db


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_numbers_are_not_names(alice: Any) -> None:
    organization = alice.organization
    _refused(
        alice.client.patch(
            f"/api/v1/organizations/{organization.pk}/",
            {"name": 0, "version": organization.version},
            format="json",
        ),
        "name",
    )
    _refused(alice.client.post("/api/v1/organizations/", {"name": 7}, format="json"), "name")
    _refused(
        alice.client.post(
            "/api/v1/customers/",
            {"name": 0, "website_url": "https://shop.example/"},
            format="json",
        ),
        "name",
    )
    customer = make_customer(alice)
    _refused(
        alice.client.post(
            "/api/v1/trackings/",
            {
                "customer": str(customer.pk),
                "name": 5,
                "type": "button_click",
                "config": {"selector": "#buy"},
            },
            format="json",
        ),
        "name",
    )
    _refused(alice.client.post("/api/v1/api-keys/", {"name": 1}, format="json"), "name")
