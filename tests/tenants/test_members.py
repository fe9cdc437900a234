"""Changing roles and removing members; owners are protected."""

from tenants.models import AuditEvent, Membership
from tests.fixtures.tenants import TenantHandle


def _membership(tenant: TenantHandle, role: str) -> Membership:
    return Membership.objects.get(user=tenant.user_for(role), organization=tenant.organization)


def test_an_admin_changes_a_members_role(alice: TenantHandle) -> None:
    target = _membership(alice, "member")
    response = alice.client_for("admin").patch(
        f"/api/v1/members/{target.pk}/", {"role": "viewer", "version": 1}
    )
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["version"]) == ("viewer", 2)
    event = AuditEvent.objects.get(action="membership.update", object_id=str(target.pk))
    assert ((event.before or {})["role"], (event.after or {})["role"]) == ("member", "viewer")


def test_an_unknown_role_names_the_field(alice: TenantHandle) -> None:
    target = _membership(alice, "member")
    response = alice.client.patch(f"/api/v1/members/{target.pk}/", {"role": "emperor"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["role"]


def test_the_last_owner_can_be_neither_demoted_nor_removed(alice: TenantHandle) -> None:
    owner = Membership.objects.get(user=alice.owner)
    demote = alice.client.patch(f"/api/v1/members/{owner.pk}/", {"role": "admin"})
    assert demote.status_code == 409
    assert "last owner" in demote.json()["error"]["message"]
    assert alice.client.delete(f"/api/v1/members/{owner.pk}/").status_code == 409
    assert Membership.objects.get(pk=owner.pk).role == "owner"


def test_with_a_second_owner_one_may_step_down(alice: TenantHandle) -> None:
    second = _membership(alice, "owner")
    owner = Membership.objects.get(user=alice.owner)
    assert alice.client.patch(f"/api/v1/members/{owner.pk}/", {"role": "admin"}).status_code == 200
    assert Membership.objects.get(pk=second.pk).role == "owner"


def test_only_an_owner_makes_or_unmakes_owners(alice: TenantHandle) -> None:
    admin = alice.client_for("admin")
    member = _membership(alice, "member")
    other_owner = _membership(alice, "owner")
    assert admin.patch(f"/api/v1/members/{member.pk}/", {"role": "owner"}).status_code == 403
    assert admin.patch(f"/api/v1/members/{other_owner.pk}/", {"role": "viewer"}).status_code == 403
    assert admin.delete(f"/api/v1/members/{other_owner.pk}/").status_code == 403
    assert alice.client.patch(f"/api/v1/members/{member.pk}/", {"role": "owner"}).status_code == 200
    assert Membership.objects.get(pk=member.pk).role == "owner"
    assert Membership.objects.get(pk=other_owner.pk).role == "owner"


def test_an_admin_removes_a_member(alice: TenantHandle) -> None:
    target = _membership(alice, "viewer")
    assert alice.client_for("admin").delete(f"/api/v1/members/{target.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=target.pk).exists()
    event = AuditEvent.objects.get(action="membership.delete")
    assert (event.before or {})["role"] == "viewer"
    assert event.after is None


def test_a_stale_membership_version_changes_nothing(alice: TenantHandle) -> None:
    target = _membership(alice, "member")
    path = f"/api/v1/members/{target.pk}/"
    assert alice.client.patch(path, {"role": "viewer", "version": 1}).status_code == 200
    assert alice.client.patch(path, {"role": "admin", "version": 1}).status_code == 409
    assert Membership.objects.get(pk=target.pk).role == "viewer"


def test_members_can_be_searched_filtered_and_ordered(alice: TenantHandle) -> None:
    viewer = alice.user_for("viewer")
    alice.user_for("admin")
    client = alice.client
    by_search = client.get(f"/api/v1/members/?search={viewer.email}").json()["results"]
    assert [m["user"]["email"] for m in by_search] == [viewer.email]
    by_role = client.get("/api/v1/members/?role=admin").json()["results"]
    assert [m["role"] for m in by_role] == ["admin"]
    ordered = client.get("/api/v1/members/?ordering=created_at").json()["results"]
    assert ordered[0]["user"]["email"] == "alice@example.com"
    bad = client.get("/api/v1/members/?role=emperor")
    assert bad.status_code == 400
    assert "role" in bad.json()["error"]["fields"]


def test_setting_the_role_a_member_has_changes_nothing(alice: TenantHandle) -> None:
    target = _membership(alice, "member")
    response = alice.client_for("admin").patch(
        f"/api/v1/members/{target.pk}/", {"role": "member", "version": 1}
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert not AuditEvent.objects.filter(action="membership.update").exists()
    target.refresh_from_db()
    assert target.version == 1
