from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import AuditEvent, Role
from tests.trackings.api_support import BULK, body, make_customer
from trackings.models import Deployment, Tracking


def test_bulk_creates_everything_with_one_deployment_per_customer(alice):
    first, second = make_customer(alice, name="One"), make_customer(alice, name="Two")
    items = [body(first, name=f"One {i}") for i in range(3)] + [body(second, name="Two 0")]

    response = alice.client.post(BULK, {"trackings": items}, format="json")

    assert response.status_code == 202, response.json()
    answer = response.json()
    assert [t["name"] for t in answer["trackings"]] == ["One 0", "One 1", "One 2", "Two 0"]
    assert len(answer["deployments"]) == 2
    assert {d["customer"] for d in answer["deployments"]} == {str(first.pk), str(second.pk)}
    assert Tracking.objects.count() == 4
    assert AuditEvent.objects.filter(action="tracking.create").count() == 4
    first_deployment = Deployment.objects.get(customer=first)
    assert len(first_deployment.requested_tracking_ids) == 3


def test_one_bad_item_creates_nothing_and_names_it_by_index(alice):
    customer = make_customer(alice)
    items = [body(customer) for _ in range(5)]
    items[3] = body(customer, config={})
    items[4] = body(customer, ga4_event_name="9lives")

    response = alice.client.post(BULK, {"trackings": items}, format="json")

    assert response.status_code == 400
    answer = response.json()
    assert answer["errors"] == {
        "3": {"config.selector": ["This field is required."]},
        "4": {"ga4_event_name": [answer["errors"]["4"]["ga4_event_name"][0]]},
    }
    assert "trackings.3.config.selector" in answer["error"]["fields"]
    assert answer["error"]["code"] == "validation_error"
    assert not Tracking.objects.exists()
    assert not Deployment.objects.exists()
    assert not AuditEvent.objects.filter(action="tracking.create").exists()


def test_an_item_with_a_shape_error_is_reported_too(alice):
    customer = make_customer(alice)

    response = alice.client.post(
        BULK, {"trackings": [body(customer), {"name": "x"}]}, format="json"
    )

    assert response.status_code == 400
    assert {"customer", "type"} <= set(response.json()["errors"]["1"])


def test_a_foreign_customer_is_an_item_error(alice, bob):
    mine = make_customer(alice)
    bobs = make_customer(bob)

    response = alice.client.post(BULK, {"trackings": [body(mine), body(bobs)]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"1": {"customer": ["Customer not found."]}}
    assert not Tracking.objects.exists()


def test_it_takes_at_most_500_items(alice):
    customer = make_customer(alice)

    response = alice.client.post(BULK, {"trackings": [body(customer)] * 501}, format="json")
    empty = alice.client.post(BULK, {"trackings": []}, format="json")

    assert response.status_code == 400
    assert "trackings" in response.json()["error"]["fields"]
    assert empty.status_code == 400


def test_the_customer_limit_counts_the_whole_batch(alice):
    alice.organization.max_trackings_per_customer = 3
    alice.organization.save(update_fields=["max_trackings_per_customer"])
    customer = make_customer(alice)

    response = alice.client.post(BULK, {"trackings": [body(customer)] * 4}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"0", "1", "2", "3"}


def test_a_viewer_cannot_bulk_create(alice):
    customer = make_customer(alice)

    response = alice.client_for(Role.VIEWER).post(
        BULK, {"trackings": [body(customer)]}, format="json"
    )

    assert response.status_code == 403


def test_the_same_idempotency_key_twice_creates_the_batch_once(alice):
    customer = make_customer(alice)
    payload = {"trackings": [body(customer), body(customer, name="Two")]}

    first = alice.client.post(BULK, payload, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    again = alice.client.post(BULK, payload, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")

    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json() == again.json()
    assert Tracking.objects.count() == 2


def count_bulk_queries(client, customers, n):
    items = [body(customers[i % len(customers)], name=f"T{i}") for i in range(n)]
    with CaptureQueriesContext(connection) as captured:
        response = client.post(BULK, {"trackings": items}, format="json")
    assert response.status_code == 202, response.json()
    return len(captured)


def test_bulk_costs_the_same_queries_for_5_and_50_items(alice):
    customers = [make_customer(alice, name="One"), make_customer(alice, name="Two")]
    count_bulk_queries(alice.client, customers, 2)  # warm per-process caches

    five = count_bulk_queries(alice.client, customers, 5)
    fifty = count_bulk_queries(alice.client, customers, 50)

    assert five == fifty, (five, fifty)
    # Was 17: joining each customer's queued deployment took a savepoint and rewrote its
    # whole list of requested trackings; now it inserts the new rows (and the answer reads them).
    # 16 since one more reads the customers' wanted trackings to check the container size;
    # 17 since one more keeps the size measured (one UPDATE for all the customers), so reading
    # the connection compiles nothing; 16 since the user and their memberships are one query;
    # 15 since the size check judges the rows just inserted instead of reading them again;
    # 12 since the customers are read and locked in one statement (not a read, then a lock)
    # and a customer's queued deployment reads its requested trackings back in the statement
    # that adds the new ones (the answer shows them); 10 since the customers' queued
    # deployments are locked in one read and joined in one statement, not two per customer;
    # 11 since the customers are read, then locked and read again after the inserts (writers
    # of the same customers take turns only for the count, sizes and deployments); 9 since
    # the lock counts the new trackings into each customer's kept trackings and grows the
    # stored sizes in the same statement (no count, no second read of the customers); 8 since
    # the queued deployments are locked, joined and read back in one statement.
    assert five == 8, five
    assert Tracking.objects.count() == 57


def test_bulk_costs_the_same_queries_for_2_and_10_customers_with_queued_deployments(alice):
    customers = [make_customer(alice, name=f"C{i}") for i in range(10)]
    # Each customer's deployment queued by a first write.
    count_bulk_queries(alice.client, customers, 10)

    two = count_bulk_queries(alice.client, customers[:2], 20)
    ten = count_bulk_queries(alice.client, customers, 20)

    # The customers read, the trackings and audit events inserted, the customers locked with
    # their kept counts and sizes grown (one statement), every queued deployment locked with
    # every request added and read back (one statement): nothing per customer.
    assert two == ten == 8, (two, ten)
    queued = Deployment.objects.filter(status="queued")
    assert queued.count() == 10
    # 1 + 2 trackings each, and 10 more for the first two customers.
    assert sorted(len(d.requested_tracking_ids) for d in queued) == [3] * 8 + [13] * 2
