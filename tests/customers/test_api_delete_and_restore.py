from __future__ import annotations

from customers.models import Customer
from tenants.models import AuditEvent, Role
from tests.trackings.api_support import create as create_tracking
from tests.trackings.api_support import make_customer as make_connected_customer
from trackings.models import Deployment, Tracking


def url(customer, suffix=""):
    return f"/api/v1/customers/{customer.pk}/{suffix}"


def test_deleting_hides_the_customer_but_keeps_the_row(alice, make_customer):
    customer = make_customer(alice)

    response = alice.client.delete(url(customer))

    assert response.status_code == 204
    assert alice.client.get(url(customer)).status_code == 404
    assert alice.client.get("/api/v1/customers/").json()["results"] == []
    assert Customer.deleted_objects.filter(pk=customer.pk).exists()


def test_deleted_customers_are_listed_on_request(alice, make_customer):
    customer = make_customer(alice)
    make_customer(alice)
    alice.client.delete(url(customer))

    results = alice.client.get("/api/v1/customers/?deleted=true").json()["results"]

    assert [row["id"] for row in results] == [str(customer.pk)]
    assert results[0]["deleted"] is not None


def test_restore_brings_it_back(alice, make_customer):
    customer = make_customer(alice, name="Acme")
    alice.client.delete(url(customer))

    response = alice.client.post(url(customer, "restore/"))

    assert response.status_code == 200, response.json()
    assert response.json()["deleted"] is None
    assert alice.client.get(url(customer)).json()["name"] == "Acme"


def test_a_live_customer_cannot_be_restored(alice, make_customer):
    customer = make_customer(alice)

    assert alice.client.post(url(customer, "restore/")).status_code == 404


def test_restore_refuses_a_slug_a_live_customer_took_meanwhile(alice, make_customer):
    customer = make_customer(alice, slug="acme")
    alice.client.delete(url(customer))
    make_customer(alice, slug="acme")

    response = alice.client.post(url(customer, "restore/"))

    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]
    assert Customer.deleted_objects.filter(pk=customer.pk).exists()


def test_deleting_with_a_stale_if_match_changes_nothing(alice, make_customer):
    customer = make_customer(alice)

    response = alice.client.delete(url(customer), HTTP_IF_MATCH='"9"')

    assert response.status_code == 409
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_viewer_can_neither_delete_nor_restore(alice, make_customer):
    viewer = alice.client_for(Role.VIEWER)
    live = make_customer(alice)
    deleted = make_customer(alice)
    alice.client.delete(url(deleted))

    assert viewer.delete(url(live)).status_code == 403
    assert viewer.post(url(deleted, "restore/")).status_code == 403
    assert Customer.objects.filter(pk=live.pk).exists()


def test_delete_and_restore_leave_audit_events(alice, make_customer):
    customer = make_customer(alice)

    alice.client.delete(url(customer))
    alice.client.post(url(customer, "restore/"))

    actions = list(
        AuditEvent.objects.filter(object_id=str(customer.pk))
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["customer.create", "customer.delete", "customer.restore"]
    deleted_event = AuditEvent.objects.get(action="customer.delete")
    assert (deleted_event.before or {})["deleted"] is None
    assert (deleted_event.after or {})["deleted"] is not None


def test_deleting_a_connected_customer_queues_the_removal_of_its_trackings(alice):
    customer = make_connected_customer(alice)
    tracking = create_tracking(alice, customer)
    Deployment.objects.update(status="succeeded")

    response = alice.client.delete(url(customer))

    assert response.status_code == 204
    stored = Tracking.objects.get(pk=tracking["id"])
    assert stored.status == "removing"
    removal = Deployment.objects.get(status="queued")
    assert removal.kind == "remove"
    assert removal.requested_tracking_ids == [tracking["id"]]


def test_deleting_an_unconnected_customer_deletes_its_trackings_at_once(alice):
    customer = make_connected_customer(alice, connected=False)
    tracking = create_tracking(alice, customer)

    alice.client.delete(url(customer))

    assert Tracking.deleted_objects.get(pk=tracking["id"]).status == "removed"
    assert not Deployment.objects.exists()


def test_restore_replays_its_answer_for_the_same_idempotency_key(alice, make_customer):
    customer = make_customer(alice)
    alice.client.delete(url(customer))

    first = alice.client.post(url(customer, "restore/"), HTTP_IDEMPOTENCY_KEY="restore-1")
    again = alice.client.post(url(customer, "restore/"), HTTP_IDEMPOTENCY_KEY="restore-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert AuditEvent.objects.filter(action="customer.restore").count() == 1
