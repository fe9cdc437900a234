"""Who gets in: Firebase emulator ID tokens for people, API keys for machines."""

import time

import pytest
from rest_framework.test import APIClient

from tenants.models import User
from tests.fixtures.tenants import TenantHandle, make_id_token


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _assert_unauthenticated(response) -> None:
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] in {"not_authenticated", "authentication_failed"}
    assert error["request_id"] == response["X-Request-ID"]
    assert "WWW-Authenticate" in response


def test_it_refuses_a_request_without_credentials(alice: TenantHandle) -> None:
    _assert_unauthenticated(APIClient().get("/api/v1/members/"))


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "", "eyJhbGciOiJub25lIn0.e30.", "Bearer x"],
    ids=["word", "three-dots", "empty", "empty-claims", "two-parts"],
)
def test_it_refuses_garbage_tokens(alice: TenantHandle, token: str) -> None:
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))


def test_it_refuses_a_token_for_another_project(db: None) -> None:
    token = make_id_token("mallory@example.com", aud="someone-elses-project")
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))
    assert not User.objects.filter(email="mallory@example.com").exists()


def test_it_refuses_a_token_from_another_issuer(db: None) -> None:
    token = make_id_token("mallory@example.com", iss="https://securetoken.google.com/other")
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))


def test_it_refuses_an_expired_token(alice: TenantHandle) -> None:
    past = int(time.time()) - 7200
    token = make_id_token(
        alice.owner.email, uid=alice.owner.firebase_uid, iat=past, auth_time=past, exp=past + 3600
    )
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))


def test_it_refuses_a_token_issued_in_the_future(alice: TenantHandle) -> None:
    token = make_id_token(alice.owner.email, uid=alice.owner.firebase_uid, iat=time.time() + 600)
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))


def test_it_refuses_a_token_without_an_email_for_a_new_person(db: None) -> None:
    token = make_id_token("", uid="uid-ghost")
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))


def test_it_refuses_a_disabled_user(alice: TenantHandle) -> None:
    User.objects.filter(pk=alice.owner.pk).update(is_active=False)
    _assert_unauthenticated(alice.client.get("/api/v1/me"))


def test_an_api_key_authenticates_in_its_organization(alice: TenantHandle) -> None:
    client = alice.api_key_client("viewer")
    response = client.get("/api/v1/members/")
    assert response.status_code == 200
    assert [m["user"]["email"] for m in response.json()["results"]] == ["alice@example.com"]


@pytest.mark.parametrize(
    "header",
    ["Api-Key nonsense", "Api-Key oct_abc", "Api-Key oct_abc_def", "Api-Key", "Api-Key a b"],
)
def test_it_refuses_malformed_or_unknown_api_keys(alice: TenantHandle, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    _assert_unauthenticated(client.get("/api/v1/members/"))


def test_it_refuses_a_key_with_the_right_prefix_and_a_wrong_secret(alice: TenantHandle) -> None:
    good = alice.api_key_client("admin")
    prefix = good.api_key.prefix
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key oct_{prefix}_{'x' * 43}")
    _assert_unauthenticated(client.get("/api/v1/members/"))


def test_a_revoked_api_key_stops_working(alice: TenantHandle) -> None:
    client = alice.api_key_client("admin")
    assert client.get("/api/v1/members/").status_code == 200
    response = alice.client.delete(f"/api/v1/api-keys/{client.api_key.pk}/")
    assert response.status_code == 204
    _assert_unauthenticated(client.get("/api/v1/members/"))


def test_an_api_key_of_a_deleted_organization_stops_working(alice: TenantHandle) -> None:
    client = alice.api_key_client("admin")
    assert alice.client.delete(f"/api/v1/organizations/{alice.organization.pk}/").status_code == 204
    _assert_unauthenticated(client.get("/api/v1/members/"))


def test_an_api_key_records_when_it_was_last_used(alice: TenantHandle) -> None:
    client = alice.api_key_client("viewer")
    assert client.api_key.last_used_at is None
    client.get("/api/v1/members/")
    client.api_key.refresh_from_db()
    assert client.api_key.last_used_at is not None


@pytest.mark.parametrize(
    "claims",
    [
        {"email": ["alice@example.com"]},
        {"email": "not an address"},
        {"sub": 12345},
        {"sub": "u" * 200},
        {"exp": "tomorrow"},
        {"iat": None},
        {"name": {"first": "Eve"}, "email": "eve@example.com"},
    ],
    ids=["email-list", "email-word", "numeric-sub", "long-sub", "text-exp", "no-iat", "odd-name"],
)
def test_odd_claims_are_refused_or_ignored_never_a_crash(db: None, claims: dict) -> None:
    claims = dict(claims)
    token = make_id_token(claims.pop("email", "someone@example.com"), "uid-odd-claims", **claims)
    response = _bearer(token).get("/api/v1/me")
    if "name" in claims:
        assert response.status_code == 200
        assert response.json()["display_name"] == ""
    else:
        _assert_unauthenticated(response)


def test_an_unverified_email_never_takes_over_an_existing_user(db: None) -> None:
    # Issue 13: `email=staff@example.com, email_verified=false` bound the token to the superuser.
    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 20)
    token = make_id_token("staff@example.com", "uid-attacker", email_verified=False)
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))
    staff.refresh_from_db()
    assert staff.firebase_uid in ("", None)
    # The real person (verified) still gets in and is bound.
    real = _bearer(make_id_token("staff@example.com", "uid-real")).get("/api/v1/me")
    assert real.status_code == 200
    staff.refresh_from_db()
    assert staff.firebase_uid == "uid-real"


def test_an_unverified_email_creates_no_user(db: None) -> None:
    token = make_id_token("newcomer@example.com", "uid-newcomer", email_verified=False)
    _assert_unauthenticated(_bearer(token).get("/api/v1/me"))
    missing = make_id_token("newcomer@example.com", "uid-newcomer", email_verified=None)
    _assert_unauthenticated(_bearer(missing).get("/api/v1/me"))
    assert not User.objects.filter(email="newcomer@example.com").exists()


def test_an_unverified_email_never_changes_a_stored_address(alice: TenantHandle) -> None:
    uid = alice.owner.firebase_uid
    token = make_id_token("elsewhere@example.com", uid, email_verified=False)
    response = _bearer(token).get("/api/v1/me")
    # The uid is Firebase's own (signed): still the same person, with the address we know.
    assert response.status_code == 200
    alice.owner.refresh_from_db()
    assert alice.owner.email != "elsewhere@example.com"
    verified = _bearer(make_id_token("elsewhere@example.com", uid)).get("/api/v1/me")
    assert verified.status_code == 200
    alice.owner.refresh_from_db()
    assert alice.owner.email == "elsewhere@example.com"
