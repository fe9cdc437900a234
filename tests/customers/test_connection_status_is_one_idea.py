"""A customer shows one Google connection status wherever it is read: a revoked grant is
`not_connected` on the customer and on its connection alike (API.md)."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import ConnectionStatus, GoogleConnection
from tests.fixtures.google import make_customer


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (ConnectionStatus.CONNECTED, "connected"),
        (ConnectionStatus.NEEDS_RECONNECT, "needs_reconnect"),
        (ConnectionStatus.REVOKED, "not_connected"),
        (None, "not_connected"),
    ],
)
def test_the_customer_and_its_connection_say_the_same(
    alice: Any, stored: str | None, shown: str
) -> None:
    customer = make_customer(alice)
    if stored is not None:
        GoogleConnection.objects.create(
            organization=alice.organization, customer=customer, status=stored
        )
    on_customer = alice.client.get(f"/api/v1/customers/{customer.pk}/").json()
    on_connection = alice.client.get(f"/api/v1/customers/{customer.pk}/google/").json()
    assert on_customer["google_connection_status"] == on_connection["status"] == shown
