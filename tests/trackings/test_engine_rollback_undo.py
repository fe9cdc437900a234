"""Rollback is an undo: the version's trackings come back as it published them, the ones created
since go, and from then on the rolled-back state is the desired one (a health check finds it
healthy; the next deployment publishes nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import Customer, DriftPolicy
from tests.fixtures.trackings import SYSTEM, deploy, live_version, make_tracking, run_queued
from trackings.models import (
    ContainerVersion,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingHealth,
    TrackingStatus,
)
from trackings.services.deployments import deployment_request_health_check

pytestmark = pytest.mark.django_db


def _rollback(alice: Any, customer: Any, version: str, **body: Any) -> Any:
    return alice.client.post(
        f"/api/v1/customers/{customer.pk}/versions/{version}/rollback/", body, format="json"
    )


def _ours_in_live(customer: Any) -> set[str]:
    notes = " ".join(
        e.get("notes", "") for k in ("tag", "trigger") for e in live_version(customer).get(k) or []
    )
    return {str(t.pk) for t in Tracking.all_objects.filter(customer=customer) if str(t.pk) in notes}


def test_rollback_restores_trackings_and_a_health_check_keeps_it(
    alice: Any, engine_customer: Any
) -> None:
    kept = make_tracking(engine_customer, name="Kept", config={"selector": "#old"})
    deleted = make_tracking(engine_customer, name="Deleted later")
    first = deploy(engine_customer)
    assert first.status == DeploymentStatus.SUCCEEDED
    # Then: one edited, one deleted, one created, each deployed.
    response = alice.client.patch(
        f"/api/v1/trackings/{kept.pk}/",
        {"config": {"selector": "#new"}, "version": kept.version},
        format="json",
    )
    assert response.status_code in (200, 202), response.content
    assert alice.client.delete(f"/api/v1/trackings/{deleted.pk}/").status_code in (202, 204)
    created = make_tracking(engine_customer, name="Created later")
    run_queued(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert _ours_in_live(engine_customer) == {str(kept.pk), str(created.pk)}

    response = _rollback(alice, engine_customer, first.gtm_version_id)
    assert response.status_code == 202, response.content
    run_queued(engine_customer)

    rollback = Deployment.objects.get(pk=response.json()["id"])
    assert rollback.status == DeploymentStatus.SUCCEEDED, rollback.error_message
    assert live_version(engine_customer)["containerVersionId"] == first.gtm_version_id
    kept.refresh_from_db()
    assert kept.config == {"selector": "#old"}
    assert kept.status == TrackingStatus.LIVE
    assert kept.gtm_version_id == first.gtm_version_id
    back = Tracking.objects.get(pk=deleted.pk)  # deleted since: it is back
    assert back.status == TrackingStatus.LIVE
    # Created since: taken out (its Ads action by the removal deployment), then soft deleted.
    assert not Tracking.objects.filter(pk=created.pk).exists()
    assert Tracking.deleted_objects.filter(pk=created.pk).exists()
    assert _ours_in_live(engine_customer) == {str(kept.pk), str(deleted.pk)}

    check = deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)
    check.refresh_from_db()
    assert check.status == DeploymentStatus.SUCCEEDED
    assert "repair_deployment" not in check.plan
    assert set(
        Tracking.objects.filter(customer=engine_customer).values_list("health", flat=True)
    ) == {TrackingHealth.HEALTHY}
    assert live_version(engine_customer)["containerVersionId"] == first.gtm_version_id

    # The rolled-back state is the desired one: a deployment has nothing to publish...
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert live_version(engine_customer)["containerVersionId"] == first.gtm_version_id
    # ...and the next change goes out on top of it, not on top of the version rolled back.
    make_tracking(engine_customer, name="After the rollback")
    after = deploy(engine_customer)
    assert after.status == DeploymentStatus.SUCCEEDED, after.error_message
    assert "#new" not in str(live_version(engine_customer))
    assert str(created.pk) not in str(live_version(engine_customer))


def test_a_version_whose_trackings_we_do_not_know_needs_force_and_then_only_reports(
    alice: Any, engine_customer: Any
) -> None:
    make_tracking(engine_customer)
    first = deploy(engine_customer)
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    # A version published before snapshots were kept.
    ContainerVersion.objects.filter(gtm_version_id=first.gtm_version_id).update(trackings=None)

    refused = _rollback(alice, engine_customer, first.gtm_version_id)

    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "rollback_not_ours"
    assert "force" in refused.json()["error"]["message"]
    assert not Deployment.objects.filter(kind=DeploymentKind.ROLLBACK).exists()

    forced = _rollback(alice, engine_customer, first.gtm_version_id, force=True)
    assert forced.status_code == 202, forced.content
    run_queued(engine_customer)
    assert Deployment.objects.get(pk=forced.json()["id"]).status == DeploymentStatus.SUCCEEDED
    assert live_version(engine_customer)["containerVersionId"] == first.gtm_version_id
    assert set(
        Tracking.objects.filter(customer=engine_customer).values_list("health", flat=True)
    ) == {TrackingHealth.DRIFTED}
    assert Customer.objects.get(pk=engine_customer.pk).drift_policy == DriftPolicy.REPORT

    # Report semantics: a health check repairs nothing forward.
    check = deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)
    check.refresh_from_db()
    assert "repair_deployment" not in check.plan
    assert live_version(engine_customer)["containerVersionId"] == first.gtm_version_id
