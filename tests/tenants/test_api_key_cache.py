"""A verified API key is served from the cache, and anything that changes the key or its
organization is honoured on the very next request."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tenants.actors import Actor
from tenants.authentication import ApiKeyAuthentication
from tenants.models import ApiKey, Organization
from tenants.services import organization_delete, organization_update
from tests.fixtures.tenants import TenantHandle

MEMBERS = "/api/v1/members/"


def _queries(client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, [q["sql"] for q in captured.captured_queries]


def test_a_warm_key_reads_no_row_to_authenticate(alice: TenantHandle) -> None:
    client = alice.api_key_client("viewer")
    cold_status, cold = _queries(client, MEMBERS)
    warm_status, warm = _queries(client, MEMBERS)
    assert (cold_status, warm_status) == (200, 200)
    assert any('FROM "tenants_apikey"' in sql for sql in cold)
    assert not any('FROM "tenants_apikey"' in sql for sql in warm)
    # The key's read (and its last_used_at write) are all that is saved: the page is the same.
    assert warm == [sql for sql in cold if '"tenants_apikey"' not in sql]


def test_a_revoked_key_is_refused_on_the_very_next_request(alice: TenantHandle) -> None:
    client = alice.api_key_client("member")
    assert client.get(MEMBERS).status_code == 200
    assert client.get(MEMBERS).status_code == 200  # from the cache now
    assert alice.client.delete(f"/api/v1/api-keys/{client.api_key.pk}/").status_code == 204
    assert client.get(MEMBERS).status_code == 401


def test_a_key_revoked_outside_the_api_is_refused_at_once(alice: TenantHandle) -> None:
    client = alice.api_key_client("member")
    assert client.get(MEMBERS).status_code == 200
    key = ApiKey.objects.get(pk=client.api_key.pk)
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])  # as the admin's form would
    assert client.get(MEMBERS).status_code == 401


def test_a_deleted_key_is_refused_at_once(alice: TenantHandle) -> None:
    client = alice.api_key_client("member")
    assert client.get(MEMBERS).status_code == 200
    ApiKey.objects.get(pk=client.api_key.pk).delete()
    assert client.get(MEMBERS).status_code == 401


def test_a_role_changed_in_the_admin_counts_at_once(alice: TenantHandle) -> None:
    client = alice.api_key_client("admin")
    assert client.get("/api/v1/api-keys/").status_code == 200
    key = ApiKey.objects.get(pk=client.api_key.pk)
    key.role = "viewer"
    key.save(update_fields=["role"])
    assert client.get("/api/v1/api-keys/").status_code == 403


def test_a_deleted_organization_stops_its_keys_at_once(alice: TenantHandle) -> None:
    client = alice.api_key_client("member")
    assert client.get(MEMBERS).status_code == 200
    organization_delete(organization=alice.organization, actor=Actor(user=alice.owner))
    assert client.get(MEMBERS).status_code == 401


def _authenticated_key(raw_key: str) -> ApiKey:
    request = Request(APIRequestFactory().get(MEMBERS, HTTP_AUTHORIZATION=f"Api-Key {raw_key}"))
    authenticated = ApiKeyAuthentication().authenticate(request)
    assert authenticated is not None
    return authenticated[1]


def test_an_organization_changed_by_its_service_is_read_fresh(alice: TenantHandle) -> None:
    client = alice.api_key_client("member")
    assert client.get(MEMBERS).status_code == 200
    assert _authenticated_key(client.raw_key).organization.max_customers == 100
    organization = Organization.objects.get(pk=alice.organization.pk)
    organization_update(
        organization=organization,
        actor=Actor(user=alice.owner),
        expected_version=organization.version,
        name="Renamed",
        max_customers=1,
    )
    fresh = _authenticated_key(client.raw_key).organization
    assert (fresh.name, fresh.max_customers) == ("Renamed", 1)


def test_the_right_prefix_with_a_wrong_secret_is_refused_while_the_key_is_cached(
    alice: TenantHandle,
) -> None:
    client = alice.api_key_client("member")
    assert client.get(MEMBERS).status_code == 200
    forged = client.raw_key[:-4] + ("AAAA" if not client.raw_key.endswith("AAAA") else "BBBB")
    other = client.__class__()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {forged}")
    assert other.get(MEMBERS).status_code == 401


def test_another_organizations_key_stays_in_its_organization(
    alice: TenantHandle, bob: TenantHandle
) -> None:
    client = bob.api_key_client("admin")
    assert client.get(MEMBERS).status_code == 200
    members = client.get(MEMBERS).json()["results"]
    assert {m["user"]["email"] for m in members} == {bob.owner.email}
    assert client.with_organization(str(alice.organization.pk)).get(MEMBERS).status_code == 404
