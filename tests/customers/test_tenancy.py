"""Another organization's customers do not exist for bob: 404 everywhere, nothing in lists."""

from __future__ import annotations

from customers.models import Customer
from tests.fixtures.tenants import user_client

URL = "/api/v1/customers/"


def test_bob_cannot_read_update_delete_or_restore_alices_customer(alice, bob, make_customer):
    live = make_customer(alice, name="Acme")
    deleted = make_customer(alice, name="Gone")
    alice.client.delete(f"{URL}{deleted.pk}/")

    assert bob.client.get(f"{URL}{live.pk}/").status_code == 404
    assert bob.client.patch(f"{URL}{live.pk}/", {"name": "X"}, format="json").status_code == 404
    assert bob.client.delete(f"{URL}{live.pk}/").status_code == 404
    assert bob.client.post(f"{URL}{deleted.pk}/restore/").status_code == 404
    assert Customer.objects.get(pk=live.pk).name == "Acme"
    assert Customer.deleted_objects.filter(pk=deleted.pk).exists()


def test_bob_sees_none_of_alices_customers_in_lists_filters_or_search(alice, bob, make_customer):
    make_customer(alice, name="Acme", tags=["vip"], status="paused")
    deleted = make_customer(alice, name="Acme Old")
    alice.client.delete(f"{URL}{deleted.pk}/")

    for params in (
        {},
        {"search": "acme"},
        {"tag": "vip"},
        {"status": "paused"},
        {"deleted": 1},
        {"ordering": "name"},
        {"ordering": "-name", "deleted": 1},
    ):
        response = bob.client.get(URL, params)
        assert response.status_code == 200
        assert response.json()["results"] == [], params


def test_bob_cannot_reach_alices_organization_by_header(alice, bob, make_customer):
    make_customer(alice)

    bob_in_alices_organization = user_client(bob.owner, alice.organization)

    response = bob_in_alices_organization.get(URL)

    assert response.status_code == 404


def test_bobs_api_key_cannot_reach_alices_customer(alice, bob, make_customer):
    customer = make_customer(alice, name="Acme")
    client = bob.api_key_client("admin")

    assert client.get(f"{URL}{customer.pk}/").status_code == 404
    assert client.patch(f"{URL}{customer.pk}/", {"name": "X"}, format="json").status_code == 404
    assert client.delete(f"{URL}{customer.pk}/").status_code == 404
    assert client.get(URL, {"search": "acme"}).json()["results"] == []
    assert Customer.objects.get(pk=customer.pk).name == "Acme"
