"""Which organization a request acts in: X-Organization (id or slug), or the only one."""

from tenants.actors import Actor
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
