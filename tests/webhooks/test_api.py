"""The webhooks API: admins and up; the secret shown once; deliveries listed and redelivered;
another organization sees nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tenants.models import AuditEvent, Role
from tests.fixtures.webhooks import make_endpoint
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_delivery_attempt, webhook_event_emit

pytestmark = pytest.mark.django_db

EVENTS = ["deployment.failed", "google.needs_reconnect"]


def test_an_admin_registers_an_endpoint_and_sees_the_secret_once(alice: Any, receiver: Any) -> None:
    client = alice.client_for(Role.ADMIN)

    created = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": EVENTS, "description": "ops"},
        HTTP_IDEMPOTENCY_KEY="hook-1",
    )
    replayed = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": EVENTS, "description": "ops"},
        HTTP_IDEMPOTENCY_KEY="hook-1",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == EVENTS
    assert body["is_active"] is True
    assert replayed.status_code == 201
    assert replayed.json()["id"] == body["id"]
    assert replayed.json()["secret"] is None
    assert WebhookEndpoint.objects.filter(organization=alice.organization).count() == 1
    assert AuditEvent.objects.filter(
        organization=alice.organization, action="webhook_endpoint.create"
    ).exists()
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [item["id"] for item in listed] == [body["id"]]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_members_and_viewers_cannot_see_or_register_endpoints(
    alice: Any, receiver: Any, role: str
) -> None:
    client = alice.client_for(role)

    assert client.get("/api/v1/webhooks/").status_code == 403
    created = client.post("/api/v1/webhooks/", {"url": receiver.url, "events": EVENTS})
    assert created.status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "https://93.184.215.14/h", "events": ["deployment.exploded"]}, "events"),
        ({"url": "https://93.184.215.14/h", "events": []}, "events"),
        ({"url": "not a url", "events": EVENTS}, "url"),
        ({"events": EVENTS}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(alice: Any, payload: Any, field: str) -> None:
    response = alice.client.post("/api/v1/webhooks/", payload)

    assert response.status_code == 400, response.content
    # List items are named by position (`events.0`), as everywhere in the API.
    assert any(name.split(".")[0] == field for name in response.json()["error"]["fields"])
    assert not WebhookEndpoint.objects.filter(organization=alice.organization).exists()


def test_patch_changes_events_and_delete_keeps_the_history(alice: Any, receiver: Any) -> None:
    endpoint, _ = make_endpoint(alice, receiver.url, EVENTS)
    webhook_event_emit(organization_id=alice.organization.pk, event="deployment.failed", payload={})

    patched = alice.client.patch(
        f"/api/v1/webhooks/{endpoint.pk}/", {"events": ["deployment.succeeded"]}
    )
    deleted = alice.client.delete(f"/api/v1/webhooks/{endpoint.pk}/")

    assert patched.status_code == 200, patched.content
    assert patched.json()["events"] == ["deployment.succeeded"]
    assert deleted.status_code == 204
    assert alice.client.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert WebhookDelivery.objects.filter(endpoint_id=endpoint.pk).count() == 1
    assert (
        webhook_event_emit(
            organization_id=alice.organization.pk, event="deployment.succeeded", payload={}
        )
        == []
    )


def test_deliveries_are_listed_and_one_is_redelivered_with_the_same_event_id(
    alice: Any, receiver: Any
) -> None:
    endpoint, _ = make_endpoint(alice, receiver.url, EVENTS)
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event="deployment.failed", payload={"n": 1}
    )
    webhook_delivery_attempt(organization_id=alice.organization.pk, delivery_id=delivery.pk)

    listed = alice.client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
    redelivered = alice.client.post(
        f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/"
    )

    assert listed.status_code == 200
    [item] = listed.json()["results"]
    assert item["status"] == "succeeded"
    assert item["attempts"] == 1
    assert item["response_status"] == 200
    assert item["latency_ms"] is not None
    assert redelivered.status_code == 202, redelivered.content
    copy = WebhookDelivery.objects.get(pk=redelivered.json()["id"])
    assert copy.event_id == delivery.event_id
    assert copy.redelivery_of_id == delivery.pk
    assert copy.payload == delivery.payload
    webhook_delivery_attempt(organization_id=alice.organization.pk, delivery_id=copy.pk)
    assert [r.headers["x-oneclicktag-delivery"] for r in receiver.received] == [
        str(delivery.event_id)
    ] * 2
    only_pending = alice.client.get(
        f"/api/v1/webhooks/{endpoint.pk}/deliveries/", {"status": "pending"}
    )
    assert only_pending.json()["results"] == []
    bad = alice.client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/", {"status": "nope"})
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]


def test_a_ping_reaches_the_endpoint_whatever_events_it_chose(alice: Any, receiver: Any) -> None:
    endpoint, _ = make_endpoint(alice, receiver.url, ["tracking.drifted"])

    response = alice.client.post(f"/api/v1/webhooks/{endpoint.pk}/ping/")

    assert response.status_code == 202, response.content
    assert response.json()["event"] == "ping"
    webhook_delivery_attempt(
        organization_id=alice.organization.pk, delivery_id=response.json()["id"]
    )
    assert receiver.received[0].headers["x-oneclicktag-event"] == "ping"


class TestAnotherOrganization:
    """Bob sees nothing of Alice's endpoints or deliveries: every path answers 404."""

    @pytest.fixture
    def alices(self, alice: Any, receiver: Any) -> tuple[WebhookEndpoint, WebhookDelivery]:
        endpoint, _ = make_endpoint(alice, receiver.url, EVENTS)
        [delivery] = webhook_event_emit(
            organization_id=alice.organization.pk, event="deployment.failed", payload={}
        )
        return endpoint, delivery

    def test_list_is_empty(self, bob: Any, alices: Any) -> None:
        assert bob.client.get("/api/v1/webhooks/").json()["results"] == []

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "{e}/"),
            ("patch", "{e}/"),
            ("delete", "{e}/"),
            ("post", "{e}/rotate-secret/"),
            ("post", "{e}/ping/"),
            ("get", "{e}/deliveries/"),
            ("post", "{e}/deliveries/{d}/redeliver/"),
        ],
    )
    def test_every_path_is_a_404(
        self, bob: Any, alices: Any, method: str, path: str, receiver: Any
    ) -> None:
        endpoint, delivery = alices
        url = "/api/v1/webhooks/" + path.format(e=endpoint.pk, d=delivery.pk)

        response = getattr(bob.client, method)(url, {"events": ["tracking.failed"]})

        assert response.status_code == 404, response.content
        endpoint.refresh_from_db()
        assert endpoint.events == EVENTS
        assert endpoint.deleted is None
        assert WebhookDelivery.objects.filter(organization=alice_org(endpoint)).count() == 1
        assert receiver.received == []

    def test_a_delivery_cannot_be_redelivered_through_ones_own_endpoint(
        self, bob: Any, alices: Any, receivers: Any
    ) -> None:
        _, delivery = alices
        bobs_endpoint, _ = make_endpoint(bob, receivers().url, EVENTS)

        response = bob.client.post(
            f"/api/v1/webhooks/{bobs_endpoint.pk}/deliveries/{delivery.pk}/redeliver/"
        )

        assert response.status_code == 404
        assert not WebhookDelivery.objects.filter(organization=bob.organization).exists()

    def test_an_event_of_one_organization_never_reaches_another(
        self, alice: Any, bob: Any, alices: Any, receivers: Any
    ) -> None:
        make_endpoint(bob, receivers().url, EVENTS)

        assert (
            webhook_event_emit(
                organization_id=alice.organization.pk, event="google.needs_reconnect", payload={}
            )[0].organization_id
            == alice.organization.pk
        )
        assert not WebhookDelivery.objects.filter(organization=bob.organization).exists()
        assert DeliveryStatus.PENDING in WebhookDelivery.objects.filter(
            organization=alice.organization
        ).values_list("status", flat=True)


def alice_org(endpoint: WebhookEndpoint) -> Any:
    return endpoint.organization_id
