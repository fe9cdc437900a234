"""Bob's organization never sees or touches Alice's trackings: 404s, empty lists."""

from __future__ import annotations

from tests.trackings.api_support import BULK, TRACKINGS, body, create, make_customer
from trackings.models import Tracking


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
