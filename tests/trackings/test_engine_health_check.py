"""The health check compares live GTM and Ads with the desired state: healthy, drifted (someone
edited our entity), missing (someone deleted it, or its Ads action); when it finds either, it
queues a repair, which fixes both."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import (
    SYSTEM,
    ads_actions,
    connection_of,
    deploy,
    make_tracking,
    run_queued,
)
from tests.trackings.test_engine_foreign_entities import DEFAULT_WORKSPACE
from trackings.engine import deployment_run
from trackings.models import Deployment, DeploymentKind, DeploymentStatus, Tracking, TrackingHealth
from trackings.services.deployments import deployment_request_health_check

pytestmark = pytest.mark.django_db


def _edit_in_gtm(customer: Any, change: Any) -> None:
    """A person edits the container in the Default Workspace and publishes."""
    gtm = google_clients_for(connection_of(customer)).gtm
    gtm.sync_workspace(DEFAULT_WORKSPACE)
    entities = gtm.list_entities(DEFAULT_WORKSPACE)
    gtm.bulk_update(DEFAULT_WORKSPACE, change(entities))
    version = gtm.create_version(DEFAULT_WORKSPACE, "Edited by hand", "")["containerVersion"]
    gtm.publish_version(version["path"])


def _check(customer: Any) -> Any:
    """Run a health check alone (not the repair it may queue)."""
    deployment = deployment_request_health_check(customer=customer, actor=SYSTEM)
    deployment_run(organization_id=customer.organization_id, deployment_id=deployment.pk)
    deployment.refresh_from_db()
    return deployment


def _queued_repair(customer: Any) -> Any:
    return Deployment.objects.filter(
        customer=customer, kind=DeploymentKind.REPAIR, status=DeploymentStatus.QUEUED
    ).first()


def test_it_finds_drifted_and_missing_trackings_and_a_repair_heals_them(
    engine_customer: Any,
) -> None:
    make_tracking(engine_customer, name="Healthy")
    drifted = make_tracking(engine_customer, name="Drifted")
    missing = make_tracking(engine_customer, name="Missing")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED

    def edit(entities: dict[str, Any]) -> list[dict[str, Any]]:
        changes = []
        for tag in entities["tag"]:
            notes = tag.get("notes", "")
            if str(drifted.pk) in notes:
                parameters = [
                    {**p, "value": "hand_edited"} if p["key"] == "eventName" else p
                    for p in tag["parameter"]
                ]
                changes.append({"tag": {**tag, "parameter": parameters}, "changeStatus": "updated"})
            elif str(missing.pk) in notes:
                changes.append({"tag": tag, "changeStatus": "deleted"})
        return changes

    _edit_in_gtm(engine_customer, edit)

    check = _check(engine_customer)
    assert check.kind == DeploymentKind.CHECK
    assert check.status == DeploymentStatus.SUCCEEDED, check.error_message
    health = dict(Tracking.objects.filter(customer=engine_customer).values_list("name", "health"))
    assert health == {
        "Healthy": TrackingHealth.HEALTHY,
        "Drifted": TrackingHealth.DRIFTED,
        "Missing": TrackingHealth.MISSING,
    }

    repair = _queued_repair(engine_customer)
    assert repair is not None, "drift queues a repair by itself"
    assert check.plan["repair_deployment"] == str(repair.pk)
    assert check.plan["health"] == {"healthy": 1, "drifted": 1, "missing": 1}
    run_queued(engine_customer)
    repair.refresh_from_db()
    assert repair.status == DeploymentStatus.SUCCEEDED
    healed = _check(engine_customer)
    assert healed.status == DeploymentStatus.SUCCEEDED
    assert "repair_deployment" not in healed.plan
    assert _queued_repair(engine_customer) is None, "a healthy container queues nothing"
    assert set(
        Tracking.objects.filter(customer=engine_customer).values_list("health", flat=True)
    ) == {TrackingHealth.HEALTHY}


def test_a_conversion_action_removed_in_ads_is_missing_and_a_repair_recreates_it(
    engine_customer: Any,
) -> None:
    tracking = make_tracking(engine_customer, destinations=["ga4", "google_ads"])
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    tracking.refresh_from_db()
    old_action = tracking.ads_conversion_action_id
    connection = connection_of(engine_customer)
    google_clients_for(connection).ads.mutate_conversion_actions(
        connection.ads_customer_id,
        [{"remove": f"customers/{connection.ads_customer_id}/conversionActions/{old_action}"}],
    )

    assert _check(engine_customer).status == DeploymentStatus.SUCCEEDED
    tracking.refresh_from_db()
    assert tracking.health == TrackingHealth.MISSING

    assert _queued_repair(engine_customer) is not None
    run_queued(engine_customer)
    tracking.refresh_from_db()
    assert tracking.ads_conversion_action_id not in ("", old_action)
    actions = {a["id"]: a for a in ads_actions(engine_customer)}
    assert actions[tracking.ads_conversion_action_id]["status"] == "ENABLED"
    label = actions[tracking.ads_conversion_action_id]["conversion_label"]
    assert tracking.ads_conversion_label == label


def test_a_customer_that_wants_reports_only_gets_no_repair(
    alice: Any, engine_customer: Any
) -> None:
    drifted = make_tracking(engine_customer, name="Drifted")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    response = alice.client.patch(
        f"/api/v1/customers/{engine_customer.pk}/",
        {"drift_policy": "report", "version": engine_customer.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    engine_customer.refresh_from_db()

    def delete_ours(entities: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"tag": tag, "changeStatus": "deleted"}
            for tag in entities["tag"]
            if str(drifted.pk) in tag.get("notes", "")
        ]

    _edit_in_gtm(engine_customer, delete_ours)
    check = _check(engine_customer)

    assert check.status == DeploymentStatus.SUCCEEDED, check.error_message
    assert check.plan["health"] == {"missing": 1}
    assert "repair_deployment" not in check.plan
    assert _queued_repair(engine_customer) is None
    drifted.refresh_from_db()
    assert drifted.health == TrackingHealth.MISSING
