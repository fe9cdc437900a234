"""Which organization a request acts in: X-Organization (id or slug), or the only one."""

from tenants.actors import Actor
from tenants.models import ApiKey, Invitation
from tenants.services import membership_create
from tests.fixtures.tenants import TenantHandle, user_client


def test_a_person_in_one_organization_may_leave_out_the_header(alice: TenantHandle) -> None:
    client = user_client(alice.owner)
    assert client.get("/api/v1/members/").status_code == 200


def test_the_header_may_name_the_organization_by_slug(alice: TenantHandle) -> None:
    client = user_client(alice.owner).with_organization("alice-agency")
    assert client.get("/api/v1/members/").status_code == 200


def test_a_person_in_several_organizations_must_name_one(
    alice: TenantHandle, bob: TenantHandle
) -> None:
    membership_create(
        organization=bob.organization, user=alice.owner, role="viewer", actor=Actor(user=bob.owner)
    )
    response = user_client(alice.owner).get("/api/v1/members/")
    assert response.status_code == 400
    assert "X-Organization" in response.json()["error"]["fields"]
    named = user_client(alice.owner, bob.organization).get("/api/v1/members/")
    assert named.status_code == 200
    assert {m["user"]["email"] for m in named.json()["results"]} == {
        "bob@example.com",
        "alice@example.com",
    }


def test_a_foreign_organization_header_is_a_404(alice: TenantHandle, bob: TenantHandle) -> None:
    response = user_client(alice.owner, bob.organization).get("/api/v1/members/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_slug_is_a_404(alice: TenantHandle) -> None:
    client = user_client(alice.owner).with_organization("nobody-agency")
    assert client.get("/api/v1/members/").status_code == 404


def test_an_api_key_cannot_be_pointed_at_another_organization(
    alice: TenantHandle, bob: TenantHandle
) -> None:
    client = alice.api_key_client("admin")
    response = client.get("/api/v1/members/", HTTP_X_ORGANIZATION=str(bob.organization.pk))
    assert response.status_code == 404


def test_a_person_without_organizations_is_told_to_create_one(db: None) -> None:
    from tests.fixtures.tenants import make_user

    response = user_client(make_user("loner@example.com")).get("/api/v1/members/")
    assert response.status_code == 400
    assert "create one" in response.json()["error"]["fields"]["X-Organization"][0]


def test_an_api_key_pointed_at_another_organization_reads_and_writes_nothing_there(
    alice: TenantHandle, bob: TenantHandle
) -> None:
    client = alice.api_key_client("admin").with_organization("bob-agency")
    invitation = {"email": "guest@example.com", "role": "member"}

    assert client.get("/api/v1/invitations/").status_code == 404
    assert client.post("/api/v1/invitations/", invitation, format="json").status_code == 404
    assert client.post("/api/v1/api-keys/", {"name": "In"}, format="json").status_code == 404
    listed = client.get("/api/v1/organizations/").json()["results"]
    assert [row["id"] for row in listed] == [str(alice.organization.pk)]
    assert client.get(f"/api/v1/organizations/{bob.organization.pk}/").status_code == 404
    assert not Invitation.objects.exists()
    assert not ApiKey.objects.filter(organization=bob.organization).exists()


def test_a_nul_character_in_the_header_is_a_400_naming_it(alice: TenantHandle) -> None:
    for client in (user_client(alice.owner), alice.api_key_client("admin")):
        response = client.with_organization("alice\x00agency").get("/api/v1/members/")
        assert response.status_code == 400
        assert "X-Organization" in response.json()["error"]["fields"]


def test_a_person_in_two_organizations_has_in_each_only_the_role_it_gives(
    alice: TenantHandle, charlie: TenantHandle
) -> None:
    membership_create(
        organization=alice.organization,
        user=charlie.owner,
        role="viewer",
        actor=Actor(user=alice.owner),
    )
    in_alices = user_client(charlie.owner, alice.organization)
    in_charlies = user_client(charlie.owner, charlie.organization)
    invitation = {"email": "guest@example.com", "role": "member"}

    assert in_alices.get("/api/v1/api-keys/").status_code == 403
    assert in_alices.post("/api/v1/invitations/", invitation, format="json").status_code == 403
    assert not Invitation.objects.exists()
    created = in_charlies.post("/api/v1/invitations/", invitation, format="json")
    assert created.status_code == 201
    assert Invitation.objects.get().organization == charlie.organization
    charlie.user_for("member")  # shows in Charlie's list, never in Alice's
    seen_in_alices = {
        m["user"]["email"] for m in in_alices.get("/api/v1/members/").json()["results"]
    }
    assert seen_in_alices == {"alice@example.com", "charlie@example.com"}
