"""The staff admin: every changelist opens, API keys can be revoked, the audit log is
read-only and never shows a secret hash."""

import re

import pytest
from django.test import Client

from customers.models import Customer
from tenants.models import ApiKey, AuditEvent, User
from tests.fixtures.tenants import TenantHandle


@pytest.fixture
def staff(db: None) -> Client:
    # No password: force_login needs none, and hashing one costs seconds per test.
    user = User.objects.create_superuser(email="staff@oneclicktag.example")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["organization", "user", "apikey", "invitation", "auditevent"])
def test_a_staff_user_opens_each_changelist(
    staff: Client, alice: TenantHandle, bob: TenantHandle, model: str
) -> None:
    alice.api_key_client("member")
    alice.client.post("/api/v1/invitations/", {"email": "g@example.com"})
    response = staff.get(f"/admin/tenants/{model}/")
    assert response.status_code == 200
    searched = staff.get(f"/admin/tenants/{model}/?q=alice")
    assert searched.status_code == 200


def test_an_organization_page_shows_members_and_customers(
    staff: Client, alice: TenantHandle
) -> None:
    Customer.objects.create(
        organization=alice.organization,
        name="Shoe Shop",
        slug="shoe-shop",
        website_url="https://shoes.example",
    )
    response = staff.get(f"/admin/tenants/organization/{alice.organization.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "alice@example.com" in content
    assert "Shoe Shop" in content


def test_changing_an_organization_in_the_admin_is_audited(
    staff: Client, alice: TenantHandle
) -> None:
    path = f"/admin/tenants/organization/{alice.organization.pk}/change/"
    page = staff.get(path).content.decode()
    # Post the inline management forms back as rendered.
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden.pop("csrfmiddlewaretoken", None)
    response = staff.post(
        path,
        {**hidden, "name": "Alice Renamed", "max_customers": 5, "max_trackings_per_customer": 50},
    )
    alice.organization.refresh_from_db()
    assert (alice.organization.name, alice.organization.max_customers) == ("Alice Renamed", 5), (
        response.status_code
    )
    event = AuditEvent.objects.get(action="organization.update")
    assert event.actor_label == "staff@oneclicktag.example"


def test_api_keys_list_never_shows_the_hash_and_can_be_revoked(
    staff: Client, alice: TenantHandle
) -> None:
    key = alice.api_key_client("member").api_key
    listing = staff.get("/admin/tenants/apikey/")
    assert key.prefix in listing.content.decode()
    detail = staff.get(f"/admin/tenants/apikey/{key.pk}/change/").content.decode()
    assert key.secret_hash not in detail
    response = staff.post(
        "/admin/tenants/apikey/",
        {"action": "revoke_api_keys", "_selected_action": [str(key.pk)]},
    )
    assert response.status_code == 302
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="api_key.revoke", object_id=str(key.pk)).exists()


def test_the_audit_admin_refuses_changes(staff: Client, alice: TenantHandle) -> None:
    event = AuditEvent.objects.filter(organization=alice.organization).first()
    assert event is not None
    assert staff.get("/admin/tenants/auditevent/add/").status_code == 403
    change = f"/admin/tenants/auditevent/{event.pk}/change/"
    assert staff.get(change).status_code == 200  # view only
    staff.post(change, {"action": "tampered"})
    event.refresh_from_db()
    assert event.action != "tampered"
    assert staff.post(f"/admin/tenants/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_people_outside_staff_are_sent_to_the_login(alice: TenantHandle) -> None:
    response = Client().get("/admin/tenants/organization/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_index_uses_human_names(staff: Client) -> None:
    page = staff.get("/admin/").content.decode()

    for name in (
        "Google sign-in states",
        "API keys",
        "Google connections",
        "GTM container versions",
        "Organizations and people",
        "Trackings and deployments",
    ):
        assert name in page, name
    for raw in ("O auth", "Api keys"):
        assert raw not in page, raw
