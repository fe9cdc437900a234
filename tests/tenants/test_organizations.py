"""Creating, listing, renaming (with version locking) and soft-deleting organizations."""

from tenants.models import AuditEvent, Membership, Organization
from tests.fixtures.tenants import TenantHandle, user_client


def test_the_creator_becomes_the_owner(alice: TenantHandle) -> None:
    response = user_client(alice.owner).post("/api/v1/organizations/", {"name": "Second Shop"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Second Shop"
    assert body["slug"] == "second-shop"
    assert body["role"] == "owner"
    assert body["version"] == 1
    membership = Membership.objects.get(organization_id=body["id"], user=alice.owner)
    assert membership.role == "owner"


def test_slugs_stay_unique(alice: TenantHandle) -> None:
    client = user_client(alice.owner)
    first = client.post("/api/v1/organizations/", {"name": "Alice Agency"}).json()
    assert first["slug"].startswith("alice-agency-")
    taken = client.post("/api/v1/organizations/", {"name": "X", "slug": "alice-agency"})
    assert taken.status_code == 400
    assert "slug" in taken.json()["error"]["fields"]


def test_a_blank_name_names_the_field(alice: TenantHandle) -> None:
    response = user_client(alice.owner).post("/api/v1/organizations/", {"name": "  "})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["name"]


def test_the_list_holds_my_organizations_with_my_role(
    alice: TenantHandle, bob: TenantHandle
) -> None:
    response = alice.client.get("/api/v1/organizations/")
    assert response.status_code == 200
    assert [(o["slug"], o["role"]) for o in response.json()["results"]] == [
        ("alice-agency", "owner")
    ]


def test_an_owner_renames_with_the_version_read(alice: TenantHandle) -> None:
    path = f"/api/v1/organizations/{alice.organization.pk}/"
    read = alice.client.get(path)
    assert read["ETag"] == '"1"'
    response = alice.client.patch(path, {"name": "Alice & Co", "version": 1})
    assert response.status_code == 200
    assert response.json()["name"] == "Alice & Co"
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    event = AuditEvent.objects.get(action="organization.update")
    assert (event.before or {})["name"] == "Alice Agency"
    assert (event.after or {})["name"] == "Alice & Co"


def test_a_stale_version_is_a_conflict_and_changes_nothing(alice: TenantHandle) -> None:
    path = f"/api/v1/organizations/{alice.organization.pk}/"
    assert alice.client.patch(path, {"name": "First", "version": 1}).status_code == 200
    response = alice.client.patch(path, {"name": "Second", "version": 1})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    organization = Organization.objects.get(pk=alice.organization.pk)
    assert (organization.name, organization.version) == ("First", 2)
    assert AuditEvent.objects.filter(action="organization.update").count() == 1


def test_if_match_works_like_the_version_field(alice: TenantHandle) -> None:
    path = f"/api/v1/organizations/{alice.organization.pk}/"
    stale = alice.client.patch(path, {"name": "Nope"}, HTTP_IF_MATCH='"7"')
    assert stale.status_code == 409
    fresh = alice.client.patch(path, {"name": "Yes"}, HTTP_IF_MATCH='"1"')
    assert fresh.status_code == 200
    malformed = alice.client.patch(path, {"name": "Nope"}, HTTP_IF_MATCH="seven")
    assert malformed.status_code == 400
    assert "If-Match" in malformed.json()["error"]["fields"]
    assert Organization.objects.get(pk=alice.organization.pk).name == "Yes"


def test_a_bad_version_names_the_field(alice: TenantHandle) -> None:
    path = f"/api/v1/organizations/{alice.organization.pk}/"
    response = alice.client.patch(path, {"name": "X", "version": "soon"})
    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]


def test_an_owner_soft_deletes_the_organization(alice: TenantHandle) -> None:
    path = f"/api/v1/organizations/{alice.organization.pk}/"
    assert alice.client.delete(path).status_code == 204
    assert not Organization.objects.filter(pk=alice.organization.pk).exists()
    assert Organization.all_objects.filter(pk=alice.organization.pk).exists()
    assert alice.client.get(path).status_code == 404
    assert user_client(alice.owner).get("/api/v1/organizations/").json()["results"] == []
    event = AuditEvent.objects.get(action="organization.delete")
    assert (event.after or {})["deleted"] is not None


def test_a_no_op_patch_changes_nothing(alice: TenantHandle) -> None:
    # Issue 13: the same name sent back bumped the version and wrote an audit event.
    path = f"/api/v1/organizations/{alice.organization.pk}/"
    response = alice.client.patch(path, {"name": "Alice Agency", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert response["ETag"] == '"1"'
    assert not AuditEvent.objects.filter(action="organization.update").exists()
    # Stale is still stale, even when it would change nothing.
    assert alice.client.patch(path, {"name": "Alice Agency", "version": 7}).status_code == 409
