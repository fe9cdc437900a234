from rest_framework.test import APIClient

from tests.fixtures.tenants import TenantHandle, make_id_token


def test_me_shows_the_person_and_their_roles(alice: TenantHandle, bob: TenantHandle) -> None:
    response = alice.client.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "alice@example.com"
    assert [(m["organization"]["slug"], m["role"]) for m in body["memberships"]] == [
        ("alice-agency", "owner")
    ]


def test_the_first_valid_token_creates_the_user(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_id_token('newcomer@example.com')}")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "newcomer@example.com"
    assert response.json()["memberships"] == []


def test_a_role_client_is_a_member_with_that_role(alice: TenantHandle) -> None:
    client = alice.client_for("viewer")
    memberships = client.get("/api/v1/me").json()["memberships"]
    assert [m["role"] for m in memberships] == ["viewer"]


def test_an_api_key_has_no_person_behind_it(alice: TenantHandle) -> None:
    response = alice.api_key_client("admin").get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
