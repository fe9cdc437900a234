"""POST with an Idempotency-Key: one effect, the first answer replayed, another body refused."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from oneclicktag.core.idempotency import idempotency_records_purge
from oneclicktag.core.models import IdempotencyRecord
from oneclicktag.core.tasks import purge_idempotency_records
from tenants.actors import Actor
from tenants.models import ApiKey, AuditEvent, Invitation, Organization
from tenants.services import membership_create
from tests.fixtures.tenants import TenantHandle, user_client


def test_the_same_key_twice_creates_one_object(alice: TenantHandle) -> None:
    body = {"email": "guest@example.com", "role": "member"}
    first = alice.client.post("/api/v1/invitations/", body, HTTP_IDEMPOTENCY_KEY="inv-1")
    second = alice.client.post("/api/v1/invitations/", body, HTTP_IDEMPOTENCY_KEY="inv-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Invitation.objects.count() == 1
    assert AuditEvent.objects.filter(action="invitation.create").count() == 1


def test_a_replay_never_reveals_a_stored_secret(alice: TenantHandle) -> None:
    first = alice.client.post("/api/v1/api-keys/", {"name": "ci"}, HTTP_IDEMPOTENCY_KEY="k")
    second = alice.client.post("/api/v1/api-keys/", {"name": "ci"}, HTTP_IDEMPOTENCY_KEY="k")
    assert first.json()["key"].startswith("oct_")
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["key"] is None
    assert ApiKey.objects.count() == 1
    stored = IdempotencyRecord.objects.get()
    assert first.json()["key"] not in str(stored.response_body)


def test_the_same_key_with_another_body_is_a_conflict(alice: TenantHandle) -> None:
    client = user_client(alice.owner)
    assert (
        client.post("/api/v1/organizations/", {"name": "One"}, HTTP_IDEMPOTENCY_KEY="o").status_code
        == 201
    )
    other = client.post("/api/v1/organizations/", {"name": "Two"}, HTTP_IDEMPOTENCY_KEY="o")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert not Organization.objects.filter(name="Two").exists()


def test_keys_belong_to_their_caller(alice: TenantHandle, bob: TenantHandle) -> None:
    body = {"name": "Shared name"}
    a = user_client(alice.owner).post("/api/v1/organizations/", body, HTTP_IDEMPOTENCY_KEY="same")
    b = user_client(bob.owner).post("/api/v1/organizations/", body, HTTP_IDEMPOTENCY_KEY="same")
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert "Idempotent-Replayed" not in b


def test_a_key_reused_in_another_organization_never_replays_the_first_answer(
    alice: TenantHandle, charlie: TenantHandle
) -> None:
    membership_create(
        organization=alice.organization,
        user=charlie.owner,
        role="admin",
        actor=Actor(user=alice.owner),
    )
    body = {"email": "guest@example.com", "role": "member"}
    first = user_client(charlie.owner, charlie.organization).post(
        "/api/v1/invitations/", body, HTTP_IDEMPOTENCY_KEY="same"
    )
    other = user_client(charlie.owner, alice.organization).post(
        "/api/v1/invitations/", body, HTTP_IDEMPOTENCY_KEY="same"
    )
    assert first.status_code == 201
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert first.json()["id"] not in other.content.decode()
    assert not Invitation.objects.filter(organization=alice.organization).exists()


def test_a_failed_request_is_not_stored_so_it_can_be_corrected(alice: TenantHandle) -> None:
    bad = alice.client.post("/api/v1/api-keys/", {"name": ""}, HTTP_IDEMPOTENCY_KEY="fix-me")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = alice.client.post("/api/v1/api-keys/", {"name": "ok"}, HTTP_IDEMPOTENCY_KEY="fix-me")
    assert good.status_code == 201


def test_an_unreasonable_key_names_the_header(alice: TenantHandle) -> None:
    response = alice.client.post("/api/v1/api-keys/", {"name": "x"}, HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not ApiKey.objects.exists()


def test_without_a_key_every_post_is_new(alice: TenantHandle) -> None:
    alice.client.post("/api/v1/api-keys/", {"name": "x"})
    alice.client.post("/api/v1/api-keys/", {"name": "x"})
    assert ApiKey.objects.count() == 2


def test_expired_records_are_purged_and_the_key_is_free_again(alice: TenantHandle) -> None:
    from datetime import timedelta

    from django.utils import timezone

    alice.client.post("/api/v1/api-keys/", {"name": "x"}, HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_idempotency_records.apply().get() == 1
    assert idempotency_records_purge() == 0
    again = alice.client.post("/api/v1/api-keys/", {"name": "x"}, HTTP_IDEMPOTENCY_KEY="old")
    assert "Idempotent-Replayed" not in again
    assert ApiKey.objects.count() == 2


def test_the_purge_runs_on_the_beat_schedule() -> None:
    from oneclicktag.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "core.purge_idempotency_records" in tasks
    assert "core.purge_idempotency_records" in app.tasks


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_object() -> None:
    from tests.fixtures.tenants import _make_tenant

    tenant = _make_tenant("racer")
    token = tenant.client.token
    results: list[int] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_ORGANIZATION=str(tenant.organization.pk)
        )
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/api-keys/", {"name": "race"}, HTTP_IDEMPOTENCY_KEY="together"
            )
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201, 201, 201, 201]
    assert ApiKey.objects.filter(organization=tenant.organization).count() == 1
    assert AuditEvent.objects.filter(action="api_key.create").count() == 1
