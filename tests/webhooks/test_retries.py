"""Failed attempts are retried with exponential backoff for more than a day, and stop at the
first success."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.webhooks import make_endpoint, verify
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.services import (
    MAX_ATTEMPTS,
    RETRY_SPAN,
    retry_delay_seconds,
    webhook_delivery_attempt,
    webhook_event_emit,
)

pytestmark = pytest.mark.django_db


def _make_due(delivery: WebhookDelivery) -> None:
    """The test plays the clock: the retry time has come."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def _attempt(delivery: WebhookDelivery) -> WebhookDelivery | None:
    return webhook_delivery_attempt(
        organization_id=delivery.organization_id, delivery_id=delivery.pk
    )


def test_backoff_grows_exponentially_and_spans_more_than_a_day() -> None:
    delays = [retry_delay_seconds(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays[:4] == [60, 180, 540, 1620]
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    assert timedelta(hours=24) <= RETRY_SPAN


def test_it_retries_after_500s_and_stops_after_the_first_success(alice: Any, receiver: Any) -> None:
    receiver.answers = [500, 500, 200]
    _, secret = make_endpoint(alice, receiver.url, [WebhookEvent.DEPLOYMENT_FAILED])
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event=WebhookEvent.DEPLOYMENT_FAILED, payload={}
    )

    before = timezone.now()
    _attempt(delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status == 500
    assert delivery.error == "The receiver answered 500."
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= before + timedelta(seconds=60)
    # Not due yet: a second task for it (the sweep, a duplicate) sends nothing.
    assert _attempt(delivery) is None
    assert len(receiver.received) == 1

    _make_due(delivery)
    _attempt(delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=170)

    _make_due(delivery)
    _attempt(delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 3
    assert delivery.next_attempt_at is None

    _make_due(delivery)
    assert _attempt(delivery) is None
    assert len(receiver.received) == 3
    # Every attempt carries the same event id and a fresh, valid signature.
    assert {r.headers["x-oneclicktag-delivery"] for r in receiver.received} == {
        str(delivery.event_id)
    }
    assert all(
        verify(r.headers["x-oneclicktag-signature"], r.body, secret) for r in receiver.received
    )


def test_it_gives_up_after_the_last_attempt(alice: Any, receiver: Any) -> None:
    receiver.answers = [503]
    make_endpoint(alice, receiver.url, [WebhookEvent.DEPLOYMENT_FAILED])
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event=WebhookEvent.DEPLOYMENT_FAILED, payload={}
    )

    for _ in range(MAX_ATTEMPTS + 2):
        _make_due(delivery)
        _attempt(delivery)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS


def test_a_receiver_that_is_down_counts_as_a_failed_attempt(alice: Any, receivers: Any) -> None:
    # Port 9 (discard) has no listener here: the connection is refused.
    make_endpoint(alice, "http://127.0.0.1:9/hooks", [WebhookEvent.DEPLOYMENT_FAILED])
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event=WebhookEvent.DEPLOYMENT_FAILED, payload={}
    )

    _attempt(delivery)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status is None
    assert "NewConnectionError" in delivery.error or "Connection" in delivery.error


def test_a_host_that_does_not_resolve_now_is_retried(alice: Any) -> None:
    # .invalid never resolves (RFC 2606): like a DNS outage, a failed attempt, not a refusal.
    make_endpoint(alice, "http://hooks.invalid/hooks", [WebhookEvent.DEPLOYMENT_FAILED])
    [delivery] = webhook_event_emit(
        organization_id=alice.organization.pk, event=WebhookEvent.DEPLOYMENT_FAILED, payload={}
    )

    _attempt(delivery)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.error == "The host hooks.invalid does not resolve."
    assert delivery.next_attempt_at is not None
