from __future__ import annotations

from customers.models import Customer
from tenants.models import AuditEvent, Role

URL = "/api/v1/customers/"


def test_it_creates_a_customer_with_a_slug_made_from_the_name(alice):
    response = alice.client.post(
        URL,
        {"name": "Acme Shoes GmbH", "website_url": "https://acme.example", "tags": ["b2c", "eu"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "acme-shoes-gmbh"
    assert body["status"] == "active"
    assert body["tags"] == ["b2c", "eu"]
    assert body["version"] == 1
    assert body["google_connection_status"] == "not_connected"
    assert body["deleted"] is None


def test_it_numbers_a_generated_slug_the_organization_already_uses(alice):
    first = alice.client.post(
        URL, {"name": "Acme", "website_url": "https://a.example"}, format="json"
    )
    second = alice.client.post(
        URL, {"name": "ACME", "website_url": "https://b.example"}, format="json"
    )
    third = alice.client.post(
        URL, {"name": "acme!", "website_url": "https://c.example"}, format="json"
    )

    assert [r.json()["slug"] for r in (first, second, third)] == ["acme", "acme-2", "acme-3"]


def test_the_same_slug_is_fine_in_another_organization(alice, bob):
    alice.client.post(URL, {"name": "Acme", "website_url": "https://a.example"}, format="json")
    response = bob.client.post(
        URL, {"name": "Acme", "website_url": "https://a.example"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["slug"] == "acme"


def test_it_rejects_an_explicit_slug_the_organization_already_uses(alice):
    alice.client.post(
        URL, {"name": "Acme", "slug": "acme", "website_url": "https://a.example"}, format="json"
    )
    response = alice.client.post(
        URL, {"name": "Other", "slug": "acme", "website_url": "https://b.example"}, format="json"
    )

    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]


def test_it_names_every_invalid_field(alice):
    response = alice.client.post(
        URL,
        {"website_url": "not a url", "status": "sleeping", "tags": ["ok", ""], "slug": "a b"},
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"name", "website_url", "status", "slug"} <= set(fields)
    assert any(key.startswith("tags") for key in fields)


def test_it_refuses_a_customer_beyond_the_organization_limit(alice):
    alice.organization.max_customers = 1
    alice.organization.save(update_fields=["max_customers"])
    assert alice.client.post(
        URL, {"name": "One", "website_url": "https://1.example"}, format="json"
    ).status_code
    response = alice.client.post(
        URL, {"name": "Two", "website_url": "https://2.example"}, format="json"
    )

    assert response.status_code == 400
    assert "limit of 1 customers" in str(response.json()["error"]["fields"])


def test_a_viewer_cannot_create_a_customer(alice):
    response = alice.client_for(Role.VIEWER).post(
        URL, {"name": "Acme", "website_url": "https://a.example"}, format="json"
    )

    assert response.status_code == 403


def test_a_member_api_key_can_create_a_customer(alice):
    response = alice.api_key_client(Role.MEMBER).post(
        URL, {"name": "Acme", "website_url": "https://a.example"}, format="json"
    )

    assert response.status_code == 201


def test_it_needs_credentials(anonymous_client):
    response = anonymous_client.post(
        URL, {"name": "Acme", "website_url": "https://a.example"}, format="json"
    )

    assert response.status_code == 401


def test_creating_leaves_an_audit_event(alice):
    response = alice.client.post(
        URL, {"name": "Acme", "website_url": "https://a.example"}, format="json"
    )

    event = AuditEvent.objects.get(organization=alice.organization, action="customer.create")
    assert event.object_id == response.json()["id"]
    assert event.actor_user == alice.owner
    assert event.before is None
    assert (event.after or {})["slug"] == "acme"
    assert event.request_id == response["X-Request-ID"]


def test_the_same_idempotency_key_twice_creates_one_customer(alice):
    body = {"name": "Acme", "website_url": "https://a.example"}

    first = alice.client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="create-acme-1")
    second = alice.client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="create-acme-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert Customer.objects.filter(organization=alice.organization).count() == 1
    assert AuditEvent.objects.filter(action="customer.create").count() == 1


def test_an_idempotency_key_reused_with_another_body_is_a_conflict(alice):
    alice.client.post(
        URL,
        {"name": "Acme", "website_url": "https://a.example"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    response = alice.client.post(
        URL,
        {"name": "Other", "website_url": "https://a.example"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    assert response.status_code == 409
    assert Customer.objects.filter(organization=alice.organization).count() == 1
