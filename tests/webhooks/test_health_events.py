"""A health check that finds a tracking edited by someone else tells the subscribed endpoint
`tracking.drifted` once; the repair that heals it tells `tracking.repaired`. A tracking that
stays drifted is not announced again, and another organization hears nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from customers.models import DriftPolicy
from tests.fixtures.trackings import deploy, make_tracking, run_queued
from tests.fixtures.webhooks import make_endpoint, verify
from tests.trackings.test_engine_health_check import _check, _edit_in_gtm, _queued_repair
from trackings.models import DeploymentStatus
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db


def _deliver_all(tenant: Any) -> None:
    for delivery in WebhookDelivery.objects.filter(organization=tenant.organization):
        if delivery.status == "pending":
            deliver_webhook(str(tenant.organization.pk), str(delivery.pk))


def _events(receiver: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (r.headers["x-oneclicktag-event"], json.loads(r.body)["data"]) for r in receiver.received
    ]


def _edit_event_name(tracking: Any) -> Any:
    def edit(entities: dict[str, Any]) -> list[dict[str, Any]]:
        changes = []
        for tag in entities["tag"]:
            if str(tracking.pk) in tag.get("notes", ""):
                parameters = [
                    {**p, "value": "hand_edited"} if p["key"] == "eventName" else p
                    for p in tag["parameter"]
                ]
                changes.append({"tag": {**tag, "parameter": parameters}, "changeStatus": "updated"})
        return changes

    return edit


def test_drift_found_then_repaired_reaches_the_subscribed_endpoint(
    alice: Any, bob: Any, engine_customer: Any, receivers: Any
) -> None:
    ours, theirs = receivers(), receivers()
    _, secret = make_endpoint(alice, ours.url, ["tracking.drifted", "tracking.repaired"])
    make_endpoint(bob, theirs.url, ["tracking.drifted", "tracking.repaired"])
    make_tracking(engine_customer, name="Untouched")
    edited = make_tracking(engine_customer, name="Edited")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    _deliver_all(alice)
    assert ours.received == [], "a first deployment is neither drift nor repair"

    _edit_in_gtm(engine_customer, _edit_event_name(edited))
    assert _check(engine_customer).status == DeploymentStatus.SUCCEEDED
    _deliver_all(alice)

    [(event, data)] = _events(ours)
    assert event == "tracking.drifted"
    assert verify(
        ours.received[0].headers["x-oneclicktag-signature"], ours.received[0].body, secret
    )
    assert data["tracking"]["id"] == str(edited.pk)
    assert data["tracking"]["customer"] == str(engine_customer.pk)
    assert data["tracking"]["health"] == "drifted"

    repair = _queued_repair(engine_customer)
    assert repair is not None
    run_queued(engine_customer)
    repair.refresh_from_db()
    assert repair.status == DeploymentStatus.SUCCEEDED
    _deliver_all(alice)

    assert [event for event, _ in _events(ours)] == ["tracking.drifted", "tracking.repaired"]
    repaired = _events(ours)[1][1]["tracking"]
    assert repaired["id"] == str(edited.pk)
    assert repaired["health"] == "healthy"

    assert _check(engine_customer).status == DeploymentStatus.SUCCEEDED
    _deliver_all(alice)
    assert len(ours.received) == 2, "a healthy check after the repair announces nothing"
    assert theirs.received == []


def test_a_tracking_that_stays_drifted_is_announced_once_and_a_check_that_finds_it_fixed_repairs(
    alice: Any, engine_customer: Any, receiver: Any
) -> None:
    engine_customer.drift_policy = DriftPolicy.REPORT
    engine_customer.save(update_fields=["drift_policy"])
    make_endpoint(alice, receiver.url, ["tracking.drifted", "tracking.repaired"])
    edited = make_tracking(engine_customer, name="Edited")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    _edit_in_gtm(engine_customer, _edit_event_name(edited))

    _check(engine_customer)
    _check(engine_customer)
    _deliver_all(alice)

    assert [event for event, _ in _events(receiver)] == ["tracking.drifted"]
    assert _queued_repair(engine_customer) is None, "report-only: nothing repairs it"
