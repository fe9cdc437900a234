"""Bob's organization never sees or touches Alice's trackings: 404s, empty lists."""

from __future__ import annotations

from tenants.models import AuditEvent, Role
from tests.trackings.api_support import BULK, TRACKINGS, body, create, make_customer
from trackings.models import Deployment, Tracking


def test_bob_cannot_read_update_or_delete_alices_tracking(alice, bob):
    tracking = create(alice, make_customer(alice))
    url = f"{TRACKINGS}{tracking['id']}/"

    assert bob.client.get(url).status_code == 404
    assert bob.client.patch(url, {"name": "Mine"}, format="json").status_code == 404
    assert bob.client.delete(url).status_code == 404
    stored = Tracking.objects.get()
    assert (stored.name, stored.status) == ("Buy button", "pending")


def test_bob_sees_nothing_of_alices_in_lists_filters_or_search(alice, bob):
    customer = make_customer(alice)
    create(alice, customer)

    for params in (
        {},
        {"customer": str(customer.pk)},
        {"search": "buy"},
        {"type": "button_click"},
        {"status": "pending"},
        {"destination": "ga4"},
        {"health": "unchecked"},
        {"ordering": "name"},
        {"ordering": "-updated_at", "customer": str(customer.pk)},
    ):
        response = bob.client.get(TRACKINGS, params)
        assert response.status_code == 200, params
        assert response.json()["results"] == [], params


def test_bob_cannot_create_trackings_for_alices_customer(alice, bob):
    customer = make_customer(alice)

    single = bob.client.post(TRACKINGS, body(customer), format="json")
    bulk = bob.client.post(BULK, {"trackings": [body(customer)]}, format="json")

    assert single.status_code == 400
    assert single.json()["error"]["fields"] == {"customer": ["Customer not found."]}
    assert bulk.status_code == 400
    assert bulk.json()["errors"] == {"0": {"customer": ["Customer not found."]}}
    assert not Tracking.objects.exists()
    assert not Deployment.objects.exists()
    assert not AuditEvent.objects.filter(action="tracking.create").exists()


def test_a_tracking_cannot_be_moved_to_another_organizations_customer(alice, bob):
    alices = make_customer(alice)
    tracking = create(alice, alices)
    bobs = make_customer(bob)

    response = alice.client.patch(
        f"{TRACKINGS}{tracking['id']}/", {"customer": str(bobs.pk)}, format="json"
    )

    assert response.status_code == 400
    assert "customer" in response.json()["error"]["fields"]
    stored = Tracking.objects.get()
    assert (stored.customer_id, stored.organization_id, stored.version) == (
        alices.pk,
        alice.organization.pk,
        1,
    )
    assert not Tracking.objects.filter(customer=bobs).exists()


def test_bobs_api_key_sees_nothing_of_alices_trackings(alice, bob):
    customer = make_customer(alice)
    tracking = create(alice, customer)
    client = bob.api_key_client(Role.ADMIN)

    assert client.get(f"{TRACKINGS}{tracking['id']}/").status_code == 404
    assert (
        client.patch(f"{TRACKINGS}{tracking['id']}/", {"name": "Mine"}, format="json").status_code
        == 404
    )
    assert client.delete(f"{TRACKINGS}{tracking['id']}/").status_code == 404
    listed = client.get(TRACKINGS, {"customer": str(customer.pk)})
    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert Tracking.objects.get().name == "Buy button"
