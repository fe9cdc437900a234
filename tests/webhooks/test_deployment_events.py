"""Deployments that end tell the organization's webhooks: an injected Google failure becomes a
signed `deployment.failed` (and `tracking.failed`) the receiver verifies; a success becomes
`deployment.succeeded`. Engine runs in-process; the delivery task body runs here too."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.trackings import deploy, make_tracking
from tests.fixtures.webhooks import make_endpoint, verify
from trackings.models import DeploymentStatus
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db

BULK_UPDATE = "tagmanager.accounts.containers.workspaces.bulk_update"


def _deliver_all(tenant: Any) -> None:
    for delivery in WebhookDelivery.objects.filter(organization=tenant.organization):
        deliver_webhook(str(tenant.organization.pk), str(delivery.pk))


def test_a_google_failure_reaches_the_receiver_as_a_signed_deployment_failed(
    alice: Any, engine_customer: Any, google_emulator: Any, receiver: Any
) -> None:
    _, secret = make_endpoint(alice, receiver.url, ["deployment.failed", "tracking.failed"])
    tracking = make_tracking(engine_customer)
    # Two fingerprint conflicts in a row: GTM refuses our change, the deployment fails.
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": BULK_UPDATE, "status": 409, "rate": 1, "count": 2}]}
    )

    failed = deploy(engine_customer)
    _deliver_all(alice)

    assert failed.status == DeploymentStatus.FAILED
    by_event = {r.headers["x-oneclicktag-event"]: r for r in receiver.received}
    assert set(by_event) == {"deployment.failed", "tracking.failed"}
    got = by_event["deployment.failed"]
    assert verify(got.headers["x-oneclicktag-signature"], got.body, secret)
    data = json.loads(got.body)["data"]["deployment"]
    assert data["id"] == str(failed.pk)
    assert data["customer"] == str(engine_customer.pk)
    assert data["status"] == "failed"
    assert data["error"]["code"] == "gtm_fingerprint_conflict"
    tracking_event = json.loads(by_event["tracking.failed"].body)["data"]
    assert tracking_event["tracking"]["id"] == str(tracking.pk)
    assert tracking_event["tracking"]["customer"] == str(engine_customer.pk)
    assert tracking_event["tracking"]["last_error"]


def test_a_success_is_a_deployment_succeeded_and_subscribers_of_failures_hear_nothing(
    alice: Any, engine_customer: Any, receivers: Any
) -> None:
    successes, failures = receivers(), receivers()
    make_endpoint(alice, successes.url, ["deployment.succeeded"])
    make_endpoint(alice, failures.url, ["deployment.failed"])
    make_tracking(engine_customer)

    deployment = deploy(engine_customer)
    _deliver_all(alice)

    assert deployment.status == DeploymentStatus.SUCCEEDED
    [got] = successes.received
    body = json.loads(got.body)
    assert body["type"] == "deployment.succeeded"
    assert body["data"]["deployment"]["gtm_version_id"] == deployment.gtm_version_id
    assert failures.received == []


def test_a_partial_failure_names_the_deployment_and_only_the_tracking_that_failed(
    alice: Any, engine_customer: Any, receiver: Any
) -> None:
    make_endpoint(
        alice, receiver.url, ["deployment.partially_failed", "tracking.failed", "deployment.failed"]
    )
    make_tracking(engine_customer)
    # A parameter reading a variable the container does not have: GTM cannot compile its tag.
    bad = make_tracking(engine_customer, ga4_parameters={"plan": "{{No Such Variable}}"})

    deployment = deploy(engine_customer)
    _deliver_all(alice)

    assert deployment.status == DeploymentStatus.PARTIALLY_FAILED
    bodies = [json.loads(r.body) for r in receiver.received]
    assert sorted(b["type"] for b in bodies) == ["deployment.partially_failed", "tracking.failed"]
    [partial] = [b for b in bodies if b["type"] == "deployment.partially_failed"]
    assert partial["data"]["deployment"]["id"] == str(deployment.pk)
    assert partial["data"]["deployment"]["error"]["code"] == "trackings_failed"
    [failed] = [b for b in bodies if b["type"] == "tracking.failed"]
    assert failed["data"]["tracking"]["id"] == str(bad.pk)
    assert "No Such Variable" in failed["data"]["tracking"]["last_error"]
