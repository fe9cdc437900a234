"""Targets: public addresses only, checked when saved and again right before each attempt; no
redirects followed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.webhooks import make_endpoint
from webhooks.models import DeliveryStatus, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_delivery_attempt, webhook_event_emit

pytestmark = pytest.mark.django_db

EVENTS = [WebhookEvent.DEPLOYMENT_FAILED.value]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://localhost/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
        # Spellings of 127.0.0.1 that the resolver accepts.
        "http://2130706433/hook",
        "http://0x7f000001/hook",
        "http://127.1/hook",
    ],
)
def test_a_private_address_is_refused_when_saved(alice: Any, url: str) -> None:
    response = alice.client.post("/api/v1/webhooks/", {"url": url, "events": EVENTS})

    assert response.status_code == 400, response.content
    assert "url" in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.filter(organization=alice.organization).exists()


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "https://user:pw@example.com/hook", "https:///nohost"],
)
def test_other_bad_urls_are_refused(alice: Any, url: str) -> None:
    response = alice.client.post("/api/v1/webhooks/", {"url": url, "events": EVENTS})

    assert response.status_code == 400, response.content
    assert "url" in response.json()["error"]["fields"]


def test_plain_http_is_refused_where_it_is_not_allowed(alice: Any, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False

    response = alice.client.post(
        "/api/v1/webhooks/", {"url": "http://93.184.215.14/hook", "events": EVENTS}
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["url"] == ["The URL must use https."]


def test_a_public_address_is_accepted(alice: Any) -> None:
    response = alice.client.post(
        "/api/v1/webhooks/", {"url": "https://93.184.215.14/hook", "events": EVENTS}
    )

    assert response.status_code == 201, response.content


def test_the_address_is_checked_again_at_send_time(
    alice: Any, receiver: Any, settings: Any
) -> None:
    make_endpoint(alice, receiver.url, EVENTS)
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event=EVENTS[0], payload={}
    )
    # What was allowed when saved is not any more (the name could resolve elsewhere by now).
    settings.WEBHOOK_ALLOWED_NETWORKS = []

    webhook_delivery_attempt(organization_id=alice.organization.pk, delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.FAILED
    assert "127.0.0.1" in delivery.error
    assert "private, loopback" in delivery.error


def test_redirects_are_not_followed(alice: Any, receivers: Any) -> None:
    first, elsewhere = receivers(), receivers()
    first.answers = [307]
    first.location = elsewhere.url
    make_endpoint(alice, first.url, EVENTS)
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event=EVENTS[0], payload={}
    )

    webhook_delivery_attempt(organization_id=alice.organization.pk, delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert len(first.received) == 1
    assert elsewhere.received == []
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status == 307
    assert "do not follow redirects" in delivery.error
