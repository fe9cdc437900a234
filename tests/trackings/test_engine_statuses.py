"""Honest statuses: a deployment says what happened. Partly failed is never `succeeded`; progress
only grows and its total is fixed once planned; each run that reached Google is one attempt."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import GoogleConnection
from tests.fixtures.trackings import SYSTEM, deploy, live_version, make_tracking
from trackings.engine import deployment_run
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue, deployment_retry

pytestmark = pytest.mark.django_db

PUBLISH = "tagmanager.accounts.containers.versions.publish"


def _run_once(deployment: Deployment) -> Deployment:
    Deployment.objects.filter(pk=deployment.pk).update(not_before=None)
    deployment_run(organization_id=deployment.organization_id, deployment_id=deployment.pk)
    deployment.refresh_from_db()
    return deployment


def test_a_publish_google_keeps_refusing_requeues_and_progress_never_goes_back(
    engine_customer: Any, google_emulator: Any
) -> None:
    for index in range(5):
        make_tracking(engine_customer, name=f"Button {index}", config={"selector": f"#b{index}"})
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    # Publishing answers 503 more often than a run retries in place: the run ends, requeued.
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": PUBLISH, "status": 503, "count": 5}]}
    )

    first = _run_once(deployment)

    assert first.status == DeploymentStatus.QUEUED
    assert first.attempts == 1
    assert first.progress_total > 0
    seen = (first.progress_done, first.progress_total)
    google_emulator.configure({"faults": []})

    second = _run_once(deployment)

    assert second.status == DeploymentStatus.SUCCEEDED, second.error_message
    assert second.attempts == 2, "each run is one attempt"
    assert second.progress_total == seen[1], "the total is fixed when planning ends"
    assert second.progress_done == second.progress_total >= seen[0]
    assert live_version(engine_customer)["containerVersionId"] == second.gtm_version_id
    assert set(
        Tracking.objects.filter(customer=engine_customer).values_list("status", flat=True)
    ) == {TrackingStatus.LIVE}


def test_a_partly_failed_deployment_names_each_failure_and_the_version_published(
    engine_customer: Any,
) -> None:
    good = make_tracking(engine_customer)
    # Ads destinations without an Ads account: that tracking cannot go live, the other can.
    GoogleConnection.objects.filter(customer=engine_customer).update(
        ads_customer_id="", ads_conversion_customer_id=""
    )
    bad = make_tracking(engine_customer, name="Needs Ads", destinations=["google_ads"])

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.PARTIALLY_FAILED
    assert deployment.error_code == "trackings_failed"
    assert deployment.progress_done == deployment.progress_total
    assert "1 of 2 trackings did not go live" in deployment.error_message
    assert "Needs Ads" in deployment.error_message
    assert f"GTM version {deployment.gtm_version_id} was published" in deployment.error_message
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == TrackingStatus.LIVE
    assert bad.status == TrackingStatus.FAILED
    assert bad.last_error

    # A partly failed deployment can be retried like a failed one.
    retried = deployment_retry(deployment=deployment, actor=SYSTEM)
    assert retried.status == DeploymentStatus.QUEUED
