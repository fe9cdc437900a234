from __future__ import annotations

from customers.models import Customer
from tenants.models import AuditEvent, Role


def url(customer):
    return f"/api/v1/customers/{customer.pk}/"


def test_it_updates_the_given_fields_and_bumps_the_version(alice, make_customer):
    customer = make_customer(alice, name="Acme", tags=["old"])

    response = alice.client.patch(
        url(customer), {"name": "Acme Inc", "tags": ["new"], "version": 1}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["tags"], body["version"]) == ("Acme Inc", ["new"], 2)
    assert body["slug"] == "acme"
    assert response["ETag"] == '"2"'


def test_a_stale_version_is_a_conflict_and_changes_nothing(alice, make_customer):
    customer = make_customer(alice, name="Acme")
    alice.client.patch(url(customer), {"notes": "first", "version": 1}, format="json")

    response = alice.client.patch(url(customer), {"name": "Late", "version": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    customer.refresh_from_db()
    assert (customer.name, customer.notes, customer.version) == ("Acme", "first", 2)
    assert AuditEvent.objects.filter(action="customer.update").count() == 1


def test_a_stale_if_match_header_is_a_conflict(alice, make_customer):
    customer = make_customer(alice)

    stale = alice.client.patch(url(customer), {"notes": "x"}, format="json", HTTP_IF_MATCH='"7"')
    fresh = alice.client.patch(url(customer), {"notes": "y"}, format="json", HTTP_IF_MATCH='"1"')

    assert stale.status_code == 409
    assert fresh.status_code == 200
    assert fresh.json()["notes"] == "y"


def test_it_rejects_a_slug_another_customer_uses(alice, make_customer):
    make_customer(alice, slug="taken")
    customer = make_customer(alice, slug="mine")

    response = alice.client.patch(url(customer), {"slug": "taken"}, format="json")

    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]


def test_a_viewer_cannot_update(alice, make_customer):
    customer = make_customer(alice, name="Acme")

    response = alice.client_for(Role.VIEWER).patch(url(customer), {"name": "X"}, format="json")

    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).name == "Acme"


def test_updating_leaves_an_audit_event_with_before_and_after(alice, make_customer):
    customer = make_customer(alice, name="Acme")

    alice.client.patch(url(customer), {"name": "Acme Inc"}, format="json")

    event = AuditEvent.objects.get(action="customer.update", object_id=str(customer.pk))
    assert (event.before or {})["name"] == "Acme"
    assert (event.after or {})["name"] == "Acme Inc"
    assert (event.after or {})["version"] == 2


def test_a_patch_that_changes_nothing_keeps_the_version(alice, make_customer):
    customer = make_customer(alice, name="Acme")

    response = alice.client.patch(url(customer), {"name": "Acme"}, format="json")

    assert response.json()["version"] == 1
    assert not AuditEvent.objects.filter(action="customer.update").exists()


def test_the_drift_policy_defaults_to_repair_and_takes_only_its_choices(alice, make_customer):
    customer = make_customer(alice)
    assert alice.client.get(url(customer)).json()["drift_policy"] == "repair"

    refused = alice.client.patch(url(customer), {"drift_policy": "ignore"}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["drift_policy"]

    response = alice.client.patch(url(customer), {"drift_policy": "report"}, format="json")
    assert response.status_code == 200, response.json()
    assert Customer.objects.get(pk=customer.pk).drift_policy == "report"
    event = AuditEvent.objects.filter(action="customer.update", object_id=str(customer.pk)).last()
    assert event is not None
    assert event.before is not None
    assert event.after is not None
    assert (event.before["drift_policy"], event.after["drift_policy"]) == ("repair", "report")


def test_time_zone_and_currency_are_validated_and_stored(alice, make_customer):
    customer = make_customer(alice, name="Acme")
    assert (customer.time_zone, customer.currency) == ("Etc/UTC", "USD")

    refused = alice.client.patch(
        url(customer), {"time_zone": "Mars/Olympus", "currency": "EURO"}, format="json"
    )
    assert refused.status_code == 400, refused.json()
    assert set(refused.json()["error"]["fields"]) == {"time_zone", "currency"}
    refused = alice.client.patch(url(customer), {"currency": "XAU"}, format="json")
    assert refused.json()["error"]["fields"] == {
        "currency": ["Not an ISO 4217 currency code (e.g. EUR)."]
    }
    customer.refresh_from_db()
    assert (customer.time_zone, customer.currency, customer.version) == ("Etc/UTC", "USD", 1)

    response = alice.client.patch(
        url(customer), {"time_zone": "Europe/Paris", "currency": "EUR"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["time_zone"], response.json()["currency"]) == ("Europe/Paris", "EUR")


def test_a_new_customer_can_name_its_time_zone_and_currency(alice):
    response = alice.client.post(
        "/api/v1/customers/",
        {"name": "Kyoto", "website_url": "https://kyoto.example", "time_zone": "Asia/Tokyo",
         "currency": "JPY"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert (response.json()["time_zone"], response.json()["currency"]) == ("Asia/Tokyo", "JPY")
    refused = alice.client.post(
        "/api/v1/customers/",
        {"name": "Nowhere", "website_url": "https://x.example", "time_zone": "UTC+2"},
        format="json",
    )
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"time_zone"}
    assert not Customer.objects.filter(name="Nowhere").exists()
