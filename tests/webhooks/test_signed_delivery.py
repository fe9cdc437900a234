"""A delivery reaches a real receiver signed, with its event id, and is recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.webhooks import make_endpoint, verify
from webhooks.models import DeliveryStatus, WebhookEvent
from webhooks.services import webhook_delivery_attempt, webhook_event_emit

pytestmark = pytest.mark.django_db


def test_the_receiver_gets_a_signed_event_it_can_verify(alice: Any, receiver: Any) -> None:
    _endpoint, secret = make_endpoint(alice, receiver.url, [WebhookEvent.DEPLOYMENT_FAILED])
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk,
        event=WebhookEvent.DEPLOYMENT_FAILED,
        payload={"deployment": {"id": "d-1"}},
    )

    ended = webhook_delivery_attempt(organization_id=alice.organization.pk, delivery_id=delivery.pk)

    assert ended is not None
    [got] = receiver.received
    assert got.path == "/hooks/oneclicktag"
    assert got.headers["x-oneclicktag-event"] == "deployment.failed"
    assert got.headers["x-oneclicktag-delivery"] == str(delivery.event_id)
    assert got.headers["content-type"] == "application/json"
    assert verify(got.headers["x-oneclicktag-signature"], got.body, secret)
    assert not verify(got.headers["x-oneclicktag-signature"], got.body, "whsec_someone-else")
    assert not verify(got.headers["x-oneclicktag-signature"], got.body + b" ", secret)
    body = json.loads(got.body)
    assert body["id"] == str(delivery.event_id)
    assert body["type"] == "deployment.failed"
    assert body["organization"] == str(alice.organization.pk)
    assert body["data"] == {"deployment": {"id": "d-1"}}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.response_status == 200
    assert delivery.response_body == "answered 200"
    assert delivery.latency_ms is not None
    assert delivery.delivered_at is not None


def test_only_endpoints_that_asked_for_the_event_get_it(
    alice: Any, bob: Any, receivers: Any
) -> None:
    wanted, other, bobs = receivers(), receivers(), receivers()
    make_endpoint(alice, wanted.url, [WebhookEvent.DEPLOYMENT_FAILED])
    make_endpoint(alice, other.url, [WebhookEvent.DEPLOYMENT_SUCCEEDED])
    make_endpoint(bob, bobs.url, [WebhookEvent.DEPLOYMENT_FAILED])

    deliveries = webhook_event_emit(
        organization_id=alice.organization.pk, event=WebhookEvent.DEPLOYMENT_FAILED, payload={}
    )
    for delivery in deliveries:
        webhook_delivery_attempt(organization_id=alice.organization.pk, delivery_id=delivery.pk)

    assert len(deliveries) == 1
    assert len(wanted.received) == 1
    assert other.received == []
    assert bobs.received == []


def test_a_delivery_is_not_attempted_under_another_organization(
    alice: Any, bob: Any, receiver: Any
) -> None:
    make_endpoint(alice, receiver.url, [WebhookEvent.DEPLOYMENT_FAILED])
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event=WebhookEvent.DEPLOYMENT_FAILED, payload={}
    )

    assert (
        webhook_delivery_attempt(organization_id=bob.organization.pk, delivery_id=delivery.pk)
        is None
    )
    assert receiver.received == []


def test_an_unknown_event_is_refused_by_the_emitter(alice: Any) -> None:
    with pytest.raises(ValueError, match="Unknown webhook event"):
        webhook_event_emit(organization_id=alice.organization.pk, event="nope", payload={})
