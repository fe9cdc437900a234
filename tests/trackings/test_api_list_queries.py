from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.trackings.api_support import BULK, TRACKINGS, body, make_customer


def count_list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(TRACKINGS, {"page_size": 200})
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_the_list_costs_the_same_queries_for_1_and_30_trackings(alice):
    customer = make_customer(alice)
    alice.client.post(BULK, {"trackings": [body(customer)]}, format="json")
    count_list_queries(alice.client)  # warm per-process caches
    with_one, rows = count_list_queries(alice.client)
    assert rows == 1

    others = [make_customer(alice, name=f"C{i}") for i in range(3)]
    items = [body(others[i % 3], name=f"T{i}") for i in range(29)]
    alice.client.post(BULK, {"trackings": items}, format="json")
    with_thirty, rows = count_list_queries(alice.client)

    assert rows == 30
    assert with_thirty == with_one
    # The user with their memberships (one query), the page (its relations joined, not
    # queried per row).
    assert with_one == 2
