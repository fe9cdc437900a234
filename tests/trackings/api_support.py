"""Helpers the trackings API tests share: customers with or without a Google connection, and
request bodies."""

from __future__ import annotations

import secrets
from typing import Any

from customers.models import Customer, GoogleConnection
from customers.services import customer_create
from tenants.actors import Actor

TRACKINGS = "/api/v1/trackings/"
BULK = "/api/v1/trackings/bulk/"


def make_customer(tenant: Any, *, connected: bool = True, name: str = "Acme") -> Customer:
    """A customer; `connected` gives it a Google connection with a GTM container chosen (the
    seeded emulator identity, a container of its own: a container has one owner), which is what
    makes writes queue a deployment."""
    customer = customer_create(
        organization=tenant.organization,
        actor=Actor(user=tenant.owner),
        name=name,
        website_url="https://acme.example",
    )
    if connected:
        GoogleConnection.objects.create(
            organization=tenant.organization,
            customer=customer,
            google_email="owner@example.com",
            gtm_account_id="6000000001",
            gtm_container_id=str(7_100_000_000 + secrets.randbelow(900_000_000)),
            gtm_public_id="GTM-OCT0001",
            ga4_measurement_id="G-OCT0001",
            ads_customer_id="2220000002",
            ads_login_customer_id="1110000001",
        )
        customer.refresh_from_db()
    return customer


def body(customer: Customer, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customer": str(customer.pk),
        "name": "Buy button",
        "type": "button_click",
        "config": {"selector": "button.buy-now"},
        "destinations": ["ga4"],
    }
    data.update(fields)
    return data


def create(tenant: Any, customer: Customer, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(TRACKINGS, body(customer, **fields), format="json")
    assert response.status_code in (201, 202), response.json()
    return response.json()
