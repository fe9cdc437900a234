from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, GoogleConnection

URL = "/api/v1/customers/"


def count_list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": 200})
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_the_list_costs_the_same_queries_for_1_and_30_customers(alice, make_customer):
    first = make_customer(alice)
    GoogleConnection.objects.create(organization=alice.organization, customer=first)
    count_list_queries(alice.client)  # warm the per-process caches (content types, …)
    with_one, rows = count_list_queries(alice.client)
    assert rows == 1

    for _ in range(29):
        customer = make_customer(alice, tags=["a", "b"])
        GoogleConnection.objects.create(organization=alice.organization, customer=customer)
    with_thirty, rows = count_list_queries(alice.client)

    assert rows == 30
    assert with_thirty == with_one
    # The user with their memberships (one query), the page (its relations joined, not
    # queried per row).
    assert with_one == 2
    assert Customer.objects.count() == 30
