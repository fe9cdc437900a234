"""Every write leaves an AuditEvent naming the actor, the object, before/after and the request."""

from collections.abc import Callable

import pytest

from tenants.models import AuditEvent, Membership
from tests.fixtures.tenants import TenantClient, TenantHandle, user_client

Write = Callable[[TenantHandle, TenantClient], object]


def _invite(tenant: TenantHandle, client: TenantClient) -> object:
    return client.post("/api/v1/invitations/", {"email": "g@example.com"}, HTTP_X_REQUEST_ID="r-1")


def _revoke_invitation(tenant: TenantHandle, client: TenantClient) -> object:
    pk = tenant.client.post("/api/v1/invitations/", {"email": "g@example.com"}).json()["id"]
    return client.delete(f"/api/v1/invitations/{pk}/", HTTP_X_REQUEST_ID="r-1")


def _create_key(tenant: TenantHandle, client: TenantClient) -> object:
    return client.post("/api/v1/api-keys/", {"name": "ci"}, HTTP_X_REQUEST_ID="r-1")


def _revoke_key(tenant: TenantHandle, client: TenantClient) -> object:
    pk = tenant.api_key_client("viewer").api_key.pk
    return client.delete(f"/api/v1/api-keys/{pk}/", HTTP_X_REQUEST_ID="r-1")


def _change_role(tenant: TenantHandle, client: TenantClient) -> object:
    pk = Membership.objects.get(user=tenant.user_for("member")).pk
    return client.patch(f"/api/v1/members/{pk}/", {"role": "viewer"}, HTTP_X_REQUEST_ID="r-1")


def _remove_member(tenant: TenantHandle, client: TenantClient) -> object:
    pk = Membership.objects.get(user=tenant.user_for("member")).pk
    return client.delete(f"/api/v1/members/{pk}/", HTTP_X_REQUEST_ID="r-1")


def _rename(tenant: TenantHandle, client: TenantClient) -> object:
    path = f"/api/v1/organizations/{tenant.organization.pk}/"
    return client.patch(path, {"name": "Renamed"}, HTTP_X_REQUEST_ID="r-1")


def _delete_organization(tenant: TenantHandle, client: TenantClient) -> object:
    path = f"/api/v1/organizations/{tenant.organization.pk}/"
    return client.delete(path, HTTP_X_REQUEST_ID="r-1")


WRITES: dict[str, tuple[Write, str, bool, bool]] = {
    # name: (write, action, has before, has after)
    "invite": (_invite, "invitation.create", False, True),
    "revoke-invitation": (_revoke_invitation, "invitation.revoke", True, True),
    "create-key": (_create_key, "api_key.create", False, True),
    "revoke-key": (_revoke_key, "api_key.revoke", True, True),
    "change-role": (_change_role, "membership.update", True, True),
    "remove-member": (_remove_member, "membership.delete", True, False),
    "rename": (_rename, "organization.update", True, True),
    "delete-organization": (_delete_organization, "organization.delete", True, True),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_is_audited(alice: TenantHandle, name: str) -> None:
    write, action, has_before, has_after = WRITES[name]
    response = write(alice, alice.client)
    assert response.status_code in (200, 201, 204)  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(request_id="r-1")
    assert event.action == action
    assert event.organization_id == alice.organization.pk
    assert event.actor_user_id == alice.owner.pk
    assert event.actor_label == "alice@example.com"
    assert (event.before is not None) == has_before
    assert (event.after is not None) == has_after
    if has_before and has_after:
        assert event.before != event.after


def test_an_api_key_is_the_recorded_actor(alice: TenantHandle) -> None:
    client = alice.api_key_client("admin")
    client.post("/api/v1/invitations/", {"email": "g@example.com"}, HTTP_X_REQUEST_ID="by-key")
    event = AuditEvent.objects.get(request_id="by-key")
    assert event.actor_api_key_id == client.api_key.pk
    assert event.actor_user_id is None
    assert event.actor_label == f"api-key:{client.api_key.prefix}"


def test_creating_an_organization_audits_it_and_the_owner_membership(
    alice: TenantHandle,
) -> None:
    client = user_client(alice.owner)
    client.post("/api/v1/organizations/", {"name": "New"}, HTTP_X_REQUEST_ID="new-org")
    actions = sorted(
        AuditEvent.objects.filter(request_id="new-org").values_list("action", flat=True)
    )
    assert actions == ["membership.create", "organization.create"]


def test_the_audit_log_filters_by_object_actor_and_time(alice: TenantHandle) -> None:
    key_client = alice.api_key_client("admin")
    key_client.post("/api/v1/invitations/", {"email": "k@example.com"})
    pk = alice.client.post("/api/v1/invitations/", {"email": "o@example.com"}).json()["id"]
    log = alice.client
    by_object = log.get(f"/api/v1/audit-events/?object_type=invitation&object_id={pk}").json()
    assert [e["action"] for e in by_object["results"]] == ["invitation.create"]
    by_key = log.get(f"/api/v1/audit-events/?actor={key_client.api_key.pk}").json()["results"]
    assert [e["actor"]["api_key"] for e in by_key] == [str(key_client.api_key.pk)]
    by_user = log.get(f"/api/v1/audit-events/?actor={alice.owner.pk}").json()["results"]
    assert by_user
    assert all(e["actor"]["user"] == str(alice.owner.pk) for e in by_user)
    future = log.get("/api/v1/audit-events/?created_after=2999-01-01T00:00:00Z").json()
    assert future["results"] == []
    past = log.get("/api/v1/audit-events/?created_before=2000-01-01T00:00:00Z").json()
    assert past["results"] == []
    bad = log.get("/api/v1/audit-events/?created_after=yesterday")
    assert bad.status_code == 400
    assert "created_after" in bad.json()["error"]["fields"]


def test_the_audit_log_paginates_with_cursors(alice: TenantHandle) -> None:
    for index in range(3):
        alice.client.post("/api/v1/invitations/", {"email": f"p{index}@example.com"})
    first = alice.client.get("/api/v1/audit-events/?page_size=2").json()
    assert len(first["results"]) == 2
    assert first["next"]
    second = alice.client.get(first["next"]).json()
    seen = {e["id"] for e in first["results"]} | {e["id"] for e in second["results"]}
    assert len(seen) == len(first["results"]) + len(second["results"])


@pytest.mark.parametrize(
    "moment",
    ["0381-05-29T08:42:34.8+16:52", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"],
    ids=["offset-beyond-postgres", "before-year-one", "after-year-9999"],
)
def test_extreme_time_filters_are_a_400_or_work_never_a_500(
    alice: TenantHandle, moment: str
) -> None:
    from urllib.parse import quote

    response = alice.client.get(f"/api/v1/audit-events/?created_after={quote(moment)}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "created_after" in response.json()["error"]["fields"]
