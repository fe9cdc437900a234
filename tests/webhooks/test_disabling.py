"""An endpoint whose deliveries fail for three days is disabled and its admins are told; one
success resets the clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tenants.models import Role
from tests.fixtures.webhooks import make_endpoint
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_delivery_attempt, webhook_event_emit

pytestmark = pytest.mark.django_db

EVENT = WebhookEvent.DEPLOYMENT_FAILED


def _emit_and_attempt(tenant: Any) -> list[WebhookDelivery]:
    deliveries = webhook_event_emit(organization_id=tenant.organization.pk, event=EVENT, payload={})
    for delivery in deliveries:
        webhook_delivery_attempt(organization_id=tenant.organization.pk, delivery_id=delivery.pk)
    return deliveries


def test_three_days_of_failures_disable_the_endpoint_and_email_its_admins(
    alice: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = alice.user_for(Role.ADMIN)
    member = alice.user_for(Role.MEMBER)
    receiver.answers = [500]
    endpoint, _ = make_endpoint(alice, receiver.url, [EVENT])
    [waiting] = webhook_event_emit(organization_id=alice.organization.pk, event=EVENT, payload={})
    _emit_and_attempt(alice)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert endpoint.failing_since is not None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=3, seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        _emit_and_attempt(alice)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert "3 days" in endpoint.disabled_reason
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.FAILED
    # One message per person, to owners and admins only.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.owner.email, admin.email])
    assert member.email not in [m.to[0] for m in mail.outbox]
    assert all(receiver.url in m.body for m in mail.outbox)
    # Nothing more is sent to it.
    assert _emit_and_attempt(alice) == []


def test_a_success_resets_the_failure_clock(alice: Any, receiver: Any) -> None:
    receiver.answers = [500, 200]
    endpoint, _ = make_endpoint(alice, receiver.url, [EVENT])
    [delivery] = _emit_and_attempt(alice)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    webhook_delivery_attempt(organization_id=alice.organization.pk, delivery_id=delivery.pk)

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_turning_it_back_on_starts_over(alice: Any, receiver: Any) -> None:
    endpoint, _ = make_endpoint(alice, receiver.url, [EVENT])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=timezone.now(), failing_since=timezone.now()
    )

    response = alice.client.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"is_active": True})

    assert response.status_code == 200, response.content
    assert response.json()["disabled_at"] is None
    assert response.json()["failing_since"] is None
    assert len(_emit_and_attempt(alice)) == 1
    assert len(receiver.received) == 1
