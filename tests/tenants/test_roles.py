"""Viewers read; admins manage members, invitations and API keys; owners rename and delete the
organization. A role that is too low gets 403 and nothing changes."""

import pytest

from tenants.models import ApiKey, AuditEvent, Invitation, Membership, Organization
from tests.fixtures.tenants import TenantHandle


def _writes(tenant: TenantHandle) -> list[tuple[str, str, dict | None]]:
    member = Membership.objects.get(organization=tenant.organization, user=tenant.owner)
    key = tenant.api_key_client("viewer").api_key
    return [
        ("post", "/api/v1/invitations/", {"email": "new@example.com", "role": "member"}),
        ("post", "/api/v1/api-keys/", {"name": "ci", "role": "member"}),
        ("patch", f"/api/v1/members/{member.pk}/", {"role": "viewer"}),
        ("delete", f"/api/v1/members/{member.pk}/", None),
        ("delete", f"/api/v1/api-keys/{key.pk}/", None),
        ("patch", f"/api/v1/organizations/{tenant.organization.pk}/", {"name": "Renamed"}),
        ("delete", f"/api/v1/organizations/{tenant.organization.pk}/", None),
    ]


def _snapshot() -> tuple:
    return (
        Invitation.objects.count(),
        ApiKey.objects.filter(revoked_at__isnull=True).count(),
        sorted(Membership.objects.values_list("role", flat=True)),
        sorted(Organization.objects.values_list("name", flat=True)),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_viewers_and_members_cannot_manage_the_organization(alice: TenantHandle, role: str) -> None:
    client = alice.client_for(role)
    writes = _writes(alice)
    before = _snapshot()
    for method, path, body in writes:
        response = getattr(client, method)(path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["error"]["code"] == "permission_denied"
    assert _snapshot() == before


def test_a_viewer_api_key_cannot_write(alice: TenantHandle) -> None:
    client = alice.api_key_client("viewer")
    writes = _writes(alice)
    before = _snapshot()
    for method, path, body in writes:
        assert getattr(client, method)(path, body).status_code == 403, (method, path)
    assert _snapshot() == before


def test_admins_cannot_rename_or_delete_the_organization(alice: TenantHandle) -> None:
    client = alice.client_for("admin")
    path = f"/api/v1/organizations/{alice.organization.pk}/"
    assert client.patch(path, {"name": "Mine now"}).status_code == 403
    assert client.delete(path).status_code == 403
    assert Organization.objects.get(pk=alice.organization.pk).name == "Alice Agency"


def test_admins_manage_invitations_and_api_keys(alice: TenantHandle) -> None:
    client = alice.client_for("admin")
    assert client.post("/api/v1/invitations/", {"email": "x@example.com"}).status_code == 201
    assert client.post("/api/v1/api-keys/", {"name": "ci"}).status_code == 201
    assert client.get("/api/v1/invitations/").status_code == 200
    assert client.get("/api/v1/api-keys/").status_code == 200


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_everyone_reads_the_members_but_only_admins_read_keys_invitations_and_audit(
    alice: TenantHandle, role: str
) -> None:
    client = alice.client_for(role)
    assert client.get("/api/v1/members/").status_code == 200
    assert client.get(f"/api/v1/organizations/{alice.organization.pk}/").status_code == 200
    for path in ("/api/v1/api-keys/", "/api/v1/invitations/", "/api/v1/audit-events/"):
        assert client.get(path).status_code == 403, path


def test_an_api_key_cannot_create_organizations(alice: TenantHandle) -> None:
    client = alice.api_key_client("owner")
    response = client.post("/api/v1/organizations/", {"name": "Shadow"})
    assert response.status_code == 403
    assert not Organization.objects.filter(name="Shadow").exists()
