"""API keys: the secret is shown once, only its hash is stored, revoking stops it."""

from rest_framework.test import APIClient

from tenants.authentication import hash_api_key_secret
from tenants.models import ApiKey, AuditEvent
from tests.fixtures.tenants import TenantHandle


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(alice: TenantHandle) -> None:
    response = alice.client.post("/api/v1/api-keys/", {"name": "CI", "role": "member"})
    assert response.status_code == 201
    body = response.json()
    prefix, secret = body["key"].split("_", 2)[1:]
    assert body["key"].startswith(f"oct_{body['prefix']}_")
    api_key = ApiKey.objects.get(pk=body["id"])
    assert api_key.prefix == prefix
    assert api_key.secret_hash == hash_api_key_secret(secret)
    assert secret not in api_key.secret_hash
    listed = alice.client.get("/api/v1/api-keys/").json()["results"]
    assert [(k["prefix"], "key" in k) for k in listed] == [(prefix, False)]


def test_a_new_key_works_with_its_role(alice: TenantHandle) -> None:
    body = alice.client.post("/api/v1/api-keys/", {"name": "bot", "role": "viewer"}).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {body['key']}")
    assert client.get("/api/v1/members/").status_code == 200
    assert client.post("/api/v1/api-keys/", {"name": "escalate"}).status_code == 403


def test_revoking_is_audited_and_idempotent(alice: TenantHandle) -> None:
    key = alice.api_key_client("member").api_key
    assert alice.client.delete(f"/api/v1/api-keys/{key.pk}/").status_code == 204
    assert alice.client.delete(f"/api/v1/api-keys/{key.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="api_key.revoke", object_id=str(key.pk)).count() == 1
    listed = alice.client.get("/api/v1/api-keys/?revoked=true").json()["results"]
    assert [k["id"] for k in listed] == [str(key.pk)]


def test_only_an_owner_creates_owner_keys(alice: TenantHandle) -> None:
    admin = alice.client_for("admin")
    assert admin.post("/api/v1/api-keys/", {"name": "x", "role": "owner"}).status_code == 403
    assert alice.client.post("/api/v1/api-keys/", {"name": "x", "role": "owner"}).status_code == 201


def test_missing_fields_are_named(alice: TenantHandle) -> None:
    response = alice.client.post("/api/v1/api-keys/", {"role": "king"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"name", "role"}
