"""Bob never sees, changes or deletes anything of Alice's: another organization's row is a 404
and never shows up in a list, whatever the filters or the search."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tenants.actors import Actor
from tenants.models import ApiKey, AuditEvent, Invitation, Membership, Organization
from tenants.services import invitation_create
from tests.fixtures.tenants import TenantHandle


@dataclass
class Resource:
    path: str
    make: Callable[[TenantHandle], str]  # returns the id of a fresh row of the tenant's
    still_there: Callable[[str], bool]
    patch: dict | None
    deletable: bool
    searches: tuple[str, ...]


def _member(tenant: TenantHandle) -> str:
    user = tenant.user_for("member")
    return str(Membership.objects.get(user=user).pk)


def _invitation(tenant: TenantHandle) -> str:
    created = invitation_create(
        organization=tenant.organization,
        email=f"guest-of-{tenant.name}@example.com",
        role="member",
        actor=Actor(user=tenant.owner),
        actor_role="owner",
    )
    return str(created.invitation.pk)


def _api_key(tenant: TenantHandle) -> str:
    return str(tenant.api_key_client("member").api_key.pk)


def _audit_event(tenant: TenantHandle) -> str:
    return str(
        AuditEvent.objects.filter(organization=tenant.organization).earliest("created_at").pk
    )


RESOURCES = {
    "members": Resource(
        "/api/v1/members/",
        _member,
        lambda pk: Membership.objects.filter(pk=pk, role="member").exists(),
        {"role": "viewer"},
        True,
        ("search=alice", "role=member", "role=owner"),
    ),
    "invitations": Resource(
        "/api/v1/invitations/",
        _invitation,
        lambda pk: Invitation.objects.filter(pk=pk, revoked_at__isnull=True).exists(),
        None,
        True,
        ("search=guest-of-alice", "email=guest-of-alice@example.com", "role=member"),
    ),
    "api-keys": Resource(
        "/api/v1/api-keys/",
        _api_key,
        lambda pk: ApiKey.objects.filter(pk=pk, revoked_at__isnull=True).exists(),
        None,
        True,
        ("search=alice", "role=member", "revoked=false"),
    ),
    "audit-events": Resource(
        "/api/v1/audit-events/",
        _audit_event,
        lambda pk: AuditEvent.objects.filter(pk=pk).exists(),
        None,
        False,
        ("search=organization", "object_type=organization", "actor=alice@example.com"),
    ),
    "organizations": Resource(
        "/api/v1/organizations/",
        lambda tenant: str(tenant.organization.pk),
        lambda pk: Organization.objects.filter(pk=pk, name="Alice Agency").exists(),
        {"name": "Taken over"},
        True,
        ("search=alice",),
    ),
}


@pytest.fixture(params=sorted(RESOURCES))
def resource(request: pytest.FixtureRequest) -> Resource:
    return RESOURCES[request.param]


def test_another_organizations_row_is_not_found(
    alice: TenantHandle, bob: TenantHandle, resource: Resource
) -> None:
    pk = resource.make(alice)
    response = bob.client.get(f"{resource.path}{pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_organizations_row_cannot_be_changed(
    alice: TenantHandle, bob: TenantHandle, resource: Resource
) -> None:
    pk = resource.make(alice)
    if resource.patch is not None:
        assert bob.client.patch(f"{resource.path}{pk}/", resource.patch).status_code == 404
    if resource.deletable:
        assert bob.client.delete(f"{resource.path}{pk}/").status_code == 404
    assert resource.still_there(pk)


def test_another_organizations_rows_never_show_in_lists_filters_or_search(
    alice: TenantHandle, bob: TenantHandle, resource: Resource
) -> None:
    alice_pk = resource.make(alice)
    resource.make(bob)
    # Bob's own row shows, so an empty list is not what makes the test pass.
    mine = bob.client.get(resource.path).json()["results"]
    assert mine
    assert alice_pk not in {row["id"] for row in mine}
    for query in resource.searches:
        response = bob.client.get(f"{resource.path}?{query}")
        assert response.status_code == 200, query
        assert alice_pk not in {row["id"] for row in response.json()["results"]}, query
        assert "alice" not in response.content.decode().lower(), query


def test_an_api_key_sees_only_its_own_organization(
    alice: TenantHandle, bob: TenantHandle, resource: Resource
) -> None:
    alice_pk = resource.make(alice)
    client = bob.api_key_client("admin")
    assert client.get(f"{resource.path}{alice_pk}/").status_code == 404
    assert alice_pk not in {row["id"] for row in client.get(resource.path).json()["results"]}


def test_the_audit_log_filter_by_object_finds_nothing_of_alices(
    alice: TenantHandle, bob: TenantHandle
) -> None:
    response = bob.client.get(f"/api/v1/audit-events/?object_id={alice.organization.pk}")
    assert response.status_code == 200
    assert response.json()["results"] == []
    mine = bob.client.get(f"/api/v1/audit-events/?object_id={bob.organization.pk}")
    assert len(mine.json()["results"]) == 1


def _audit_filters_naming(tenant: TenantHandle) -> tuple[str, ...]:
    """Audit-log queries naming the tenant's owner, an API key and what that key did."""
    client = tenant.api_key_client("admin")
    key = client.api_key.pk
    invitation = client.post("/api/v1/invitations/", {"email": f"by-key@{tenant.name}.example"})
    return (
        f"actor={tenant.owner.pk}",
        f"actor={key}",
        f"object_type=api_key&object_id={key}",
        f"object_id={invitation.json()['id']}",
        f"search={invitation.json()['id']}",
    )


def test_audit_log_filters_naming_alices_people_keys_and_objects_find_nothing(
    alice: TenantHandle, bob: TenantHandle
) -> None:
    alices = _audit_filters_naming(alice)
    bobs = _audit_filters_naming(bob)

    for query in alices:
        response = bob.client.get(f"/api/v1/audit-events/?{query}")
        assert response.status_code == 200, query
        assert response.json()["results"] == [], query
    # The same filters find Bob's own rows, so an empty list is not what makes the test pass.
    for query in bobs:
        assert bob.client.get(f"/api/v1/audit-events/?{query}").json()["results"], query
