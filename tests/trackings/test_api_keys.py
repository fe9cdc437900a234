"""Machines act through API keys with the same rules as people."""

from __future__ import annotations

from tenants.models import AuditEvent, Role
from tests.trackings.api_support import BULK, TRACKINGS, body, make_customer
from trackings.models import Tracking


def test_a_member_key_creates_trackings_and_is_the_audited_actor(alice):
    client = alice.api_key_client(Role.MEMBER)
    customer = make_customer(alice)

    single = client.post(TRACKINGS, body(customer), format="json")
    bulk = client.post(BULK, {"trackings": [body(customer, name="Two")]}, format="json")

    assert (single.status_code, bulk.status_code) == (202, 202)
    events = AuditEvent.objects.filter(action="tracking.create")
    assert events.count() == 2
    assert {event.actor_api_key for event in events} == {client.api_key}
    assert {event.actor_label for event in events} == {f"api-key:{client.api_key.prefix}"}


def test_a_viewer_key_reads_but_cannot_write(alice):
    client = alice.api_key_client(Role.VIEWER)
    customer = make_customer(alice)

    assert client.get(TRACKINGS).status_code == 200
    assert client.post(TRACKINGS, body(customer), format="json").status_code == 403
    assert client.post(BULK, {"trackings": [body(customer)]}, format="json").status_code == 403
    assert not Tracking.objects.exists()


def test_a_key_cannot_reach_another_organizations_customer(alice, bob):
    client = bob.api_key_client(Role.ADMIN)
    customer = make_customer(alice)

    response = client.post(TRACKINGS, body(customer), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"customer": ["Customer not found."]}
