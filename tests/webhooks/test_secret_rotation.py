"""Rotating the secret: the new one is shown once; both sign for a day, then only the new one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.webhooks import make_endpoint, verify
from webhooks.models import WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_delivery_attempt, webhook_event_emit

pytestmark = pytest.mark.django_db

EVENT = WebhookEvent.DEPLOYMENT_SUCCEEDED


def _send(tenant: Any) -> None:
    [delivery] = webhook_event_emit(organization_id=tenant.organization.pk, event=EVENT, payload={})
    webhook_delivery_attempt(organization_id=tenant.organization.pk, delivery_id=delivery.pk)


def test_both_secrets_sign_until_the_old_one_expires(alice: Any, receiver: Any) -> None:
    endpoint, old_secret = make_endpoint(alice, receiver.url, [EVENT])

    response = alice.client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/")

    assert response.status_code == 200, response.content
    new_secret = response.json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != old_secret
    assert response.json()["previous_secret_expires_at"] is not None
    _send(alice)
    during = receiver.received[-1]
    assert during.headers["x-oneclicktag-signature"].count("v1=") == 2
    assert verify(during.headers["x-oneclicktag-signature"], during.body, old_secret)
    assert verify(during.headers["x-oneclicktag-signature"], during.body, new_secret)

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    _send(alice)
    after = receiver.received[-1]
    assert after.headers["x-oneclicktag-signature"].count("v1=") == 1
    assert not verify(after.headers["x-oneclicktag-signature"], after.body, old_secret)
    assert verify(after.headers["x-oneclicktag-signature"], after.body, new_secret)


def test_the_secret_is_stored_encrypted_and_never_listed(alice: Any, receiver: Any) -> None:
    endpoint, secret = make_endpoint(alice, receiver.url, [EVENT])

    listed = alice.client.get("/api/v1/webhooks/").content.decode()
    detail = alice.client.get(f"/api/v1/webhooks/{endpoint.pk}/").content.decode()

    assert secret not in listed
    assert "secret" not in alice.client.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert secret not in detail
    endpoint.refresh_from_db()
    assert secret not in endpoint.secret_encrypted
