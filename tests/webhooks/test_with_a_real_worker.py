"""End to end with a real Celery worker on the `webhooks` queue: a deployment that Google makes
fail is delivered, signed, to a receiver that first answers 500; the sweep sends the retry and
the worker stops after the success.

The worker consumes only the `webhooks` queue, so it never takes another test's deployments."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.trackings import deploy, make_tracking, wait_for
from tests.fixtures.webhooks import make_endpoint, verify
from trackings.models import DeploymentStatus
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import webhook_deliveries_send_due

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BULK_UPDATE = "tagmanager.accounts.containers.workspaces.bulk_update"


def test_a_failed_deployment_is_delivered_retried_after_a_500_and_then_left_alone(
    alice: Any, engine_customer: Any, google_emulator: Any, receiver: Any, celery_workers: Any
) -> None:
    receiver.answers = [500, 200]
    _, secret = make_endpoint(alice, receiver.url, ["deployment.failed"])
    celery_workers.env["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    celery_workers.start(purge=True, queues="webhooks")
    make_tracking(engine_customer)
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": BULK_UPDATE, "status": 409, "rate": 1, "count": 2}]}
    )

    failed = deploy(engine_customer)

    assert failed.status == DeploymentStatus.FAILED
    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(
            organization=alice.organization, attempts=1, status=DeliveryStatus.PENDING
        ).first(),
        timeout=60,
        what=f"the first attempt\n{celery_workers.logs()}",
    )
    assert delivery.response_status == 500
    # The retry time has come (the test plays the clock); beat's sweep sends it.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhook_deliveries_send_due() == 1
    wait_for(
        lambda: WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SUCCEEDED
        ).exists(),
        timeout=60,
        what=f"the retry\n{celery_workers.logs()}",
    )

    assert webhook_deliveries_send_due() == 0
    assert len(receiver.received) == 2
    for got in receiver.received:
        assert got.headers["x-oneclicktag-event"] == "deployment.failed"
        assert got.headers["x-oneclicktag-delivery"] == str(delivery.event_id)
        assert verify(got.headers["x-oneclicktag-signature"], got.body, secret)
        assert json.loads(got.body)["data"]["deployment"]["id"] == str(failed.pk)
