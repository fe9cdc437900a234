"""Worker metrics reach the web's `/metrics`: with PROMETHEUS_MULTIPROC_DIR shared, a delivery
made by a real Celery worker is counted on the page this process serves.

The worker consumes only the `webhooks` queue, so it never takes another test's deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.trackings import wait_for
from tests.fixtures.webhooks import make_endpoint
from tests.observability.test_metrics import scrape, value
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_delivery_made_by_the_worker_is_counted_on_the_webs_page(
    alice: Any,
    receiver: Any,
    celery_workers: Any,
    anonymous_client: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    celery_workers.env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    celery_workers.env["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    celery_workers.start(purge=True, queues="webhooks")
    settings.PROMETHEUS_MULTIPROC_DIR = str(shared)
    endpoint, _ = make_endpoint(alice, receiver.url, ["deployment.failed"])
    before = scrape(anonymous_client)

    response = alice.client.post(f"/api/v1/webhooks/{endpoint.pk}/ping/")
    assert response.status_code == 202
    wait_for(
        lambda: WebhookDelivery.objects.filter(
            pk=response.json()["id"], status=DeliveryStatus.SUCCEEDED
        ).exists(),
        timeout=60,
        what=f"the worker's delivery\n{celery_workers.logs()}",
    )

    after = scrape(anonymous_client)
    ping = {"event": "ping", "outcome": "succeeded"}
    assert value(before, "oneclicktag_webhook_deliveries_total", **ping) == 0
    assert value(after, "oneclicktag_webhook_deliveries_total", **ping) == 1
    # The page also carries what is read at scrape time.
    assert ("oneclicktag_webhook_deliveries_waiting", ()) in after
