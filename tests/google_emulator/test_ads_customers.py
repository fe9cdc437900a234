"""Which accounts the signed-in user reaches: accessible customers and the manager's clients."""

from __future__ import annotations

from typing import Any

import pytest

from .ads_support import CLIENT, MANAGER, ads_client, search

CLIENTS = (
    "SELECT customer_client.client_customer, customer_client.level, customer_client.manager, "
    "customer_client.descriptive_name, customer_client.id FROM customer_client "
    "WHERE customer_client.level <= 1 ORDER BY customer_client.level"
)


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator, login_customer_id=None)


def test_the_user_directly_reaches_only_the_manager(client: Any) -> None:
    response = client.get_service("CustomerService").list_accessible_customers()

    assert list(response.resource_names) == [f"customers/{MANAGER}"]


def test_the_manager_lists_itself_and_its_client_account(client: Any) -> None:
    rows = [row.customer_client for row in search(client, CLIENTS, customer_id=MANAGER)]

    assert [(r.client_customer, r.level, r.manager, r.descriptive_name, r.id) for r in rows] == [
        (f"customers/{MANAGER}", 0, True, "Example Manager", int(MANAGER)),
        (f"customers/{CLIENT}", 1, False, "Example Client", int(CLIENT)),
    ]
    assert rows[1].resource_name == f"customers/{MANAGER}/customerClients/{CLIENT}"


def test_a_client_account_lists_only_itself(google_emulator: Any) -> None:
    through_manager = ads_client(google_emulator, login_customer_id=MANAGER)

    rows = search(through_manager, CLIENTS, customer_id=CLIENT)

    assert [(r.customer_client.id, r.customer_client.level) for r in rows] == [(int(CLIENT), 0)]
